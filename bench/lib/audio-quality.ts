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

/** In-place iterative radix-2 FFT of (re, im), length a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

// Critical-band (Bark) edges in Hz (Zwicker), the resolution at which hearing integrates energy.
const BARK_EDGES = [100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700, 3150, 3700,
  4400, 5300, 6400, 7700, 9500, 12000, 15500, 20000];

/**
 * Bark-band log-spectral distance in dB between ref and out delayed by lag: per ~32 ms Hann frame
 * (half overlap) where the reference is not silent, the RMS over critical bands (up to the Nyquist
 * of `rate`) of the difference of band levels in dB; the mean over frames. Phase-blind, so it ranks
 * perceptual codecs better than waveform SNR: ~1 dB is near-transparent, 3+ dB clearly audible.
 * Band levels are floored 60 dB below the frame's loudest band, so inaudible bands do not dominate.
 */
export function barkSpectralDistance(ref: Int16Array, out: Int16Array, lag: number, rate: number, skipSeconds = 0.1):
  number {
  let size = 1;
  while (size < rate * 0.032) size <<= 1;
  const hop = size >> 1;
  const win = new Float64Array(size);
  for (let i = 0; i < size; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  const edges = BARK_EDGES.filter((f) => f < rate / 2).map((f) => Math.round((f * size) / rate));
  const bands = edges.length - 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const levels = (src: Int16Array, at: number, dst: Float64Array): number => {
    let energy = 0;
    for (let i = 0; i < size; i++) {
      const v = src[at + i] * win[i];
      re[i] = v;
      im[i] = 0;
      energy += v * v;
    }
    fft(re, im);
    for (let b = 0; b < bands; b++) {
      let e = 1e-3;
      for (let k = edges[b]; k < edges[b + 1]; k++) e += re[k] * re[k] + im[k] * im[k];
      dst[b] = 10 * Math.log10(e);
    }
    return energy / size;
  };
  const lr = new Float64Array(bands);
  const lo = new Float64Array(bands);
  let sum = 0;
  let frames = 0;
  const start = Math.round(rate * skipSeconds);
  for (let at = start; at + size <= ref.length && at + lag + size <= out.length; at += hop) {
    const power = levels(ref, at, lr);
    if (power < 1e4) continue; // below ~-50 dBFS: a pause, not speech
    levels(out, at + lag, lo);
    let peak = -Infinity;
    for (let b = 0; b < bands; b++) if (lr[b] > peak) peak = lr[b];
    let d2 = 0;
    for (let b = 0; b < bands; b++) {
      const d = Math.max(lr[b], peak - 60) - Math.max(lo[b], peak - 60);
      d2 += d * d;
    }
    sum += Math.sqrt(d2 / bands);
    frames++;
  }
  return frames === 0 ? NaN : sum / frames;
}
