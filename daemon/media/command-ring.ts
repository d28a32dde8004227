/**
 * Main → worker commands (adopt, configure, close) through a single-producer single-consumer ring in
 * a SharedArrayBuffer, for workers on batch I/O. The main thread writes the commands of one
 * event-loop turn and wakes the worker once through an eventfd in the worker's epoll set (see
 * native/src/batch_io.c, wake()).
 *
 * WHY not postMessage: under ng load a postMessage costs both threads ~25 µs of CPU on one core
 * (structured clone, MessagePort queues and locks, a MessageEvent per message in the worker), about
 * 13 % of the main thread at ~2000 calls/s (bench/RESULTS.md). Writing numbers into shared memory
 * and one eventfd write cost a few µs. Rare messages (dgram binds, shutdown) still use postMessage.
 *
 * Layout: Int32 control words [write position, read position] (in Float64 words, modulo 2^31) and
 * a power-of-two Float64 data area. A record never wraps: when it would not fit before the end, a
 * PAD word skips to the start. The producer publishes with Atomics.store after writing the record's
 * words, the consumer reads after Atomics.load, so a record is complete when it is seen.
 */
import { isIP } from 'node:net';
import { ipv4ToU32, parseIpv6 } from './addr.js';
import type { Adoption, ConfigFields, SlotConfig } from './messages.js';
import { CONFIG_FIELDS, readConfigFields, writeConfigFields } from './slot-config-codec.js';

const CMD_PAD = 0;
const CMD_ADOPT = 1;
const CMD_CONFIGURE = 2;
const CMD_CLOSE = 3;

/** Endpoint address kinds in a configure record. */
export const EP_NONE = 0;
export const EP_V4 = 4;
export const EP_V6 = 6;
/** Not an IP literal (a host name in SDP): never sent to. */
export const EP_OTHER = 1;

const ADOPT_WORDS = 4;
/** Type word, the config fields (slot-config-codec.ts), the endpoint kind and 4 address words. */
const CONFIGURE_WORDS = 1 + CONFIG_FIELDS + 5;
const W = 0; // control word: write position
const R = 1; // control word: read position

const DEFAULT_RING_WORDS = 1 << 15; // 256 KiB: thousands of commands between two wakes

function ringBytes(words: number): { ctl: number; data: number } {
  return { ctl: 8 * Int32Array.BYTES_PER_ELEMENT, data: words * Float64Array.BYTES_PER_ELEMENT };
}

export interface RingBuffers { ctl: SharedArrayBuffer; data: SharedArrayBuffer }

export function createRing(words = DEFAULT_RING_WORDS): RingBuffers {
  if (words < 64 || (words & (words - 1)) !== 0) throw new RangeError('ring size must be a power of two >= 64');
  const b = ringBytes(words);
  return { ctl: new SharedArrayBuffer(b.ctl), data: new SharedArrayBuffer(b.data) };
}

/** The main thread's end. Every write returns false when the ring is full (nothing written then). */
export class CommandWriter {
  private readonly ctl: Int32Array;
  private readonly d: Float64Array;
  private readonly mask: number;
  private readonly v6 = new Uint8Array(16);
  private readonly v6words = new DataView(this.v6.buffer);

  constructor(bufs: RingBuffers) {
    this.ctl = new Int32Array(bufs.ctl);
    this.d = new Float64Array(bufs.data);
    this.mask = this.d.length - 1;
  }

  /** Start of `n` contiguous free words (a PAD skips the tail when needed), or -1 when full. */
  private reserve(n: number): number {
    const size = this.d.length;
    let w = Atomics.load(this.ctl, W);
    const r = Atomics.load(this.ctl, R);
    const used = (w - r) | 0;
    let at = w & this.mask;
    const tail = size - at;
    const need = tail < n ? tail + n : n;
    if (used + need > size) return -1;
    if (tail < n) {
      this.d[at] = CMD_PAD;
      w = (w + tail) | 0;
      Atomics.store(this.ctl, W, w); // the consumer may skip the pad already
      at = 0;
    }
    return at;
  }

  private publish(n: number): void {
    Atomics.store(this.ctl, W, (Atomics.load(this.ctl, W) + n) | 0);
  }

  adopt(a: Adoption): boolean {
    const at = this.reserve(ADOPT_WORDS);
    if (at < 0) return false;
    const d = this.d;
    d[at] = CMD_ADOPT;
    d[at + 1] = a.slot;
    d[at + 2] = a.family;
    d[at + 3] = a.fd;
    this.publish(ADOPT_WORDS);
    return true;
  }

