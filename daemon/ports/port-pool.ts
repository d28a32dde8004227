/**
 * Media port pool of one local address (spec §4.7): ports port-min..port-max, handed out as
 * consecutive blocks starting at an even port (RTP = N, RTCP = N+1). The first block is port-min (as
 * in rtpengine's golden captures); later searches start at the last allocated port plus a random step
 * of 6..19 rounded up to even, scan upwards, wrap to port-min, and give up after two passes — which is
 * where rtpengine answers "Ran out of ports".
 */

export class PortPool {
  private readonly used: Uint8Array;
  private last: number;
  private inUse = 0;

  constructor(readonly min: number, readonly max: number, private readonly random: () => number = Math.random) {
    if (min > max) throw new RangeError('port-min > port-max');
    this.used = new Uint8Array(max + 1);
    this.last = -1;
  }

  /** The start of the last allocated block (what `statistics` calls `last`). */
  get lastAllocated(): number {
    return Math.max(this.last, this.min);
  }

  get usedCount(): number {
    return this.inUse;
  }

  get size(): number {
    return this.max - this.min + 1;
  }

  /** Reserves `count` consecutive ports starting at an even port; undefined when none are free. */
  allocate(count = 2): number | undefined {
    const firstEven = this.min + (this.min & 1);
    let start = this.last < 0 ? firstEven : this.last + 6 + Math.floor(this.random() * 14);
    start += start & 1;
    if (start < firstEven || start + count - 1 > this.max) start = firstEven;
    const span = this.max - firstEven + 1;
    for (let scanned = 0; scanned < 2 * span; scanned += 2) {
      if (start + count - 1 > this.max) start = firstEven;
      if (this.isFree(start, count)) {
        for (let p = start; p < start + count; p++) this.used[p] = 1;
        this.inUse += count;
        this.last = start;
        return start;
      }
      start += 2;
    }
    return undefined;
  }

  /** Marks a port taken by something else (bind failed with EADDRINUSE), so it is skipped. */
  markForeign(port: number): void {
    if (port >= this.min && port <= this.max && this.used[port] === 0) {
      this.used[port] = 2;
    }
  }

  release(start: number, count = 2): void {
    for (let p = start; p < start + count; p++) {
      if (this.used[p] === 1) {
        this.used[p] = 0;
        this.inUse--;
      }
    }
  }

  private isFree(start: number, count: number): boolean {
    for (let p = start; p < start + count; p++) if (this.used[p] !== 0) return false;
    return true;
  }
}
