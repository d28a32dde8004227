// Audio quality through the transcoding engine: test signals, an SNR measure that aligns by
// cross-correlation (codec and resampler delay), and the codec pairs with their thresholds. Unit
// tests run the pairs through DirectionTranscoder in-process; an integration test can reuse the
// signals, the packetizer/depacketizer and measureSnr() on what came through the daemon.

import { fft } from '../../bench/lib/audio-quality.js';
import { createDecoder, createEncoder } from '../../transcode/codecs.js';
import { DirectionTranscoder } from '../../transcode/direction-transcoder.js';
import type { CodecSpec, DirectionConfig, PtCodec, RtpOut } from '../../transcode/types.js';

export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'L16' | 'opus';

/** The codecs the engine transcodes, with the PT and format a typical SDP gives them. */
export const CODECS: Record<CodecName, PtCodec> = {
  PCMU: { pt: 0, codec: spec('PCMU', 8000) },
  PCMA: { pt: 8, codec: spec('PCMA', 8000) },
  G722: { pt: 9, codec: spec('G722', 8000) },
  L16: { pt: 97, codec: spec('L16', 16000) },
  opus: { pt: 96, codec: spec('opus', 48000, 2) },
};

export function spec(name: string, clock: number, channels = 1, ptime = 20, bitrate = 0): CodecSpec {
  return { name, clock, channels, bitrate, fmtp: '', ptime };
}

/** PCM rate of the codec's own audio (what the sender's microphone gives it). */
export function pcmRateOf(c: CodecName): number {
  return c === 'PCMU' || c === 'PCMA' ? 8000 : c === 'opus' ? 48000 : 16000;
}

/** A DirectionConfig from one codec to another, nothing else on either side. */
export function directionConfig(from: PtCodec, to: PtCodec, extra: Partial<DirectionConfig> = {}): DirectionConfig {
  return {
    decoders: [from], encoder: to, passthrough: [], dtmfIn: [], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1,
    ...extra,
  };
}

// ---- signals ----

export type SignalKind = 'tone1k' | 'tone400' | 'speech';

/** -12 dBFS-ish test signals: a 1 kHz or 400 Hz tone, or a speech-like signal (tones in a syllable envelope). */
export function makeSignal(kind: SignalKind, rate: number, seconds: number): Int16Array {
  const n = Math.round(rate * seconds);
  const pcm = new Int16Array(n);
  const amp = 8000;
  // Voiced-speech caricature: a fundamental drifting 120-160 Hz (phase integrated), its harmonics
  // below 3.4 kHz with a falling spectrum and two formant-like bumps, in 4 syllables a second
  // (raised-cosine envelope, a short pause between syllables, never fully silent).
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v: number;
    if (kind === 'tone1k') v = amp * Math.sin(2 * Math.PI * 1000 * t);
    else if (kind === 'tone400') v = amp * Math.sin(2 * Math.PI * 400 * t);
    else {
      const f0 = 140 + 20 * Math.sin(2 * Math.PI * 0.7 * t);
      // φ(t) = 2π ∫ f0: a function of t alone, so every rate samples the same signal.
      const phase = 2 * Math.PI * 140 * t + (20 / 0.7) * (1 - Math.cos(2 * Math.PI * 0.7 * t));
      let s = 0;
      for (let k = 1; k * f0 < 3400; k++) {
        const f = k * f0;
        const a = (1 / k) * (1 + 1.5 * Math.exp(-(((f - 700) / 200) ** 2)) + 0.8 * Math.exp(-(((f - 1800) / 300) ** 2)));
        s += a * Math.sin(k * phase + k);
      }
      const ph = (t * 4) % 1;
      const env = ph < 0.8 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * ph) / 0.8) : 0;
      v = (amp / 2) * s * (0.1 + 0.9 * env);
    }
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return pcm;
}

// ---- measure ----

/**
 * SNR in dB of out against ref after aligning out by the lag (0..maxLag samples, out delayed) with the
 * highest cross-correlation, and scaling it by the least-squares gain. skip: samples at the start of
 * ref left out (codec start-up).
 */
export function measureSnr(ref: Int16Array, out: Int16Array, maxLag: number, skip = 0): { snrDb: number; lag: number; gain: number } {
  let bestLag = 0;
  let best = -Infinity;
  const n = Math.min(ref.length, out.length - maxLag) - skip;
  for (let lag = 0; lag <= maxLag; lag++) {
    let c = 0;
    for (let i = skip; i < skip + n; i++) c += ref[i]! * out[i + lag]!;
    if (c > best) { best = c; bestLag = lag; }
  }
  let rr = 0, ro = 0, oo = 0;
  for (let i = skip; i < skip + n; i++) {
    const r = ref[i]!, o = out[i + bestLag]!;
    rr += r * r; ro += r * o; oo += o * o;
  }
  const gain = oo > 0 ? ro / oo : 0;
  let err = 0;
  for (let i = skip; i < skip + n; i++) {
    const e = ref[i]! - gain * out[i + bestLag]!;
    err += e * e;
  }
  return { snrDb: 10 * Math.log10(rr / Math.max(err, 1e-9)), lag: bestLag, gain };
}


