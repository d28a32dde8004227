/**
 * A single-producer single-consumer ring of variable-length records in SharedArrayBuffers: the one
 * channel that carries the main thread's commands to a media worker (command-ring.ts says which).
 *
 * Layout: Int32 control words [write position, read position, wake counter] (positions count
 * Float64 words, modulo 2^31) and a power-of-two Float64 data area, also seen as bytes. A record is
 * [kind, total words, payload...]; a payload holds numbers (one word each) and byte strings (a length
 * word, then the bytes packed 8 to a word), so a reader can skip a record it does not know and a
 * record can carry keys or codec parameters. A record never wraps: when it would not fit before the
 * end, a PAD word (kind 0, no length word: the tail may be a single word) fills the rest of the area. The producer publishes with Atomics.store after writing a
 * record's words and the consumer reads after Atomics.load, so a record is complete when it is seen.
 */

export const REC_PAD = 0;
const W = 0; // control word: write position
const R = 1; // control word: read position
/** Control word: bumped and notified by wake() for consumers that wait with Atomics.waitAsync. */
export const WAKE_WORD = 2;
const HEADER_WORDS = 2;

export interface RingBuffers { ctl: SharedArrayBuffer; data: SharedArrayBuffer }

export function createRing(words: number): RingBuffers {
  if (words < 64 || (words & (words - 1)) !== 0) throw new RangeError('ring size must be a power of two >= 64');
  return {
    ctl: new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT),
    data: new SharedArrayBuffer(words * Float64Array.BYTES_PER_ELEMENT),
  };
}

/** Words a byte string of `n` bytes takes in a record (its length word, then the bytes). */
export function bytesWords(n: number): number {
  return 1 + ((n + 7) >> 3);
}

/** The producer's end: begin() a record, write its fields in order, end() publishes it. */
export class RingWriter {
  private readonly ctl: Int32Array;
  private readonly d: Float64Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  private at = -1;
  private cur = 0;
  private words = 0;

  constructor(bufs: RingBuffers) {
    this.ctl = new Int32Array(bufs.ctl);
    this.d = new Float64Array(bufs.data);
    this.u8 = new Uint8Array(bufs.data);
    this.mask = this.d.length - 1;
  }

  /** The largest payload one record may have (half the ring, so a pad never blocks it for good). */
  get maxPayload(): number {
    return (this.d.length >> 1) - HEADER_WORDS;
  }

  /** Reserves a record of `payload` words; false (nothing written) when the ring is full. */
  begin(kind: number, payload: number): boolean {
    if (payload > this.maxPayload) throw new RangeError(`ring record of ${payload} words is larger than half the ring`);
    const n = payload + HEADER_WORDS;
    const size = this.d.length;
    let w = Atomics.load(this.ctl, W);
    const used = (w - Atomics.load(this.ctl, R)) | 0;
    let at = w & this.mask;
    const tail = size - at;
    if (used + (tail < n ? tail + n : n) > size) return false;
    if (tail < n) {
      this.d[at] = REC_PAD;
      w = (w + tail) | 0;
      Atomics.store(this.ctl, W, w); // the consumer may skip the pad already
      at = 0;
    }
    this.d[at] = kind;
    this.d[at + 1] = n;
    this.at = at;
    this.cur = at + HEADER_WORDS;
    this.words = n;
    return true;
  }

  num(x: number): void {
    this.d[this.cur++] = x;
  }

  /** A byte string: its length, then its bytes. */
  bytes(b: Uint8Array): void {
    this.d[this.cur] = b.length;
    this.u8.set(b, (this.cur + 1) * 8);
    this.cur += bytesWords(b.length);
  }

  end(): void {
    if (this.cur > this.at + this.words) throw new RangeError('ring record overran its reservation');
    this.at = -1;
    Atomics.store(this.ctl, W, (Atomics.load(this.ctl, W) + this.words) | 0);
  }

  /** Wakes a consumer that waits on WAKE_WORD (the node:dgram workers; batch workers use an eventfd). */
  notify(): void {
    Atomics.add(this.ctl, WAKE_WORD, 1);
    Atomics.notify(this.ctl, WAKE_WORD);
  }
}

/** The consumer's end. drain() hands each record to `run`, which reads its fields in order. */
export class RingReader {
  readonly ctl: Int32Array;
  private readonly d: Float64Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  private cur = 0;

  constructor(bufs: RingBuffers) {
    this.ctl = new Int32Array(bufs.ctl);
    this.d = new Float64Array(bufs.data);
    this.u8 = new Uint8Array(bufs.data);
    this.mask = this.d.length - 1;
  }

  /** Records are waiting (two loads: cheap enough to ask before every packet). */
  pending(): boolean {
    return Atomics.load(this.ctl, W) !== Atomics.load(this.ctl, R);
  }

  /**
   * Runs every published record in order and returns how many ran. A record whose handler throws is
   * still consumed (the read position moves on in `finally`), so one bad record cannot block the
   * ring; the exception reaches the caller.
   */
  drain(run: (kind: number, r: RingReader) => void): number {
    const d = this.d;
    const w = Atomics.load(this.ctl, W);
    let r = Atomics.load(this.ctl, R);
    let ran = 0;
    while (r !== w) {
      const at = r & this.mask;
      const kind = d[at]!;
      const n = kind === REC_PAD ? d.length - at : d[at + 1]!;
      // Cannot happen with one writer of this module; stop rather than run garbage.
      if (!(kind === REC_PAD || (n >= HEADER_WORDS && at + n <= d.length))) throw new Error(`record ring: bad record ${kind}/${n} at ${at}`);
      r = (r + n) | 0;
      try {
        if (kind !== REC_PAD) {
          this.cur = at + HEADER_WORDS;
          ran++;
          run(kind, this);
        }
      } finally {
        Atomics.store(this.ctl, R, r);
      }
    }
    return ran;
  }

  num(): number {
    return this.d[this.cur++]!;
  }

  /** A byte string as a fresh Buffer (commands are rare: no need to avoid the copy). */
  bytes(): Buffer {
    const n = this.d[this.cur]!;
    const from = (this.cur + 1) * 8;
    this.cur += bytesWords(n);
    return Buffer.from(this.u8.subarray(from, from + n));
  }

  /** Where the current record's fields continue (a handler may read a run of numbers itself). */
  get position(): number {
    return this.cur;
  }

  skip(words: number): void {
    this.cur += words;
  }

  get data(): Float64Array {
    return this.d;
  }
}
