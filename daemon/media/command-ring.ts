/**
 * The main thread's commands to a media worker, as records of one record ring (record-ring.ts): the
 * only main → worker channel, for both I/O backends. Batch workers are woken by an eventfd in their
 * epoll set (native/src/batch_io.c, wake()) and read the ring before every batch of packets; node:dgram
 * workers wait on the ring's wake word with Atomics.waitAsync and read it before every packet. Either
 * way a packet the client sent after a command's ng reply meets that command's effect.
 *
 * WHY not postMessage: under ng load a postMessage costs both threads ~25 µs of CPU on one core
 * (structured clone, MessagePort queues and locks, a MessageEvent per message in the worker), about
 * 13 % of the main thread at ~2000 calls/s (bench/RESULTS.md). Writing numbers into shared memory
 * and one wake cost a few µs. Worker → main notices (bind results, learned endpoints, logs) are rare
 * and stay messages.
 */
import { isIP } from 'node:net';
import { ipv4ToU32, parseIpv6 } from './addr.js';
import type { Adoption, BindRequest, ConfigFields, SlotConfig, SlotSrtp, SrtpParams } from './messages.js';
import { bytesWords, createRing as createRecordRing, RingReader, RingWriter, type RingBuffers } from './record-ring.js';
import { CONFIG_FIELDS, readConfigFields, writeConfigFields } from './slot-config-codec.js';
import { readSrtpParams, srtpParamsWords, writeSrtpParams } from './srtp-params-codec.js';
import type { DirectionConfig } from '../../transcode/types.js';

export type { RingBuffers } from './record-ring.js';

const CMD_ADOPT = 1;
const CMD_CONFIGURE = 2;
const CMD_CLOSE = 3;
const CMD_BIND = 4;
const CMD_SHUTDOWN = 5;
/** Test hook (RTPENGINE_TS_TEST_HOOKS=1): the worker dies of an uncaught exception. */
const CMD_CRASH = 6;
/** A slot's SRTP keys (SlotSrtp; rx and tx null = plain again). */
const CMD_SRTP = 7;
/** Send these bytes out of a slot's socket to an address (DTLS records made in the main thread). */
const CMD_SEND = 8;
/** A slot's transcoding (DirectionConfig as JSON; empty = none). Once per signalling change. */
const CMD_TRANSCODE = 9;

/** Endpoint address kinds in a configure record. */
export const EP_NONE = 0;
export const EP_V4 = 4;
export const EP_V6 = 6;
/** Not an IP literal (a host name in SDP): never sent to. */
export const EP_OTHER = 1;

/** The config fields (slot-config-codec.ts), the endpoint kind and 4 address words. */
const CONFIGURE_WORDS = CONFIG_FIELDS + 5;

const DEFAULT_RING_WORDS = 1 << 15; // 256 KiB: thousands of commands between two wakes

export function createRing(words = DEFAULT_RING_WORDS): RingBuffers {
  return createRecordRing(words);
}

/** The main thread's end. Every write returns false when the ring is full (nothing written then). */
export class CommandWriter {
  private readonly ring: RingWriter;
  private readonly v6 = new Uint8Array(16);
  private readonly v6words = new DataView(this.v6.buffer);
  private readonly fields = new Float64Array(CONFIG_FIELDS);

  constructor(bufs: RingBuffers) {
    this.ring = new RingWriter(bufs);
  }

  /** A batch worker takes over a socket the main thread bound. */
  adopt(a: Adoption): boolean {
    const w = this.ring;
    if (!w.begin(CMD_ADOPT, 3)) return false;
    w.num(a.slot); w.num(a.family); w.num(a.fd);
    w.end();
    return true;
  }

  /** A node:dgram worker binds sockets itself (they belong to its event loop) and replies 'bound'. */
  bind(id: number, binds: readonly BindRequest[]): boolean {
    const w = this.ring;
    const addrs = binds.map((b) => Buffer.from(b.address, 'latin1'));
    let words = 2;
    for (const a of addrs) words += 3 + bytesWords(a.length);
    if (!w.begin(CMD_BIND, words)) return false;
    w.num(id);
    w.num(binds.length);
    for (let i = 0; i < binds.length; i++) {
      const b = binds[i]!;
      w.num(b.slot); w.num(b.family); w.num(b.port);
      w.bytes(addrs[i]!);
    }
    w.end();
    return true;
  }

