// Codec factory: a CodecSpec (from the SDP) → the AudioDecoder / AudioEncoder that handles it, or
// null for a codec the engine cannot transcode (signalling decides what to do; the worker counts
// the drops). Names compare case-insensitively.
//
// PCM rates: PCMU/PCMA 8000 (RFC 3551 §4.5.14), G722 16000 (its RTP clock says 8000, RFC 3551
// §4.5.2), L16 its clock rate (§4.5.11), opus any of 8/12/16/24/48 kHz: libopus decodes to and
// encodes from those rates natively, so an opus stream facing PCMU is decoded straight to 8 kHz and
// encoded from 8 kHz, with no resampling (the `preferredRate` arguments; a rate libopus lacks gets
// the next one up, opus.ts opusPcmRate).

import type { AudioDecoder, AudioEncoder } from './codec.js';
import type { CodecSpec } from './types.js';
import { ALAW_DECODE, ALAW_ENCODE, ULAW_DECODE, ULAW_ENCODE } from './g711.js';
import { G722Decoder, G722Encoder } from './g722.js';
import {
  OPUS_DEFAULT_COMPLEXITY, OPUS_RATES, OpusDecoder, OpusEncoder, opusBitrate, opusFmtpWantsFec, opusPcmRate,
} from './opus.js';

/** The longest packet a decoder takes: 120 ms (Opus's longest; AudioDecoder's buffer contract). */
export const MAX_PACKET_MS = 120;

export type CodecKind = 'PCMU' | 'PCMA' | 'G722' | 'L16' | 'OPUS';

/** The engine's name for a codec, or null when it has no decoder/encoder for it. */
export function codecKind(spec: CodecSpec): CodecKind | null {
  const n = spec.name.toUpperCase();
  if (n === 'PCMU' || n === 'PCMA' || n === 'G722' || n === 'L16' || n === 'OPUS') return n;
  return null;
}

/** The PCM rate a codec works at without being asked for another one. */
export function naturalRate(spec: CodecSpec): number {
  switch (codecKind(spec)) {
    case 'PCMU':
    case 'PCMA':
      return 8000;
    case 'G722':
      return 16000;
    case 'L16':
      return spec.clock > 0 ? spec.clock : 8000;
    case 'OPUS':
      return 48000;
    default:
      return 0;
  }
}

/** The Opus PCM rate facing PCM at `preferred`: the lowest libopus rate that carries all of it (opus.ts). */
function opusRateFor(preferred: number | undefined): number {
  return preferred !== undefined && preferred > 0 ? opusPcmRate(preferred) : 48000;
}

