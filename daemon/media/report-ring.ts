/**
 * A single-producer/single-consumer ring of fixed-size numeric records in a SharedArrayBuffer: the
 * media worker writes RTCP report data (sender reports, report blocks, XR VoIP metrics) as it
 * parses them, the main thread drains it on a timer. No postMessage and no allocation per packet.
 *
 * Layout: Int32 header [head, tail, dropped] then `capacity` records of RECORD_FIELDS doubles.
 * head/tail are record counters (mod 2^31); the producer only moves head, the consumer only tail.
 */

export const RECORD_FIELDS = 12;
export const REC_SENDER_REPORT = 1; // slot, atUs, ssrc, ntpMiddle
export const REC_REPORT_BLOCK = 2; // slot, atUs, reporter, source, fraction, cumLost, jitter, lsr, dlsr
export const REC_VOIP_METRICS = 3; // slot, atUs, reporter, source, rttMs

const HEADER_BYTES = 16;

export function reportRingBytes(capacity: number): number {
  return HEADER_BYTES + capacity * RECORD_FIELDS * Float64Array.BYTES_PER_ELEMENT;
}

export class ReportRing {
  private readonly hdr: Int32Array;
  private readonly rec: Float64Array;
  readonly capacity: number;

  constructor(readonly sab: SharedArrayBuffer) {
    this.hdr = new Int32Array(sab, 0, 4);
    this.rec = new Float64Array(sab, HEADER_BYTES);
    this.capacity = Math.floor(this.rec.length / RECORD_FIELDS);
  }

  /** `capacity` must be a power of two so record indexes stay contiguous when the counters wrap. */
  static create(capacity: number): ReportRing {
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    return new ReportRing(new SharedArrayBuffer(reportRingBytes(capacity)));
  }

  /** Producer: claims the next record and returns its base index, or -1 when full (counted). */
  claim(): number {
    const head = Atomics.load(this.hdr, 0);
    const tail = Atomics.load(this.hdr, 1);
    if (((head - tail) & 0x7fffffff) >= this.capacity) {
      Atomics.add(this.hdr, 2, 1);
      return -1;
    }
    return (head % this.capacity) * RECORD_FIELDS;
  }

  /** Producer: the record from claim() is filled in. */
  publish(): void {
    Atomics.store(this.hdr, 0, (Atomics.load(this.hdr, 0) + 1) & 0x7fffffff);
  }

  get records(): Float64Array {
    return this.rec;
  }

  get dropped(): number {
    return Atomics.load(this.hdr, 2);
  }

  /** Consumer: calls `fn` with each pending record's base index, oldest first. */
  drain(fn: (base: number, rec: Float64Array) => void): number {
    const head = Atomics.load(this.hdr, 0);
    let tail = Atomics.load(this.hdr, 1);
    let n = 0;
    while (tail !== head) {
      fn((tail % this.capacity) * RECORD_FIELDS, this.rec);
      tail = (tail + 1) & 0x7fffffff;
      n++;
    }
    Atomics.store(this.hdr, 1, tail);
    return n;
  }
}
