/**
 * DTLS datagrams from a media worker to the main thread, where the handshakes run (daemon/dtls/):
 * one record ring (record-ring.ts) per worker in the other direction, the worker writing and the
 * main thread draining. No postMessage per datagram: the worker bumps the ring's wake word and the
 * main thread, waiting on it with Atomics.waitAsync, drains every record written since.
 *
 * WHY a per-slot limit: anything with a first byte 20..63 (RFC 7983 §7) reaches this channel, so a
 * flood of DTLS-looking garbage on one socket must not swamp the main thread or crowd out other
 * calls' handshakes. Each slot has a token bucket (BURST records, refilled at RATE per second); what
 * exceeds it, and what does not fit the ring, is dropped and counted (C_RATE_DROPS / C_FULL_DROPS).
 * A handshake sends a handful of datagrams per flight, retransmissions included, far below the limit.
 */
import { createRing, RingReader, RingWriter, WAKE_WORD, bytesWords, type RingBuffers } from './record-ring.js';

/** Record kinds: a DTLS datagram, a STUN message (ICE, RFC 8445 §7). */
export const REC_DTLS = 1;
export const REC_STUN = 2;
/** 128 KiB: ~80 full-size datagrams between two drains. */
const RING_WORDS = 1 << 14;
/** Token bucket per slot. */
const BURST = 48;
const RATE_PER_S = 24;

/** Counter words (Float64, written by the worker only). */
export const C_QUEUED = 0;
export const C_RATE_DROPS = 1;
export const C_FULL_DROPS = 2;
const COUNTERS = 4;

export interface DtlsChannelBuffers {
  ring: RingBuffers;
  counters: SharedArrayBuffer;
}

export function createDtlsChannel(): DtlsChannelBuffers {
  return { ring: createRing(RING_WORDS), counters: new SharedArrayBuffer(COUNTERS * 8) };
}

/** The worker's end. */
export class DtlsChannelWriter {
  private readonly ring: RingWriter;
  private readonly counters: Float64Array;
  private readonly tokens: Float64Array;
  private readonly refilledMs: Float64Array;

  constructor(bufs: DtlsChannelBuffers, slots: number) {
    this.ring = new RingWriter(bufs.ring);
    this.counters = new Float64Array(bufs.counters);
    this.tokens = new Float64Array(slots).fill(BURST);
    this.refilledMs = new Float64Array(slots);
  }

  /** A slot's socket was (re)opened: its bucket starts full. */
  reset(slot: number): void {
    this.tokens[slot] = BURST;
    this.refilledMs[slot] = 0;
  }

  /**
   * Whether one more record from `slot` is within its rate (takes a token if so; counts the drop if
   * not). Allocation-free: asked before the address is turned into text.
   */
  admit(slot: number, nowMs: number): boolean {
    const last = this.refilledMs[slot]!;
    let t = this.tokens[slot]!;
    if (nowMs > last) {
      t = Math.min(BURST, t + ((nowMs - last) * RATE_PER_S) / 1000);
      this.refilledMs[slot] = nowMs;
    }
    if (t < 1) {
      this.tokens[slot] = t;
      this.counters[C_RATE_DROPS]! += 1;
      return false;
    }
    this.tokens[slot] = t - 1;
    return true;
  }

  /** Queues one datagram for the main thread (after admit()); false (counted) when the ring is full. */
  write(slot: number, buf: Uint8Array, off: number, len: number, address: string, port: number, kind = REC_DTLS): boolean {
    const w = this.ring;
    const words = 2 + bytesWords(address.length) + bytesWords(len);
    if (words > w.maxPayload || !w.begin(kind, words)) {
      this.counters[C_FULL_DROPS]! += 1;
      return false;
    }
    w.num(slot);
    w.num(port);
    w.bytes(Buffer.from(address, 'latin1'));
    w.bytes(buf.subarray(off, off + len));
    w.end();
    w.notify();
    this.counters[C_QUEUED]! += 1;
    return true;
  }
}

export type DtlsRecordHandler = (slot: number, data: Buffer, address: string, port: number, kind: number) => void;

/** Atomics.waitAsync (ES2024; in Node since 16), typed here because the project's lib is ES2022. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<unknown> | string };
}).waitAsync;

/**
 * The main thread's end: start() waits on the ring's wake word and hands every record to `handler`
 * (which must not throw: its exceptions are caught and reported through `onError`). close() stops.
 */
export class DtlsChannelReader {
  private readonly ring: RingReader;
  readonly counters: Float64Array;
  private seen = 0;
  private running = false;
  private handler: DtlsRecordHandler = () => {};
  private onError: (e: unknown) => void = () => {};
  private readonly runRecord = (kind: number, r: RingReader): void => this.run(kind, r);

  constructor(bufs: DtlsChannelBuffers) {
    this.ring = new RingReader(bufs.ring);
    this.counters = new Float64Array(bufs.counters);
  }

  start(handler: DtlsRecordHandler, onError: (e: unknown) => void): void {
    this.handler = handler;
    this.onError = onError;
    if (this.running) return;
    this.running = true;
    this.wait();
  }

  /** Stops waiting (idempotent). A wait already pending ends with the next wake and does nothing. */
  close(): void {
    this.running = false;
  }

  /** Runs every queued record now (also what each wake does); returns how many ran. */
  drain(): number {
    let n = 0;
    for (;;) {
      try {
        n += this.ring.drain(this.runRecord);
        return n;
      } catch (e) {
        n++;
        this.onError(e); // the record was consumed (RingReader.drain); go on with the next
      }
    }
  }

  private wait(): void {
    if (!this.running) return;
    const r = waitAsync(this.ring.ctl, WAKE_WORD, this.seen);
    if (r.async) void (r.value as Promise<unknown>).then(this.woken);
    else this.woken();
  }

  private readonly woken = (): void => {
    if (!this.running) return;
    this.seen = Atomics.load(this.ring.ctl, WAKE_WORD);
    this.drain();
    this.wait();
  };

  private run(kind: number, r: RingReader): void {
    if (kind !== REC_DTLS && kind !== REC_STUN) return;
    const slot = r.num();
    const port = r.num();
    const address = r.bytes().toString('latin1');
    this.handler(slot, r.bytes(), address, port, kind);
  }
}
