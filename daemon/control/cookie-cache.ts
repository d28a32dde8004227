/**
 * ng retransmission cache (spec §1.4): replies keyed by cookie only, kept 30–60 s in two
 * generations. A duplicate that arrives while the original is still running waits for its reply, so a
 * request is never executed twice.
 *
 * A settled reply is kept as its latin1 string, not as the Promise and Buffer it came as: at a few
 * thousand requests per second the cache holds some 10^5 replies, and a one-byte string is the
 * reply's bytes plus a small header, where Promise + Buffer (+ its view objects) add a few hundred
 * bytes per entry.
 */

const ROTATE_MS = 30_000;

type Entry = Promise<Buffer> | string;

export class CookieCache {
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(rotateMs = ROTATE_MS) {
    this.timer = setInterval(() => this.rotate(), rotateMs);
    this.timer.unref();
  }

  get(cookie: string): Promise<Buffer> | undefined {
    const e = this.current.get(cookie) ?? this.previous.get(cookie);
    return typeof e === 'string' ? Promise.resolve(Buffer.from(e, 'latin1')) : e;
  }

  /** Stores the (possibly still pending) reply. A failed promise is dropped so it is not replayed. */
  set(cookie: string, reply: Promise<Buffer>): void {
    const map = this.current;
    map.set(cookie, reply);
    reply.then((buf) => {
      if (map.get(cookie) === reply) map.set(cookie, buf.toString('latin1'));
    }, () => {
      if (map.get(cookie) === reply) map.delete(cookie);
    });
  }

  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  close(): void {
    clearInterval(this.timer);
    this.current.clear();
    this.previous.clear();
  }
}