/**
 * Spectral SNR in dB: magnitude spectra of 32 ms Hann-windowed frames (half overlap) of ref and of
 * out (aligned and scaled as measureSnr() finds), signal energy over the energy of their difference.
 * Phase-blind, so it rates a perceptual codec (Opus's SILK/CELT keep the spectrum, not the waveform).
 */
export function measureSpectralSnr(ref: Int16Array, out: Int16Array, maxLag: number, skip = 0): number {
  const { lag, gain } = measureSnr(ref, out, maxLag, skip);
  // 32 ms at the signal's rate, as a power of two (maxLag is 60 ms of it: 256 at 8 kHz, 2048 at 48 kHz).
  let size = 256;
  while (size < (maxLag * 32) / 60 && size < 4096) size <<= 1;
  const re = new Float64Array(size), im = new Float64Array(size), re2 = new Float64Array(size), im2 = new Float64Array(size);
  let sig = 0, err = 0;
  const end = Math.min(ref.length, out.length - lag) - size;
  for (let start = skip; start <= end; start += size >> 1) {
    for (let i = 0; i < size; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
      re[i] = w * ref[start + i]!; im[i] = 0;
      re2[i] = w * gain * out[start + i + lag]!; im2[i] = 0;
    }
    fft(re, im);
    fft(re2, im2);
    for (let k = 0; k <= size / 2; k++) {
      const a = Math.hypot(re[k]!, im[k]!), b = Math.hypot(re2[k]!, im2[k]!);
      sig += a * a;
      err += (a - b) * (a - b);
    }
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-9));
}

// ---- RTP streams in memory ----

/** Collects what a transcoder sends (copies, as RtpOut requires). */
export class PacketSink implements RtpOut {
  packets: Buffer[] = [];
  sendRtp(buf: Buffer, off: number, len: number): void {
    this.packets.push(Buffer.from(buf.subarray(off, off + len)));
  }
}

/** Encodes pcm (at the codec's own PCM rate) as 20 ms RTP packets of codec c, seq/ts from 1000/160000. */
export function packetize(c: PtCodec, pcm: Int16Array, ssrc = 0x11223344): Buffer[] {
  const enc = createEncoder(c.codec, pcmRateOfSpec(c))!;
  const frame = (enc.rate * 20) / 1000;
  const ticks = (c.codec.clock * 20) / 1000;
  const out: Buffer[] = [];
  const payload = new Uint8Array(4000);
  for (let i = 0, k = 0; i + frame <= pcm.length; i += frame, k++) {
    const pl = enc.encode(pcm, i, frame, payload, 0);
    const b = Buffer.alloc(12 + pl);
    b[0] = 0x80;
    b[1] = c.pt | (k === 0 ? 0x80 : 0);
    b.writeUInt16BE((1000 + k) & 0xffff, 2);
    b.writeUInt32BE((160000 + k * ticks) >>> 0, 4);
    b.writeUInt32BE(ssrc, 8);
    b.set(payload.subarray(0, pl), 12);
    out.push(b);
  }
  enc.close();
  return out;
}

function pcmRateOfSpec(c: PtCodec): number {
  const n = c.codec.name.toUpperCase();
  return n === 'PCMU' || n === 'PCMA' ? 8000 : n === 'OPUS' ? 48000 : n === 'G722' ? 16000 : c.codec.clock;
}

/** Decodes RTP packets of codec c (in order) back to PCM at the codec's own rate. */
export function depacketize(c: PtCodec, packets: Buffer[]): Int16Array {
  const dec = createDecoder(c.codec, pcmRateOfSpec(c))!;
  const pcm = new Int16Array(packets.length * dec.rate * 0.12 + 1024);
  let n = 0;
  for (const p of packets) {
    const k = dec.decode(p, 12, p.length - 12, pcm, n);
    if (k > 0) n += k;
  }
  dec.close();
  return pcm.subarray(0, n);
}

/** Packets through one DirectionTranscoder. */
export function transcodeAll(cfg: DirectionConfig, packets: Buffer[]): Buffer[] {
  const sink = new PacketSink();
  const t = new DirectionTranscoder(cfg, sink);
  for (const p of packets) t.push(Buffer.from(p), 0, p.length, 0);
  t.close();
  return sink.packets;
}

/**
 * A → B → A: the signal encoded in A, transcoded to B and back to A, decoded; SNR (waveform, and
 * spectral: measureSpectralSnr) against the input.
 */
