/**
 * Per-source RTP receiver statistics (RFC 3550 A.1 sequence validation, A.3 loss, A.8 jitter) for the
 * media worker's per-packet path.
 *
 * All state lives in one Float64Array (STATS_STRIDE numbers per stream slot; optionally on a
 * SharedArrayBuffer so the main thread can read the cumulative fields without messages) plus a
 * private Uint32Array of duplicate-detection bitmaps. `update()` allocates nothing.
 *
 * Deviations from / additions to the RFC algorithm:
 *  - A ring bitmap of the last DUP_WINDOW sequence numbers separates duplicates from late
 *    (reordered) packets. Both are still counted in `received`, exactly as A.1 does (so the
 *    cumulative loss can go negative with duplicates, as RFC 3550 §6.4.1 allows); duplicates are
 *    additionally counted on their own and do not feed the jitter estimator.
 *  - A change of SSRC on a slot starts the slot over (new source, probation again).
 *  - The jitter transit baseline is reset when the sequence restarts after a big jump.
 *  - Jitter is kept as a float (A.8 first form); `jitter()` reports it truncated to an integer.
 */

export const RTP_SEQ_MOD = 1 << 16;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
export const MIN_SEQUENTIAL = 2;
/** Sequence numbers remembered behind the highest one for duplicate detection (> MAX_MISORDER). */
export const DUP_WINDOW = 128;
const DUP_WORDS = DUP_WINDOW / 32;

// Field offsets within a slot (public so a SharedArrayBuffer reader can use them).
/** SSRC of the tracked source, -1 = slot empty. */
export const RS_SSRC = 0;
/** Highest sequence number seen (16 bits). */
export const RS_MAX_SEQ = 1;
/** Shifted count of sequence number cycles (multiple of 65536). */
export const RS_CYCLES = 2;
export const RS_BASE_SEQ = 3;
/** Last 'bad' sequence number + 1 (A.1), RTP_SEQ_MOD + 1 = none. */
export const RS_BAD_SEQ = 4;
/** Sequential packets still required before the source is valid. */
export const RS_PROBATION = 5;
/** Packets received since the (re)start of the sequence (A.1; includes late and duplicate). */
export const RS_RECEIVED = 6;
export const RS_EXPECTED_PRIOR = 7;
export const RS_RECEIVED_PRIOR = 8;
/** Arrival time (clock units) and RTP timestamp of the previous packet, for A.8. */
export const RS_LAST_ARRIVAL = 9;
export const RS_LAST_TS = 10;
/** A.8 jitter estimate J, in timestamp units (float). */
export const RS_JITTER = 11;
/** 1 when RS_LAST_ARRIVAL/RS_LAST_TS hold a previous packet. */
export const RS_HAS_TRANSIT = 12;
export const RS_DUPLICATES = 13;
/** Late packets that filled a gap (not duplicates). */
export const RS_REORDERED = 14;
/** Sequence restarts after a confirmed big jump. */
export const RS_RESTARTS = 15;
/** Every packet passed to update() for this source, whatever its fate. */
export const RS_PACKETS = 16;
/** Middle 32 bits of the NTP timestamp of the last SR received from this source (0 = none). */
export const RS_LSR = 17;
/** When that SR arrived (ms, caller's clock). */
export const RS_LSR_ARRIVAL_MS = 18;
/** Packets rejected as 'bad' (big jumps not (yet) confirmed as a restart). */
export const RS_BAD = 19;
export const STATS_STRIDE = 20;

/** update() results. */
export const SEQ_PROBATION = 0;
export const SEQ_OK = 1;
export const SEQ_REORDERED = 2;
export const SEQ_DUPLICATE = 3;
export const SEQ_BAD = 4;
export const SEQ_RESTART = 5;

/** Cumulative lost is a signed 24-bit field (RFC 3550 §6.4.1). */
const LOST_MAX = 0x7fffff;
const LOST_MIN = -0x800000;

export class ReceiverStats {
  /** The per-slot numbers (STATS_STRIDE per slot). */
  readonly f: Float64Array;
  private readonly dup: Uint32Array;