  configure(c: SlotConfig): boolean {
    const w = this.ring;
    if (!w.begin(CMD_CONFIGURE, CONFIGURE_WORDS)) return false;
    const fields = this.fields;
    writeConfigFields(c, fields, 0);
    for (let i = 0; i < CONFIG_FIELDS; i++) w.num(fields[i]!);
    this.address(c.endpoint?.address ?? null);
    w.end();
    return true;
  }

  /** Kind word + 4 address words: IPv4 as one u32, IPv6 as four big-endian u32. */
  private address(ip: string | null): void {
    const w = this.ring;
    const family = ip === null ? 0 : isIP(ip);
    if (family === 4) {
      w.num(EP_V4); w.num(ipv4ToU32(ip!)); w.num(0); w.num(0); w.num(0);
    } else if (family === 6 && parseIpv6(ip!, this.v6, 0)) {
      w.num(EP_V6);
      for (let i = 0; i < 4; i++) w.num(this.v6words.getUint32(i * 4));
    } else {
      w.num(ip === null ? EP_NONE : EP_OTHER); w.num(0); w.num(0); w.num(0); w.num(0);
    }
  }

  /** The slot's SRTP keying, both directions (null: plain both ways). */
  srtp(slot: number, s: SlotSrtp | null): boolean {
    const w = this.ring;
    const rx = s?.rx ?? null;
    const tx = s?.tx ?? null;
    if (!w.begin(CMD_SRTP, 1 + srtpParamsWords(rx) + srtpParamsWords(tx))) return false;
    w.num(slot);
    writeSrtpParams(w, rx);
    writeSrtpParams(w, tx);
    w.end();
    return true;
  }

  /**
   * The slot's transcoding config (null: relay unchanged). JSON: it is a handful of codecs, sent only
   * when it changes (WorkerPool), never per packet.
   */
  transcode(slot: number, cfg: DirectionConfig | null): boolean {
    const w = this.ring;
    const data = Buffer.from(cfg === null ? '' : JSON.stringify(cfg), 'utf8');
    const words = 1 + bytesWords(data.length);
    if (words > w.maxPayload) throw new RangeError('transcode command larger than half the ring');
    if (!w.begin(CMD_TRANSCODE, words)) return false;
    w.num(slot);
    w.bytes(data);
    w.end();
    return true;
  }

  close(id: number, slots: readonly number[]): boolean {
    const w = this.ring;
    if (2 + slots.length > w.maxPayload) throw new RangeError('close command larger than half the ring');
    if (!w.begin(CMD_CLOSE, 2 + slots.length)) return false;
    w.num(id);
    w.num(slots.length);
    for (let i = 0; i < slots.length; i++) w.num(slots[i]!);
    w.end();
    return true;
  }

  /**
   * Sends `data` unchanged out of `slot`'s socket to address:port (DTLS records the main thread
   * made; never SRTP-protected). The address travels as text: these are a handshake's few datagrams.
   */
  send(slot: number, address: string, port: number, data: Uint8Array): boolean {
    const w = this.ring;
    const addr = Buffer.from(address, 'latin1');
    const words = 2 + bytesWords(addr.length) + bytesWords(data.length);
    if (words > w.maxPayload) throw new RangeError('send command larger than half the ring');
    if (!w.begin(CMD_SEND, words)) return false;
    w.num(slot);
    w.num(port);
    w.bytes(addr);
    w.bytes(data);
    w.end();
    return true;
  }

  shutdown(): boolean {
    if (!this.ring.begin(CMD_SHUTDOWN, 0)) return false;
    this.ring.end();
    return true;
  }

  crash(): boolean {
    if (!this.ring.begin(CMD_CRASH, 0)) return false;
    this.ring.end();
    return true;
  }

  /** Wakes a worker that waits on the ring's wake word (node:dgram workers). */
  notify(): void {
    this.ring.notify();
  }
}