export function roundTrip(a: CodecName, b: CodecName, kind: SignalKind, seconds = 1): { snrDb: number; spectralDb: number } {
  const A = CODECS[a], B = CODECS[b];
  const rate = pcmRateOf(a);
  const input = makeSignal(kind, rate, seconds);
  const there = transcodeAll(directionConfig(A, B), packetize(A, input));
  const back = transcodeAll(directionConfig(B, A), there);
  const out = depacketize(A, back);
  // Codec + resampler delay is a few ms; skip the first 100 ms (start-up of adaptive codecs).
  const maxLag = Math.round(rate * 0.06);
  const skip = Math.round(rate * 0.1);
  return { snrDb: measureSnr(input, out, maxLag, skip).snrDb, spectralDb: measureSpectralSnr(input, out, maxLag, skip) };
}

export interface QualityPair {
  a: CodecName;
  b: CodecName;
  /** snr: waveform SNR; spectral: measureSpectralSnr (for Opus, which keeps the spectrum, not the waveform). */
  metric: 'snr' | 'spectral';
  /** Minimum dB of the A → B → A round trip per signal (1 s; what was measured minus 3 dB, G.711 pairs 30 dB). */
  min: Record<SignalKind, number>;
}

/** Every ordered pair of different codecs, with its thresholds. Measured values (1 s signals) in comments. */
export const QUALITY_PAIRS: QualityPair[] = [
  { a: 'PCMU', b: 'PCMA', metric: 'snr', min: { tone1k: 30, tone400: 30, speech: 30 } }, // measured 54.7 / 39.0 / 37.5
  { a: 'PCMU', b: 'G722', metric: 'snr', min: { tone1k: 48, tone400: 36, speech: 18 } }, // measured 51.1 / 39.0 / 21.4
  { a: 'PCMU', b: 'L16', metric: 'snr', min: { tone1k: 52, tone400: 36, speech: 34 } }, // measured 55.4 / 39.0 / 37.5
  { a: 'PCMU', b: 'opus', metric: 'spectral', min: { tone1k: 42, tone400: 34, speech: 28 } }, // measured 45.9 / 37.6 / 31.0
  { a: 'PCMA', b: 'PCMU', metric: 'snr', min: { tone1k: 30, tone400: 30, speech: 30 } }, // measured 34.8 / 32.9 / 36.1
  { a: 'PCMA', b: 'G722', metric: 'snr', min: { tone1k: 42, tone400: 39, speech: 19 } }, // measured 45.1 / 42.5 / 22.2
  { a: 'PCMA', b: 'L16', metric: 'snr', min: { tone1k: 42, tone400: 39, speech: 34 } }, // measured 45.9 / 42.5 / 37.6
  { a: 'PCMA', b: 'opus', metric: 'spectral', min: { tone1k: 39, tone400: 35, speech: 28 } }, // measured 42.9 / 38.5 / 31.2
  { a: 'G722', b: 'PCMU', metric: 'snr', min: { tone1k: 42, tone400: 36, speech: 16 } }, // measured 45.5 / 39.2 / 19.5
  { a: 'G722', b: 'PCMA', metric: 'snr', min: { tone1k: 35, tone400: 41, speech: 16 } }, // measured 38.5 / 44.0 / 19.5
  { a: 'G722', b: 'L16', metric: 'snr', min: { tone1k: 41, tone400: 52, speech: 17 } }, // measured 44.2 / 55.3 / 20.4
  { a: 'G722', b: 'opus', metric: 'spectral', min: { tone1k: 33, tone400: 38, speech: 19 } }, // measured 36.3 / 41.2 / 22.7
  { a: 'L16', b: 'PCMU', metric: 'snr', min: { tone1k: 52, tone400: 36, speech: 35 } }, // measured 55.2 / 39.5 / 38.0
  { a: 'L16', b: 'PCMA', metric: 'snr', min: { tone1k: 42, tone400: 41, speech: 35 } }, // measured 45.8 / 44.3 / 38.0
  { a: 'L16', b: 'G722', metric: 'snr', min: { tone1k: 44, tone400: 55, speech: 18 } }, // measured 47.2 / 58.9 / 21.2
  { a: 'L16', b: 'opus', metric: 'spectral', min: { tone1k: 40, tone400: 36, speech: 22 } }, // measured 43.0 / 39.2 / 25.9
  { a: 'opus', b: 'PCMU', metric: 'spectral', min: { tone1k: 32, tone400: 30, speech: 20 } }, // measured 35.1 / 33.5 / 23.9
  { a: 'opus', b: 'PCMA', metric: 'spectral', min: { tone1k: 32, tone400: 31, speech: 20 } }, // measured 35.7 / 34.1 / 23.7
  { a: 'opus', b: 'G722', metric: 'spectral', min: { tone1k: 32, tone400: 29, speech: 17 } }, // measured 35.8 / 32.7 / 20.2
  { a: 'opus', b: 'L16', metric: 'spectral', min: { tone1k: 35, tone400: 30, speech: 19 } }, // measured 38.2 / 33.5 / 22.1
];