/** A numeric a=fmtp parameter (`name=value` among `;`-separated pairs, RFC 7587 §6.1), or -1. */
export function fmtpNumber(fmtp: string, name: string): number {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(\\d+)\\s*(?:;|$)`, 'i');
  const m = re.exec(fmtp);
  return m ? Number(m[1]) : -1;
}

/**
 * The PCM rate an Opus encoder for spec runs at, given the rate the audio comes at: that rate when
 * libopus has it (else 48 kHz), but no higher than the recipient's maxplaybackrate (RFC 7587 §6.1:
 * coding wider than it plays back wastes bits), rounded up to a libopus rate.
 */
export function opusEncoderRate(spec: CodecSpec, inRate?: number): number {
  let rate = opusRateFor(inRate);
  const max = fmtpNumber(spec.fmtp, 'maxplaybackrate');
  if (max > 0 && max < rate) {
    for (const r of OPUS_RATES) {
      if (r >= max) { rate = r; break; }
    }
  }
  return rate;
}

// ---- G.711 (table driven, transcode/g711.ts) ----

class G711Decoder implements AudioDecoder {
  readonly rate = 8000;
  private readonly table: Int16Array;
  private readonly max = (8000 * MAX_PACKET_MS) / 1000;
  constructor(table: Int16Array) {
    this.table = table;
  }
  decode(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number): number {
    if (len <= 0 || len > this.max) return -1;
    const t = this.table;
    for (let i = 0; i < len; i++) pcm[pcmOff + i] = t[src[off + i]!]!;
    return len;
  }
  close(): void {}
}

class G711Encoder implements AudioEncoder {
  readonly rate = 8000;
  private readonly table: Uint8Array;
  constructor(table: Uint8Array) {
    this.table = table;
  }
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    const t = this.table;
    for (let i = 0; i < n; i++) out[outOff + i] = t[pcm[pcmOff + i]! & 0xffff]!;
    return n;
  }
  close(): void {}
}

// ---- G.722 (transcode/g722.ts): 16 kHz PCM, one byte per two samples ----

class G722AudioDecoder implements AudioDecoder {
  readonly rate = 16000;
  private readonly dec = new G722Decoder();
  private readonly maxBytes = (8000 * MAX_PACKET_MS) / 1000;
  decode(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number): number {
    if (len <= 0 || len > this.maxBytes) return -1;
    return this.dec.decode(src, off, len, pcm, pcmOff);
  }
  close(): void {}
}

class G722AudioEncoder implements AudioEncoder {
  readonly rate = 16000;
  private readonly enc = new G722Encoder();
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    return this.enc.encode(pcm, pcmOff, n, out, outOff);
  }
  close(): void {}
}

// ---- L16: 16-bit signed big-endian samples, clock = sample rate (RFC 3551 §4.5.11); mono only ----

class L16Decoder implements AudioDecoder {
  readonly rate: number;
  private readonly max: number;
  constructor(rate: number) {
    this.rate = rate;
    this.max = Math.ceil((rate * MAX_PACKET_MS) / 1000);
  }
  decode(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number): number {
    if (len <= 0 || (len & 1) !== 0) return -1;
    const n = len >> 1;
    if (n > this.max) return -1;
    for (let i = 0; i < n; i++) {
      const p = off + 2 * i;
      pcm[pcmOff + i] = ((src[p]! << 24) | (src[p + 1]! << 16)) >> 16;
    }
    return n;
  }
  close(): void {}
}

class L16Encoder implements AudioEncoder {
  readonly rate: number;
  constructor(rate: number) {
    this.rate = rate;
  }
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    for (let i = 0; i < n; i++) {
      const v = pcm[pcmOff + i]!;
      out[outOff + 2 * i] = (v >> 8) & 0xff;
      out[outOff + 2 * i + 1] = v & 0xff;
    }
    return 2 * n;
  }
  close(): void {}
}

/**
 * A decoder for spec, or null. preferredRate: the PCM rate the other side wants (the encoder's);
 * only opus honours it (decoding at 8/12/16/24/48 kHz natively). L16 with more than one channel is
 * not supported (null).
 */
export function createDecoder(spec: CodecSpec, preferredRate?: number): AudioDecoder | null {
  switch (codecKind(spec)) {
    case 'PCMU':
      return new G711Decoder(ULAW_DECODE);
    case 'PCMA':
      return new G711Decoder(ALAW_DECODE);
    case 'G722':
      return new G722AudioDecoder();
    case 'L16':
      return spec.channels > 1 || !(spec.clock > 0) ? null : new L16Decoder(spec.clock);
    case 'OPUS':
      return new OpusDecoder(opusRateFor(preferredRate), 1);
    default:
      return null;
  }
}

/**
 * An encoder for spec, or null. inRate: the PCM rate the decoded audio arrives at; only opus honours
 * it (encoding from 8/12/16/24/48 kHz natively; see opusEncoderRate). Opus is encoded mono (RFC 7587
 * §3.4; a `stereo=1` recipient plays mono fine) at spec.bitrate (0: rtpengine's default).
 */
export function createEncoder(spec: CodecSpec, inRate?: number): AudioEncoder | null {
  switch (codecKind(spec)) {
    case 'PCMU':
      return new G711Encoder(ULAW_ENCODE);
    case 'PCMA':
      return new G711Encoder(ALAW_ENCODE);
    case 'G722':
      return new G722AudioEncoder();
    case 'L16':
      return spec.channels > 1 || !(spec.clock > 0) ? null : new L16Encoder(spec.clock);
    case 'OPUS': {
      // Bit rate: the codec option's, else rtpengine's default for the rtpmap's channel count, capped
      // by the recipient's maxaveragebitrate (RFC 7587 §6.1). In-band FEC when it says useinbandfec=1.
      let bitrate = opusBitrate(spec.bitrate, spec.channels);
      const maxAvg = fmtpNumber(spec.fmtp, 'maxaveragebitrate');
      if (maxAvg >= 6000 && maxAvg < bitrate) bitrate = maxAvg;
      return new OpusEncoder(opusEncoderRate(spec, inRate), 1, bitrate, OPUS_DEFAULT_COMPLEXITY, {
        inbandFec: opusFmtpWantsFec(spec.fmtp),
      });
    }
    default:
      return null;
  }
}
