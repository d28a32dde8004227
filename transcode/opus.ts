// Opus (RFC 6716) encoder and decoder for the transcoder, on libopus in WASM (transcode/opus-wasm.ts).
// RTP payload format: RFC 7587 (one Opus packet per RTP payload, 48 kHz RTP clock whatever the PCM
// rate, opus/48000/2 in SDP even for mono). Each instance mallocs its codec state and I/O buffers in
// the thread's WASM heap once, at construction; encode/decode copy in, call libopus, copy out, and
// allocate nothing. close() frees the heap blocks and is idempotent.
//
// Requires `await initCodecWasm()` (transcode/wasm-init.ts) in the thread before construction.
import type { AudioDecoder, AudioEncoder } from './codec.js';
import { opusWasm, type OpusWasm } from './opus-wasm.js';

// opus_defines.h request and value constants (https://opus-codec.org/docs/opus_api-1.3.1/).
/** rtpengine 10.5 encodes through ffmpeg's libopus wrapper, whose default application is `audio`. */
const OPUS_APPLICATION_AUDIO = 2049;
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_VBR = 4006;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_DTX = 4016;
const OPUS_GET_LOOKAHEAD = 4027;

/** PCM rates libopus runs at (RFC 6716 §2: the decoder may output any of these). */
export const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * The encoder complexity the transcoder uses unless told otherwise. rtpengine 10.5 sets none, so
 * ffmpeg's libopus wrapper applies its default, 10. We use 5: `npm run bench:codecs` measured
 * (CPU µs per 20 ms frame, this WASM build, 8 kHz, 24 kbit/s) encode 86 at 5 vs 145 at 10, i.e.
 * PCMU<->opus at 203 vs 127 calls per core, with the same Bark-band spectral distance to the input
 * (0.6 dB) at 8 kHz and 1.6 vs 1.4 dB at 48 kHz / 32 kbit/s. Below 3 the encoder drops audio
 * bandwidth at low bit rates (16 kbit/s at 48 kHz: 11 dB distance at 0 and 1, 2.5 at 5).
 */
export const OPUS_DEFAULT_COMPLEXITY = 5;

/**
 * The PCM rate to run the Opus codec at when the other side of the transcoder is PCM at `otherRate`:
 * the lowest Opus rate that carries all of it (8000 for G.711, 16000 for G.722, 48000 for anything
 * above 24000). libopus decodes to and encodes from any of its rates directly (RFC 6716 §2), so no
 * resampler runs, and the codec works on fewer samples: PCMU<->opus costs ~100 µs per call and 20 ms
 * at 8 kHz vs ~300 µs at 48 kHz plus two resamplings. The RTP clock stays 48000 (RFC 7587 §4.1).
 */
export function opusPcmRate(otherRate: number): number {
  for (const r of OPUS_RATES) if (r >= otherRate) return r;
  return 48000;
}

/** An Opus packet is at most 120 ms (RFC 6716 §3.2.5); this is that duration in 2.5 ms units. */
const MAX_FRAME_UNITS = 48;
/** Longest encoded packet we produce: 1275 bytes per 20 ms frame (RFC 6716 §3.4 R2) × 6 + framing. */
const ENC_OUT_BYTES = 1275 * 6 + 8;
/** Longest payload we accept to decode (an RTP payload beyond this is not a sane Opus packet). */
const DEC_IN_BYTES = 8192;

/**
 * rtpengine 10.5's default Opus bit rate (lib/codeclib.c opus_init): 24 kbit/s when the rtpmap says 1
 * channel, 32 kbit/s for 2 (what every opus/48000/2 says, RFC 7587 §7), 64 kbit/s for more. A value
 * below 6000 is taken as kbit/s, as rtpengine does.
 */
export function opusBitrate(bitrate: number, rtpChannels = 2): number {
  if (bitrate > 0) return bitrate < 6000 ? bitrate * 1000 : bitrate;
  return rtpChannels === 1 ? 24000 : rtpChannels === 2 ? 32000 : 64000;
}

/**
 * Whether the recipient's a=fmtp asks for in-band FEC (RFC 7587 §6.1 `useinbandfec=1`: the receiver
 * can use it, so the sender should produce it).
 */