  /** Bytes of the Float64 part for `slots` slots (size of a SharedArrayBuffer to pass in). */
  static bytes(slots: number): number {
    return slots * STATS_STRIDE * Float64Array.BYTES_PER_ELEMENT;
  }

  /**
   * @param buffer optional (shared) memory of at least `ReceiverStats.bytes(slots)` bytes
   * @param initialise mark every slot empty; pass false for a view of a SharedArrayBuffer that its
   *   creator already initialised (e.g. the main thread reading counters, or the worker writing them)
   * @param writer this view calls update(): it needs the private duplicate-detection bitmap (which is
   *   not in the shared buffer); a read-only view does not
   */
  constructor(readonly slots: number, buffer?: SharedArrayBuffer | ArrayBuffer, initialise = true, writer = initialise) {
    this.f = buffer ? new Float64Array(buffer, 0, slots * STATS_STRIDE) : new Float64Array(slots * STATS_STRIDE);
    this.dup = new Uint32Array(writer ? slots * DUP_WORDS : 0);
    if (initialise) for (let s = 0; s < slots; s++) this.f[s * STATS_STRIDE + RS_SSRC] = -1;
  }

  /** Forgets everything about `slot` (call when a slot is (re)assigned to a stream). */
  clear(slot: number): void {
    const b = slot * STATS_STRIDE;
    this.f.fill(0, b, b + STATS_STRIDE);
    this.f[b + RS_SSRC] = -1;
    this.dup.fill(0, slot * DUP_WORDS, slot * DUP_WORDS + DUP_WORDS);
  }

  /** RFC 3550 A.1 init_seq. */
  private initSeq(slot: number, seq: number): void {
    const f = this.f;
    const b = slot * STATS_STRIDE;
    f[b + RS_BASE_SEQ] = seq;
    f[b + RS_MAX_SEQ] = seq;
    f[b + RS_BAD_SEQ] = RTP_SEQ_MOD + 1;
    f[b + RS_CYCLES] = 0;
    f[b + RS_RECEIVED] = 0;
    f[b + RS_RECEIVED_PRIOR] = 0;
    f[b + RS_EXPECTED_PRIOR] = 0;
    const d = slot * DUP_WORDS;
    this.dup.fill(0, d, d + DUP_WORDS);
    this.dup[d + ((seq & (DUP_WINDOW - 1)) >>> 5)]! |= 1 << (seq & 31);
  }

