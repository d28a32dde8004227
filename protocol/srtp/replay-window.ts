// SRTP/SRTCP replay list, RFC 3711 §3.3.2 (https://www.rfc-editor.org/rfc/rfc3711#section-3.3.2):
// a sliding window of the last `size` packet indices below the highest one received. An index
// older than the window, or one already marked, is a replay.
//
// Stored as a ring of bits: the bit for index i is bit (i mod size). Indices are SRTP's 48-bit
// packet index or SRTCP's 31-bit index, both exact in a JS number.

export class ReplayWindow {
  /** Highest accepted index, -1 before the first. */
  top = -1;
  readonly size: number;
  private readonly bits: Uint32Array;

  /** `size`: a multiple of 32, at least 64 (RFC 3711 §3.3.2 asks for at least 64). */
  constructor(size = 128) {
    if (size < 64 || size % 32 !== 0) throw new RangeError('replay window must be a multiple of 32, >= 64');
    this.size = size;
    this.bits = new Uint32Array(size / 32);
  }

  /** True if `index` may be accepted (not seen, not older than the window). Does not mark it. */
  check(index: number): boolean {
    if (index < 0) return false;
    if (index > this.top) return true;
    if (this.top - index >= this.size) return false;
    const bit = index % this.size;
    return (this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0;
  }

  /** Marks `index` as received; call only after check() passed and the packet authenticated. */
  accept(index: number): void {
    const size = this.size;
    if (index > this.top) {
      // Clear the slots of the indices skipped between top and index (at most `size` of them).
      const gap = this.top < 0 ? 0 : Math.min(index - this.top, size);
      for (let k = 1; k <= gap; k++) {
        const bit = (index - gap + k) % size;
        this.bits[bit >>> 5]! &= ~(1 << (bit & 31));
      }
      this.top = index;
    }
    const bit = index % size;
    this.bits[bit >>> 5]! |= 1 << (bit & 31);
  }
}
