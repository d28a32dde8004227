/**
 * ng retransmission cache (spec §1.4): replies keyed by cookie only, kept 30–60 s in two
 * generations. A duplicate that arrives while the original is still running waits for its reply, so a
 * request is never executed twice.
 */

const ROTATE_MS = 30_000;

export class CookieCache {
  private current = new Map<string, Promise<Buffer>>();
  private previous = new Map<string, Promise<Buffer>>();
  private readonly timer: NodeJS.Timeout;

  constructor(rotateMs = ROTATE_MS) {
    this.timer = setInterval(() => this.rotate(), rotateMs);
    this.timer.unref();
  }

  get(cookie: string): Promise<Buffer> | undefined {
    return this.current.get(cookie) ?? this.previous.get(cookie);
  }

  /** Stores the (possibly still pending) reply. A failed promise is dropped so it is not replayed. */
  set(cookie: string, reply: Promise<Buffer>): void {
    this.current.set(cookie, reply);
    reply.catch(() => {
      if (this.current.get(cookie) === reply) this.current.delete(cookie);
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
