// Test signals and a quality proxy for codec benchmarks and tests (no timing here, pure functions).
//
// speechLike(): a deterministic voiced-speech stand-in: a glottal-like harmonic series whose pitch
// glides between ~100 and ~220 Hz, shaped by three formant resonances that move (vowel changes),
// under a 4 Hz syllable envelope with short pauses, plus a little noise (unvoiced energy). It has
// speech's spectral tilt and modulation, which is what makes SILK/CELT mode and bit allocation
// decisions realistic; it is not a PESQ stimulus.
//
// alignedSnr(): SNR in dB of a decoded signal against its input after finding the codec delay (the
// lag with the best SNR). Opus is perceptual, not waveform-matching, so absolute values are modest
// (SILK in particular); the number is for comparing settings, not a MOS.

/** xorshift32: reproducible noise without Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

/** Gain of a resonance at centre fc with bandwidth bw, at frequency f (magnitude of a 2-pole peak). */
function formant(f: number, fc: number, bw: number): number {
  const d = (f - fc) / (bw / 2);
  return 1 / Math.sqrt(1 + d * d);
}

/** `seconds` of speech-like mono PCM at `rate`, peak around -6 dBFS. */
export function speechLike(rate: number, seconds: number, seed = 1): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const noise = rng(seed);
  const nyq = rate / 2 - 200;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f0 = 160 + 60 * Math.sin(2 * Math.PI * 0.7 * t) + 15 * Math.sin(2 * Math.PI * 3.1 * t);
    phase += (2 * Math.PI * f0) / rate;
    if (phase > 2 * Math.PI * 1000) phase -= 2 * Math.PI * 1000;
    // Formants drift like a vowel sequence.
    const f1 = 600 + 250 * Math.sin(2 * Math.PI * 1.3 * t);
    const f2 = 1500 + 600 * Math.sin(2 * Math.PI * 0.9 * t + 1);
    const f3 = 2600 + 300 * Math.sin(2 * Math.PI * 0.5 * t + 2);
    let v = 0;
    for (let h = 1; h * f0 < nyq && h <= 40; h++) {
      const f = h * f0;
      const g = (formant(f, f1, 120) + 0.7 * formant(f, f2, 180) + 0.4 * formant(f, f3, 250)) / h;
      v += g * Math.sin(h * phase);
    }
    // Syllables at ~4 Hz; every fourth one is a pause (gaps between words).
    const syl = Math.sin(Math.PI * ((t * 4) % 1));
    const word = Math.floor(t * 4) % 4 === 3 ? 0.05 : 1;
    const env = syl * syl * word;
    out[i] = Math.round(9000 * env * v + 300 * noise() * (0.2 + env));
  }
  return out;
}

/** A pure tone at `freq` Hz, amplitude `amp`. */
export function tone(rate: number, seconds: number, freq: number, amp = 8000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** SNR in dB of out[i + lag] against ref[i] over ref[skip, ref.length - maxLag). */
export function snrAt(ref: Int16Array, out: Int16Array, lag: number, skip: number, end: number): number {
  let sig = 0;
  let err = 0;
  for (let i = skip; i < end; i++) {
    const r = ref[i];
    const e = r - out[i + lag];
    sig += r * r;
    err += e * e;
  }
  if (err === 0) return Infinity;
  return 10 * Math.log10(sig / err);
}

/**
 * The best SNR over lags 0..maxLag of out against ref, and that lag (the codec's delay). The first
 * `skipSeconds` are left out (encoder start-up).
 */
export function alignedSnr(ref: Int16Array, out: Int16Array, rate: number, maxLag: number, skipSeconds = 0.1):
  { snr: number; lag: number } {
  const skip = Math.round(rate * skipSeconds);
  const end = Math.min(ref.length, out.length - maxLag);
  let best = -Infinity;
  let bestLag = 0;
  for (let lag = 0; lag <= maxLag; lag++) {
    const s = snrAt(ref, out, lag, skip, end);
    if (s > best) {
      best = s;
      bestLag = lag;
    }
  }
  return { snr: best, lag: bestLag };
}