export function opusFmtpWantsFec(fmtp: string): boolean {
  return /(?:^|;)\s*useinbandfec\s*=\s*1\s*(?:;|$)/i.test(fmtp);
}

/** Options beyond the constructor's four numbers. */
export interface OpusEncoderOptions {
  /** In-band FEC (LBRR) on: for a recipient whose fmtp has useinbandfec=1. Default off. */
  inbandFec?: boolean;
  /** Expected loss in percent that FEC is tuned for (libopus spends no FEC bits at 0). Default 10 with FEC. */
  packetLossPerc?: number;
  /** The libopus instance to use (benchmarks compare builds); default the thread's, from initCodecWasm(). */
  wasm?: OpusWasm;
}

function checkRate(rate: number): void {
  if (!OPUS_RATES.includes(rate)) throw new RangeError(`opus: unsupported PCM rate ${rate}`);
}

/** Copies n Int16 samples into the WASM heap at byte address ptr (2-aligned; malloc gives 8+). */
function copyIn16(w: OpusWasm, src: Int16Array, off: number, n: number, ptr: number): void {
  const heap = w.i16;
  const base = ptr >> 1;
  for (let i = 0; i < n; i++) heap[base + i] = src[off + i];
}

export class OpusEncoder implements AudioEncoder {
  readonly rate: number;
  readonly channels: 1 | 2;
  /** Samples of encoder delay (OPUS_GET_LOOKAHEAD): how far decoded audio lags the input. */
  readonly lookahead: number;
  private readonly w: OpusWasm;
  private st: number;
  private readonly pcmPtr: number;
  private readonly outPtr: number;
  /** rate / 400: samples per 2.5 ms, the unit every Opus frame size is a multiple of. */
  private readonly unit: number;

  /**
   * @param bitrate bits/s; 0 = rtpengine's default for opus/48000/2 (32000, see opusBitrate()).
   * @param complexity 0..10. rtpengine 10.5 leaves it to ffmpeg's libopus wrapper, whose default is 10.
   */
  constructor(rate: number, channels: 1 | 2, bitrate: number, complexity: number, opts: OpusEncoderOptions = {}) {
    checkRate(rate);
    this.rate = rate;
    this.channels = channels;
    this.unit = rate / 400;
    const w = (this.w = opts.wasm ?? opusWasm());
    const f = w.fn;
    this.st = f.malloc(f.opus_encoder_get_size(channels));
    this.pcmPtr = f.malloc(this.unit * MAX_FRAME_UNITS * channels * 2);
    this.outPtr = f.malloc(ENC_OUT_BYTES);
    const fec = opts.inbandFec === true;
    const err =
      f.opus_encoder_init(this.st, rate, channels, OPUS_APPLICATION_AUDIO) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_BITRATE, opusBitrate(bitrate)) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_COMPLEXITY, complexity) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_VBR, 1) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_DTX, 0) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_INBAND_FEC, fec ? 1 : 0) ||
      f.opus_encoder_ctl_set(this.st, OPUS_SET_PACKET_LOSS_PERC, fec ? (opts.packetLossPerc ?? 10) : 0);
    if (err !== 0) {
      this.close();
      throw new Error(`opus: encoder setup failed (${err}) at rate ${rate} complexity ${complexity}`);
    }
    this.lookahead = f.opus_encoder_ctl_get(this.st, OPUS_GET_LOOKAHEAD);
  }

  /** Encodes n samples per channel (2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms); -1 for any other n. */
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    if (this.st === 0) return -1;
    const units = n / this.unit;
    if (!(units === 1 || units === 2 || units === 4 || (units > 0 && units % 8 === 0 && units <= MAX_FRAME_UNITS)))
      return -1;
    const total = n * this.channels;
    if (pcmOff < 0 || pcmOff + total > pcm.length) return -1;
    const room = out.length - outOff;
    if (room <= 0) return -1;
    const w = this.w;
    copyIn16(w, pcm, pcmOff, total, this.pcmPtr);
    const len = w.fn.opus_encode(this.st, this.pcmPtr, n, this.outPtr, room < ENC_OUT_BYTES ? room : ENC_OUT_BYTES);
    if (len < 0) return -1;
    const heap = w.u8; // re-read: encoding may have grown the memory
    const p = this.outPtr;
    for (let i = 0; i < len; i++) out[outOff + i] = heap[p + i];
    return len;
  }

  close(): void {
    if (this.st === 0) return;
    const f = this.w.fn;
    f.free(this.outPtr);
    f.free(this.pcmPtr);
    f.free(this.st);
    this.st = 0;
  }
}

