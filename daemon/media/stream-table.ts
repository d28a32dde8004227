/**
 * Per-stream counters shared between a media worker (the only writer) and the main thread (reader,
 * for query/list/statistics and timeouts). One SharedArrayBuffer per worker; a stream is a slot.
 *
 * Layout: Float64 fields per slot (doubles hold 2^53 exactly: enough for packet/byte counters and
 * millisecond timestamps). Aligned 8-byte stores are not torn on the platforms Node supports, and each
 * slot has a single writer, so readers use plain loads.
 *
 * Then the worker-wide counters (W_*), then the transcode region: per slot XC_CHAINS blocks of
 * XC_FIELDS (transcode-counters.ts), which only grow: reset() leaves them alone, the main thread keeps
 * baselines instead (so a count folded into a chain's total is never counted twice or lost).
 */

export const F_PACKETS = 0;
export const F_BYTES = 1;
export const F_ERRORS = 2;
/** Wall-clock ms of the last packet received on this slot (0 = none yet). */
export const F_LAST_PACKET_MS = 3;
/** SSRC of the first RTP/RTCP packet seen (-1 = none yet). */
export const F_SSRC = 4;
/** RTP payload type of the last RTP packet (-1 = none). */
export const F_LAST_PT = 5;
/** Packets forwarded out of this slot's peer socket (sent towards the other side). */
export const F_FORWARDED = 6;
/** Packets received but dropped (no destination known yet, source rejected, send failure). */
export const F_DROPPED = 7;
export const SLOT_FIELDS = 8;

/** Worker-wide counters at the end of the buffer. */
export const W_PACKETS = 0;
export const W_BYTES = 1;
export const W_DROPS = 2;
export const W_ERRORS = 3;
export const W_ACTIVE_SLOTS = 4;
/** Id of the last close command the worker has carried out (ids grow; commands run in order). */
export const W_CLOSED_UPTO = 5;
/** SRTP/SRTCP packets that failed authentication (RFC 3711 §3.3 step 5), dropped. */
export const W_SRTP_AUTH_FAILURES = 6;
/** SRTP/SRTCP packets whose index was seen already or is behind the replay window (§3.3.2), dropped. */
export const W_SRTP_REPLAY_DROPS = 7;
/** Packets on an SRTP slot too short or malformed to unprotect, dropped. */
export const W_SRTP_MALFORMED = 8;
/**
 * Packets that are neither RTP nor RTCP (RFC 7983 first byte: STUN, DTLS, ZRTP, TURN, unknown) not
 * relayed: DTLS on a slot without DTLS, anything non-media on a slot with SRTP either way.
 */
export const W_NON_MEDIA_DROPS = 9;
/** Packets unprotected (SRTP/SRTCP → RTP/RTCP) and protected (the other way). */
export const W_SRTP_UNPROTECTED = 10;
export const W_SRTP_PROTECTED = 11;
/** DTLS records handed to the DTLS sink (pipeline.ts setDtlsSink). */
export const W_DTLS_RECORDS = 12;
export const WORKER_FIELDS = 16;

/** Transcoding chains counted per slot: its DirectionConfig's first decoders (transcode-counters.ts). */
export const XC_CHAINS = 4;
/** RTP packets into the chain's decoder, their payload bytes, PCM samples at the encoder's rate. */
export const XC_PACKETS = 0;
export const XC_BYTES = 1;
export const XC_SAMPLES = 2;
export const XC_FIELDS = 3;

export function streamTableBytes(slots: number): number {
  return (slots * SLOT_FIELDS + WORKER_FIELDS + slots * XC_CHAINS * XC_FIELDS) * Float64Array.BYTES_PER_ELEMENT;
}

/** A view on one worker's table. */
export class StreamTable {
  readonly f64: Float64Array;
  readonly workerBase: number;
  /** Start of the transcode region. */
  readonly xcBase: number;

  constructor(readonly sab: SharedArrayBuffer, readonly slots: number) {
    this.f64 = new Float64Array(sab);
    this.workerBase = slots * SLOT_FIELDS;
    this.xcBase = this.workerBase + WORKER_FIELDS;
  }

  static create(slots: number): StreamTable {
    return new StreamTable(new SharedArrayBuffer(streamTableBytes(slots)), slots);
  }

  get(slot: number, field: number): number {
    return this.f64[slot * SLOT_FIELDS + field]!;
  }

  /** Index in f64 of the slot's chain block (its XC_* fields follow). */
  xcIndex(slot: number, chain: number): number {
    return this.xcBase + (slot * XC_CHAINS + chain) * XC_FIELDS;
  }

  workerCounter(field: number): number {
    return this.f64[this.workerBase + field]!;
  }

  /** Called by the main thread when a slot is (re)assigned, before its socket is bound (WorkerPool.bind). */
  reset(slot: number): void {
    const b = slot * SLOT_FIELDS;
    this.f64.fill(0, b, b + SLOT_FIELDS);
    this.f64[b + F_SSRC] = -1;
    this.f64[b + F_LAST_PT] = -1;
  }
}
