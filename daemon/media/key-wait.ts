/**
 * SRTP that arrives on a DTLS-SRTP slot before its keys do. The peer may send media right after
 * its last handshake flight (RFC 6347 §4.2.4: a server sends its Finished and may then send
 * data), but the keys come from the handshake in the main thread a moment later (dtls-service.ts →
 * command ring). Such packets wait here, copied into preallocated space, and run through the
 * pipeline once the slot has keys (replay()), instead of being lost. Each waits at most MAX_WAIT_MS;
 * with no room left a packet is a counted drop as before.
 */
import type { Addr } from './io.js';

const ENTRIES = 32;
const ENTRY_BYTES = 1500;
const MAX_WAIT_MS = 2000;

export class KeyWaitQueue {
  private readonly data = Buffer.alloc(ENTRIES * ENTRY_BYTES);
  private readonly slot = new Int32Array(ENTRIES).fill(-1);
  private readonly len = new Int32Array(ENTRIES);
  private readonly port = new Int32Array(ENTRIES);
  private readonly since = new Float64Array(ENTRIES);
  private readonly addr: (Addr | null)[] = new Array<Addr | null>(ENTRIES).fill(null);
  private used = 0;

  /** Keeps a copy of the packet for `slot`; false when there is no room (the caller drops it). */
  hold(slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number, nowMs: number): boolean {
    if (len > ENTRY_BYTES || this.used === ENTRIES) return false;
    for (let i = 0; i < ENTRIES; i++) {
      if (this.slot[i] !== -1) continue;
      buf.copy(this.data, i * ENTRY_BYTES, off, off + len);
      this.slot[i] = slot;
      this.len[i] = len;
      this.addr[i] = addr;
      this.port[i] = port;
      this.since[i] = nowMs;
      this.used++;
      return true;
    }
    return false;
  }

  get pending(): number {
    return this.used;
  }

  /**
   * Hands every waiting packet whose slot `ready()` now says has keys to `run`, in arrival order,
   * and forgets those that waited too long or whose slot closed (`expired` is told of each).
   */
  replay(
    nowMs: number,
    ready: (slot: number) => boolean,
    run: (slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number) => void,
    expired: (slot: number) => void,
  ): void {
    if (this.used === 0) return;
    for (;;) {
      // Oldest first, so a stream's packets keep their order.
      let best = -1;
      for (let i = 0; i < ENTRIES; i++) {
        const s = this.slot[i]!;
        if (s === -1) continue;
        if (nowMs - this.since[i]! > MAX_WAIT_MS) {
          this.free(i);
          expired(s);
          continue;
        }
        if (ready(s) && (best < 0 || this.since[i]! < this.since[best]!)) best = i;
      }
      if (best < 0) return;
      const s = this.slot[best]!;
      const a = this.addr[best]!;
      const len = this.len[best]!;
      const port = this.port[best]!;
      this.free(best);
      run(s, this.data, best * ENTRY_BYTES, len, a, port);
    }
  }

  /** Drops what waits for a slot that is closing. */
  forget(slot: number): void {
    for (let i = 0; i < ENTRIES; i++) if (this.slot[i] === slot) this.free(i);
  }

  private free(i: number): void {
    this.slot[i] = -1;
    this.addr[i] = null;
    this.used--;
  }
}