/** What the worker does with each command (the configure fields come as a reused object). */
export interface CommandSink {
  adopt(slot: number, family: 4 | 6, fd: number): void;
  bind(id: number, binds: BindRequest[]): void;
  /** `epKind`: EP_NONE / EP_V4 (ep[0] = u32) / EP_V6 (ep[0..3] = big-endian words) / EP_OTHER. */
  configure(c: RingConfig): void;
  close(id: number, slots: Float64Array, from: number, count: number): void;
  /** The slot's SRTP keys: `rx` unprotects what its participant sends, `tx` protects what we send it. */
  srtp(slot: number, rx: SrtpParams | null, tx: SrtpParams | null): void;
  shutdown(): void;
  crash(): void;
  /** CMD_SEND: `data` out of `slot`'s socket to address:port, as it is. */
  send(slot: number, address: string, port: number, data: Buffer): void;
  /** CMD_TRANSCODE: the slot's transcoding from now on (null: none). */
  transcode(slot: number, cfg: DirectionConfig | null): void;
}

/** A configure record's fields (SlotConfig with the endpoint as numbers). */
export interface RingConfig extends ConfigFields {
  port: number;
  epKind: number;
  ep: [number, number, number, number];
}

/** The worker's end (the main thread also drains it once a worker died, to close unadopted fds). */
export class CommandReader {
  private readonly ring: RingReader;
  private sink: CommandSink | null = null;
  private readonly runRecord = (kind: number, r: RingReader): void => this.run(kind, r);
  private readonly cfg: RingConfig = {
    slot: 0, sink: -1, rtcpSink: -1, port: 0, learning: 'delayed', asymmetric: false, strictSource: false,
    component: 1, clockRate: 8000, generateRtcp: false, rtcpSlot: -1, tos: -1, dtls: false, ice: false, epKind: EP_NONE, ep: [0, 0, 0, 0],
  };

  constructor(bufs: RingBuffers) {
    this.ring = new RingReader(bufs);
  }

  get ctl(): Int32Array {
    return this.ring.ctl;
  }

  pending(): boolean {
    return this.ring.pending();
  }

  /** Runs every published command in order; returns how many ran (see RingReader.drain). */
  drain(sink: CommandSink): number {
    this.sink = sink;
    return this.ring.drain(this.runRecord);
  }

  private run(kind: number, r: RingReader): void {
    const sink = this.sink!;
    switch (kind) {
      case CMD_ADOPT: {
        const slot = r.num();
        const family = r.num() === 6 ? 6 : 4;
        sink.adopt(slot, family, r.num());
        break;
      }
      case CMD_CONFIGURE: {
        const c = readConfigFields(r.data, r.position, this.cfg);
        r.skip(CONFIG_FIELDS);
        c.epKind = r.num();
        for (let i = 0; i < 4; i++) c.ep[i] = r.num();
        sink.configure(c);
        break;
      }
      case CMD_CLOSE: {
        const id = r.num();
        const count = r.num();
        sink.close(id, r.data, r.position, count);
        break;
      }
      case CMD_BIND: {
        const id = r.num();
        const n = r.num();
        const binds: BindRequest[] = [];
        for (let i = 0; i < n; i++) {
          const slot = r.num();
          const family = r.num() === 6 ? 6 : 4;
          const port = r.num();
          binds.push({ slot, family, port, address: r.bytes().toString('latin1') });
        }
        sink.bind(id, binds);
        break;
      }
      case CMD_SEND: {
        const slot = r.num();
        const port = r.num();
        const address = r.bytes().toString('latin1');
        sink.send(slot, address, port, r.bytes());
        break;
      }
      case CMD_SRTP: {
        const slot = r.num();
        const rx = readSrtpParams(r);
        sink.srtp(slot, rx, readSrtpParams(r));
        break;
      }
      case CMD_TRANSCODE: {
        const slot = r.num();
        const text = r.bytes().toString('utf8');
        sink.transcode(slot, text === '' ? null : JSON.parse(text) as DirectionConfig);
        break;
      }
      case CMD_SHUTDOWN: sink.shutdown(); break;
      case CMD_CRASH: sink.crash(); break;
      default: break; // a record of a later kind: skipped whole
    }
  }
}