  configure(c: SlotConfig): boolean {
    const at = this.reserve(CONFIGURE_WORDS);
    if (at < 0) return false;
    const d = this.d;
    d[at] = CMD_CONFIGURE;
    writeConfigFields(c, d, at + 1);
    this.address(at + 1 + CONFIG_FIELDS, c.endpoint?.address ?? null);
    this.publish(CONFIGURE_WORDS);
    return true;
  }

  /** Kind word + 4 address words: IPv4 as one u32, IPv6 as four big-endian u32. */
  private address(at: number, ip: string | null): void {
    const d = this.d;
    d[at + 1] = d[at + 2] = d[at + 3] = d[at + 4] = 0;
    if (ip === null) { d[at] = EP_NONE; return; }
    const family = isIP(ip);
    if (family === 4) {
      d[at] = EP_V4;
      d[at + 1] = ipv4ToU32(ip);
      return;
    }
    if (family === 6 && parseIpv6(ip, this.v6, 0)) {
      d[at] = EP_V6;
      for (let i = 0; i < 4; i++) d[at + 1 + i] = this.v6words.getUint32(i * 4);
      return;
    }
    d[at] = EP_OTHER;
  }

  close(id: number, slots: readonly number[]): boolean {
    const n = 3 + slots.length;
    if (n > this.d.length / 2) throw new RangeError('close command larger than half the ring');
    const at = this.reserve(n);
    if (at < 0) return false;
    const d = this.d;
    d[at] = CMD_CLOSE;
    d[at + 1] = id;
    d[at + 2] = slots.length;
    for (let i = 0; i < slots.length; i++) d[at + 3 + i] = slots[i]!;
    this.publish(n);
    return true;
  }
}

/** What the worker does with each command (the configure fields come as a reused object). */
export interface CommandSink {
  adopt(slot: number, family: 4 | 6, fd: number): void;
  /** `epKind`: EP_NONE / EP_V4 (ep[0] = u32) / EP_V6 (ep[0..3] = big-endian words) / EP_OTHER. */
  configure(c: RingConfig): void;
  close(id: number, slots: Float64Array, from: number, count: number): void;
}

/** A configure record's fields (SlotConfig with the endpoint as numbers). */
export interface RingConfig extends ConfigFields {
  port: number;
  epKind: number;
  ep: [number, number, number, number];
}

/** The worker's end. */
export class CommandReader {
  private readonly ctl: Int32Array;
  private readonly d: Float64Array;
  private readonly mask: number;
  private readonly cfg: RingConfig = {
    slot: 0, sink: -1, rtcpSink: -1, port: 0, learning: 'delayed', asymmetric: false, strictSource: false,
    component: 1, clockRate: 8000, generateRtcp: false, rtcpSlot: -1, tos: -1, epKind: EP_NONE, ep: [0, 0, 0, 0],
  };

  constructor(bufs: RingBuffers) {
    this.ctl = new Int32Array(bufs.ctl);
    this.d = new Float64Array(bufs.data);
    this.mask = this.d.length - 1;
  }

  /**
   * Runs every published command in order; returns how many ran. A command whose sink throws is
   * still consumed (the read position moves on in `finally`), so one bad command cannot block the
   * ring and, with it, every later batch of packets; the exception reaches the caller.
   */
  drain(sink: CommandSink): number {
    const d = this.d;
    const w = Atomics.load(this.ctl, W);
    let r = Atomics.load(this.ctl, R);
    let ran = 0;
    while (r !== w) {
      const at = r & this.mask;
      const kind = d[at];
      const n = kind === CMD_PAD ? d.length - at : kind === CMD_ADOPT ? ADOPT_WORDS : kind === CMD_CONFIGURE ? CONFIGURE_WORDS
        : kind === CMD_CLOSE ? 3 + d[at + 2]! : -1;
      // Cannot happen with one writer of this module; stop rather than run garbage.
      if (n < 0) throw new Error(`command ring: bad record ${kind} at ${at}`);
      r = (r + n) | 0;
      try {
        if (kind !== CMD_PAD) {
          this.run(sink, kind!, at);
          ran++;
        }
      } finally {
        Atomics.store(this.ctl, R, r);
      }
    }
    return ran;
  }

  private run(sink: CommandSink, kind: number, at: number): void {
    const d = this.d;
    if (kind === CMD_ADOPT) {
      sink.adopt(d[at + 1]!, d[at + 2] === 6 ? 6 : 4, d[at + 3]!);
    } else if (kind === CMD_CONFIGURE) {
      const c = readConfigFields(d, at + 1, this.cfg);
      const a = at + 1 + CONFIG_FIELDS;
      c.epKind = d[a]!;
      for (let i = 0; i < 4; i++) c.ep[i] = d[a + 1 + i]!;
      sink.configure(c);
    } else {
      sink.close(d[at + 1]!, d, at + 3, d[at + 2]!);
    }
  }
}