  /**
   * Accounts one RTP packet of `ssrc` received on `slot`.
   * @param seq RTP sequence number (0..65535)
   * @param rtpTs RTP timestamp (0..2^32-1)
   * @param arrival arrival time in the stream's RTP clock units (e.g. performance.now() × rate / 1000)
   * @returns SEQ_* classification
   */
  update(slot: number, ssrc: number, seq: number, rtpTs: number, arrival: number): number {
    const f = this.f;
    const b = slot * STATS_STRIDE;
    if (f[b + RS_SSRC] !== ssrc) {
      // New source on this slot (A.1: init_seq, max_seq = seq - 1, probation = MIN_SEQUENTIAL).
      this.clear(slot);
      f[b + RS_SSRC] = ssrc;
      this.initSeq(slot, seq);
      f[b + RS_MAX_SEQ] = (seq - 1) & 0xffff;
      f[b + RS_PROBATION] = MIN_SEQUENTIAL;
    }
    f[b + RS_PACKETS]! += 1;
    const maxSeq = f[b + RS_MAX_SEQ]!;
    const udelta = (seq - maxSeq) & 0xffff;
    let status: number;
    if (f[b + RS_PROBATION]! > 0) {
      if (seq === ((maxSeq + 1) & 0xffff)) {
        const left = f[b + RS_PROBATION]! - 1;
        f[b + RS_PROBATION] = left;
        f[b + RS_MAX_SEQ] = seq;
        if (left === 0) {
          this.initSeq(slot, seq);
          f[b + RS_RECEIVED]! += 1;
          status = SEQ_OK;
        } else status = SEQ_PROBATION;
      } else {
        f[b + RS_PROBATION] = MIN_SEQUENTIAL - 1;
        f[b + RS_MAX_SEQ] = seq;
        status = SEQ_PROBATION;
      }
    } else if (udelta < MAX_DROPOUT) {
      if (udelta === 0) {
        // The highest sequence number again.
        f[b + RS_RECEIVED]! += 1;
        f[b + RS_DUPLICATES]! += 1;
        return SEQ_DUPLICATE;
      }
      // In order, possibly with a gap.
      if (seq < maxSeq) f[b + RS_CYCLES]! += RTP_SEQ_MOD;
      f[b + RS_MAX_SEQ] = seq;
      f[b + RS_RECEIVED]! += 1;
      const d = slot * DUP_WORDS;
      const dup = this.dup;
      if (udelta >= DUP_WINDOW) {
        dup[d] = 0;
        dup[d + 1] = 0;
        dup[d + 2] = 0;
        dup[d + 3] = 0;
      } else {
        for (let i = 1; i < udelta; i++) {
          const s = (maxSeq + i) & (DUP_WINDOW - 1);
          dup[d + (s >>> 5)]! &= ~(1 << (s & 31));
        }
      }
      const s = seq & (DUP_WINDOW - 1);
      dup[d + (s >>> 5)]! |= 1 << (s & 31);
      status = SEQ_OK;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // Big jump. Two sequential packets past it make it a restart (the other side restarted
      // without changing SSRC); until then the packets are not counted.
      if (seq === f[b + RS_BAD_SEQ]) {
        this.initSeq(slot, seq);
        f[b + RS_RECEIVED]! += 1;
        f[b + RS_RESTARTS]! += 1;
        f[b + RS_HAS_TRANSIT] = 0;
        status = SEQ_RESTART;
      } else {
        f[b + RS_BAD_SEQ] = (seq + 1) & 0xffff;
        f[b + RS_BAD]! += 1;
        return SEQ_BAD;
      }
    } else {
      // Behind the highest by less than MAX_MISORDER: late or duplicate.
      f[b + RS_RECEIVED]! += 1;
      const d = slot * DUP_WORDS + ((seq & (DUP_WINDOW - 1)) >>> 5);
      const bit = 1 << (seq & 31);
      if (this.dup[d]! & bit) {
        f[b + RS_DUPLICATES]! += 1;
        return SEQ_DUPLICATE;
      }
      this.dup[d]! |= bit;
      f[b + RS_REORDERED]! += 1;
      status = SEQ_REORDERED;
    }
    // A.8 interarrival jitter: D = (Rj - Ri) - (Sj - Si), J += (|D| - J) / 16. The timestamp
    // difference is taken modulo 2^32 as a signed number so a timestamp wrap is not a jump.
    if (f[b + RS_HAS_TRANSIT] === 1) {
      let dd = arrival - f[b + RS_LAST_ARRIVAL]! - ((rtpTs - f[b + RS_LAST_TS]!) | 0);
      if (dd < 0) dd = -dd;
      f[b + RS_JITTER]! += (dd - f[b + RS_JITTER]!) / 16;
    }
    f[b + RS_LAST_ARRIVAL] = arrival;
    f[b + RS_LAST_TS] = rtpTs;
    f[b + RS_HAS_TRANSIT] = 1;
    return status;
  }

  /** Remembers the last SR from the source on `slot` (for LSR/DLSR in our reports). */
  onSenderReport(slot: number, ntpMiddle: number, arrivalMs: number): void {
    const b = slot * STATS_STRIDE;
    this.f[b + RS_LSR] = ntpMiddle >>> 0;
    this.f[b + RS_LSR_ARRIVAL_MS] = arrivalMs;
  }

  ssrc(slot: number): number {
    return this.f[slot * STATS_STRIDE + RS_SSRC]!;
  }

  /** True once the source passed probation (its counters mean something). */
  valid(slot: number): boolean {
    const b = slot * STATS_STRIDE;
    return this.f[b + RS_SSRC] !== -1 && this.f[b + RS_PROBATION] === 0;
  }

