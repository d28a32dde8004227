// Audio quality through the transcoding engine: test signals, an SNR measure that aligns by
// cross-correlation (codec and resampler delay), and the codec pairs with their thresholds. Unit
// tests run the pairs through DirectionTranscoder in-process; an integration test can reuse the
// signals, the packetizer/depacketizer and measureSnr() on what came through the daemon.

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
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v: number;
    if (kind === 'tone1k') v = amp * Math.sin(2 * Math.PI * 1000 * t);
    else if (kind === 'tone400') v = amp * Math.sin(2 * Math.PI * 400 * t);
    else {
      // Voiced-speech caricature: a 140 Hz fundamental with formant-like partials, in 4 syllables a
      // second (raised-cosine envelope with a short pause), pitch drifting slowly. Band-limited to 3.4 kHz.
      const f0 = 140 + 20 * Math.sin(2 * Math.PI * 0.7 * t);
      const partials = [[1, 1], [2, 0.7], [3, 0.5], [5, 0.35], [7, 0.3], [12, 0.15], [18, 0.08]] as const;
      let s = 0;
      for (const [k, a] of partials) s += a * Math.sin(2 * Math.PI * f0 * k * t + k);
      const ph = (t * 4) % 1;
      const env = ph < 0.8 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * ph) / 0.8) : 0;
      v = ((amp * 1.2) / 2.5) * s * (0.1 + 0.9 * env);
    }
    pcm[i] = Math.round(v);
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
 * A → B → A: the signal encoded in A, transcoded to B and back to A, decoded; SNR against the input.
 * Returns also the one-way B signal's SNR where B's PCM rate equals A's (else NaN).
 */
export function roundTripSnr(a: CodecName, b: CodecName, kind: SignalKind, seconds = 2): number {
  const A = CODECS[a], B = CODECS[b];
  const rate = pcmRateOf(a);
  const input = makeSignal(kind, rate, seconds);
  const there = transcodeAll(directionConfig(A, B), packetize(A, input));
  const back = transcodeAll(directionConfig(B, A), there);
  const out = depacketize(A, back);
  // Codec + resampler delay is a few ms; skip the first 100 ms (start-up of adaptive codecs).
  return measureSnr(input, out, Math.round(rate * 0.02), Math.round(rate * 0.1)).snrDb;
}

/** Every ordered pair of different codecs, and the minimum round-trip SNR (dB) each must reach. */
export const QUALITY_PAIRS: { a: CodecName; b: CodecName; minDb: number }[] = [];
