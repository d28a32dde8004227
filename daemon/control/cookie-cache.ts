/**
 * ng retransmission cache (spec §1.4): replies keyed by cookie only, kept 30–60 s in two
 * generations. A duplicate that arrives while the original is still running waits for its reply, so a
 * request is never executed twice.
 *
 * A settled reply is copied into its generation's slab of 1 MB off-heap chunks and the map keeps a
 * small integer (chunk and offset). Why: at a few thousand requests per second the cache holds some
 * 10^5 replies. As V8 strings every one of them was promoted into the old generation, which then grew
 * by some MB per second under ng load and was marked and compacted more often, each time with a
 * main-thread pause. In the slab a reply is its bytes plus a 4-byte length, outside the V8 heap,
 * and the chunks of an expired generation are reused. (Measured in bench/RESULTS.md.)
 */

const ROTATE_MS = 30_000;
/** Chunk size: a handle is chunk << 20 | offset, a small integer for up to 1024 chunks (1 GB). */
const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const MAX_CHUNKS = 1024;
/** Free chunks kept for the next generations (the rest is left to the GC). */
const SPARE_CHUNKS = 16;

class Generation {
  readonly map = new Map<string, Promise<Buffer> | number>();
  readonly chunks: Buffer[] = [];
  private used = CHUNK;

  constructor(private readonly spare: Buffer[]) {}

  /** Copies a settled reply in; false when it does not fit (over 1 MB, or 1 GB in this generation). */
  store(cookie: string, reply: Buffer): boolean {
    const need = reply.length + 4;
    if (need > CHUNK) return false;
    if (this.used + need > CHUNK) {
      if (this.chunks.length >= MAX_CHUNKS) return false;
      this.chunks.push(this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK));
      this.used = 0;
    }
    const index = this.chunks.length - 1;
    const chunk = this.chunks[index]!;
    chunk.writeUInt32LE(reply.length, this.used);
    reply.copy(chunk, this.used + 4);
    this.map.set(cookie, (index << CHUNK_BITS) | this.used);
    this.used += need;
    return true;
  }

  /** A stored reply as a Buffer of its own (the chunk is reused after this generation expires). */
  load(handle: number): Buffer {
    const chunk = this.chunks[handle >>> CHUNK_BITS]!;
    const at = handle & (CHUNK - 1);
    const len = chunk.readUInt32LE(at);
    return Buffer.from(chunk.subarray(at + 4, at + 4 + len));
  }

  /** The chunks go back to the spare list (this generation is no longer read). */
  release(): void {
    this.map.clear();
    while (this.chunks.length > 0 && this.spare.length < SPARE_CHUNKS) this.spare.push(this.chunks.pop()!);
    this.chunks.length = 0;
  }
}

export class CookieCache {
  private readonly spare: Buffer[] = [];
  private current = new Generation(this.spare);
  private previous = new Generation(this.spare);
  private readonly timer: NodeJS.Timeout;

  constructor(rotateMs = ROTATE_MS) {
    this.timer = setInterval(() => this.rotate(), rotateMs);
    this.timer.unref();
  }

  get(cookie: string): Promise<Buffer> | undefined {
    return CookieCache.lookup(this.current, cookie) ?? CookieCache.lookup(this.previous, cookie);
  }

  private static lookup(g: Generation, cookie: string): Promise<Buffer> | undefined {
    const e = g.map.get(cookie);
    return typeof e === 'number' ? Promise.resolve(g.load(e)) : e;
  }

  /** Stores the (possibly still pending) reply. A failed promise is dropped so it is not replayed. */
  set(cookie: string, reply: Promise<Buffer>): void {
    const g = this.current;
    g.map.set(cookie, reply);
    reply.then((buf) => {
      // Still this request's entry (not rotated out, not replaced): keep the bytes, drop the promise.
      if (g.map.get(cookie) === reply && !g.store(cookie, buf)) g.map.set(cookie, Promise.resolve(buf));
    }, () => {
      if (g.map.get(cookie) === reply) g.map.delete(cookie);
    });
  }

  rotate(): void {
    this.previous.release();
    this.previous = this.current;
    this.current = new Generation(this.spare);
  }

  close(): void {
    clearInterval(this.timer);
    this.current.release();
    this.previous.release();
    this.spare.length = 0;
  }
}