  /** Extended highest sequence number received (A.3), modulo 2^32. */
  extendedMax(slot: number): number {
    const b = slot * STATS_STRIDE;
    return (this.f[b + RS_CYCLES]! + this.f[b + RS_MAX_SEQ]!) % 0x100000000;
  }

  /** Packets expected since the (re)start of the sequence (A.3). */
  expected(slot: number): number {
    const b = slot * STATS_STRIDE;
    if (!this.valid(slot)) return 0;
    return this.f[b + RS_CYCLES]! + this.f[b + RS_MAX_SEQ]! - this.f[b + RS_BASE_SEQ]! + 1;
  }

  received(slot: number): number {
    return this.valid(slot) ? this.f[slot * STATS_STRIDE + RS_RECEIVED]! : 0;
  }

  /** Cumulative packets lost (A.3), clamped to the signed 24-bit range of the RR field. */
  lost(slot: number): number {
    const l = this.expected(slot) - this.received(slot);
    return l > LOST_MAX ? LOST_MAX : l < LOST_MIN ? LOST_MIN : l;
  }

  /** Interarrival jitter in timestamp units, as reported in an RR (truncated). */
  jitter(slot: number): number {
    return Math.trunc(this.f[slot * STATS_STRIDE + RS_JITTER]!);
  }

  duplicates(slot: number): number {
    return this.f[slot * STATS_STRIDE + RS_DUPLICATES]!;
  }

  reordered(slot: number): number {
    return this.f[slot * STATS_STRIDE + RS_REORDERED]!;
  }

  /**
   * Fraction lost since the previous call (A.3), 0..255, and starts a new interval. Used once per
   * generated report block.
   */
  takeFractionLost(slot: number): number {
    const f = this.f;
    const b = slot * STATS_STRIDE;
    const expected = this.expected(slot);
    const received = this.received(slot);
    const expectedInterval = expected - f[b + RS_EXPECTED_PRIOR]!;
    const receivedInterval = received - f[b + RS_RECEIVED_PRIOR]!;
    f[b + RS_EXPECTED_PRIOR] = expected;
    f[b + RS_RECEIVED_PRIOR] = received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval <= 0 || lostInterval <= 0) return 0;
    const frac = Math.floor((lostInterval * 256) / expectedInterval);
    return frac > 255 ? 255 : frac;
  }

  /** LSR (middle NTP bits of the last SR from this source, 0 = none). */
  lsr(slot: number): number {
    return this.f[slot * STATS_STRIDE + RS_LSR]!;
  }

  /** DLSR in 1/65536 s at `nowMs` (0 if no SR was received). */
  dlsr(slot: number, nowMs: number): number {
    const b = slot * STATS_STRIDE;
    if (this.f[b + RS_LSR] === 0) return 0;
    const d = Math.round(((nowMs - this.f[b + RS_LSR_ARRIVAL_MS]!) * 65536) / 1000);
    return d < 0 ? 0 : d > 0xffffffff ? 0xffffffff : d;
  }

  /**
   * Copies the cumulative counters of `slot` into `out` at `off` (for shipping to the main thread or
   * for `estimateQuality`): [expected, received, jitter, duplicates, reordered, packets].
   */
  snapshot(slot: number, out: Float64Array | number[], off = 0): void {
    out[off] = this.expected(slot);
    out[off + 1] = this.received(slot);
    out[off + 2] = this.jitter(slot);
    out[off + 3] = this.duplicates(slot);
    out[off + 4] = this.reordered(slot);
    out[off + 5] = this.f[slot * STATS_STRIDE + RS_PACKETS]!;
  }
}

/** Length of one `ReceiverStats.snapshot` record and its field offsets. */
export const SNAP_EXPECTED = 0;
export const SNAP_RECEIVED = 1;
export const SNAP_JITTER = 2;
export const SNAP_DUPLICATES = 3;
export const SNAP_REORDERED = 4;
export const SNAP_PACKETS = 5;
export const SNAPSHOT_FIELDS = 6;
