/**
 * All calls by Call-ID, in creation order (what `list` walks), plus a per-Call-ID lock so the
 * commands of one call run one at a time even while they wait for a worker to bind sockets.
 */
import type { Call } from './call.js';

export class CallRegistry {
  private readonly calls = new Map<string, Call>();
  private readonly locks = new Map<string, Promise<unknown>>();

  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  add(call: Call): void {
    this.calls.set(call.callId, call);
  }

  remove(call: Call): void {
    if (this.calls.get(call.callId) === call) this.calls.delete(call.callId);
  }

  get size(): number {
    return this.calls.size;
  }

  values(): IterableIterator<Call> {
    return this.calls.values();
  }

  /** Runs `fn` after every earlier command for the same Call-ID has finished. */
  withLock<T>(callId: string, fn: () => T | Promise<T>): Promise<T> {
    const prev = this.locks.get(callId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(() => undefined, () => undefined);
    this.locks.set(callId, tail);
    void tail.then(() => {
      if (this.locks.get(callId) === tail) this.locks.delete(callId);
    });
    return run;
  }
}