export class OpusDecoder implements AudioDecoder {
  readonly rate: number;
  readonly channels: 1 | 2;
  private readonly w: OpusWasm;
  private st: number;
  private readonly inPtr: number;
  private readonly pcmPtr: number;
  /** Samples per channel of the longest packet (120 ms). */
  private readonly maxSamples: number;
  /** rate / 400: samples per 2.5 ms. */
  private readonly unit: number;

  /**
   * channels 1 decodes any Opus stream (stereo ones downmixed by libopus); 2 gives interleaved stereo.
   * wasm: the libopus instance (benchmarks compare builds); default the thread's, from initCodecWasm().
   */
  constructor(rate: number, channels: 1 | 2, wasm: OpusWasm = opusWasm()) {
    checkRate(rate);
    this.rate = rate;
    this.channels = channels;
    this.unit = rate / 400;
    this.maxSamples = this.unit * MAX_FRAME_UNITS;
    const w = (this.w = wasm);
    const f = w.fn;
    this.st = f.malloc(f.opus_decoder_get_size(channels));
    this.inPtr = f.malloc(DEC_IN_BYTES);
    this.pcmPtr = f.malloc(this.maxSamples * channels * 2);
    const err = f.opus_decoder_init(this.st, rate, channels);
    if (err !== 0) {
      this.close();
      throw new Error(`opus: decoder setup failed (${err}) at rate ${rate}`);
    }
  }

  /** Decodes one Opus packet (2.5..120 ms); returns samples per channel, or -1 (corrupt, too long, no room). */
  decode(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number): number {
    if (this.st === 0 || len <= 0 || len > DEC_IN_BYTES || off < 0 || off + len > src.length) return -1;
    const w = this.w;
    const heap = w.u8;
    const p = this.inPtr;
    for (let i = 0; i < len; i++) heap[p + i] = src[off + i];
    return this.run(p, len, pcm, pcmOff, this.maxSamples, 0);
  }

  /**
   * Packet loss concealment (RFC 6716 §4.4): n samples per channel (a multiple of 2.5 ms, at most
   * 120 ms) of extrapolated audio for a packet that never came. Returns n, or -1.
   */
  decodeLost(pcm: Int16Array, pcmOff: number, n: number): number {
    if (this.st === 0 || n <= 0 || n > this.maxSamples || n % this.unit !== 0) return -1;
    return this.run(0, 0, pcm, pcmOff, n, 0);
  }

  /**
   * Recovers the packet before src from the in-band FEC (LBRR) data src carries (RFC 6716 §2.1.7):
   * n samples per channel, the lost packet's duration. Without FEC data in src libopus conceals
   * instead. Returns n, or -1.
   */
  decodeFec(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number, n: number): number {
    if (this.st === 0 || len <= 0 || len > DEC_IN_BYTES || n <= 0 || n > this.maxSamples || n % this.unit !== 0) return -1;
    if (off < 0 || off + len > src.length) return -1;
    const heap = this.w.u8;
    const p = this.inPtr;
    for (let i = 0; i < len; i++) heap[p + i] = src[off + i];
    return this.run(p, len, pcm, pcmOff, n, 1);
  }

  private run(inPtr: number, len: number, pcm: Int16Array, pcmOff: number, frameSize: number, fec: number): number {
    const ch = this.channels;
    const room = ((pcm.length - pcmOff) / ch) | 0;
    if (pcmOff < 0 || room <= 0) return -1;
    const w = this.w;
    const n = w.fn.opus_decode(this.st, inPtr, len, this.pcmPtr, frameSize < room ? frameSize : room, fec);
    if (n < 0) return -1;
    const heap = w.i16; // re-read: decoding may have grown the memory
    const base = this.pcmPtr >> 1;
    const total = n * ch;
    for (let i = 0; i < total; i++) pcm[pcmOff + i] = heap[base + i];
    return n;
  }

  close(): void {
    if (this.st === 0) return;
    const f = this.w.fn;
    f.free(this.pcmPtr);
    f.free(this.inPtr);
    f.free(this.st);
    this.st = 0;
  }
}
