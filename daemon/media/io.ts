/**
 * The media worker's UDP I/O backends. The pipeline (pipeline.ts) is the same for both; only how
 * datagrams come in and go out differs:
 *   - `dgram`: node:dgram, one 'message' event (Buffer + rinfo) and one send call per packet.
 *     Addresses are strings.
 *   - `batch`: the optional native addon in ./native (recvmmsg/sendmmsg, one JS call per batch of
 *     up to 64 datagrams, see native/src/batch_io.c for why). Addresses are numbers (see addr.ts).
 * RTPENGINE_TS_IO=dgram|batch selects one; the default is batch when the addon loads, else dgram.
 */
import * as dgram from 'node:dgram';
import { ipLiteralLookup } from '../net/ip-literal-lookup.js';
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import { createRequire } from 'node:module';
import type { BindRequest, BindResult } from './messages.js';
import { formatIpv6, ipv4ToU32, ipv6FromWords, ipv6WordsToBytes, parseIpv6, u32ToIpv4 } from './addr.js';

/** An address as the active backend keeps it: a string (dgram) or a number (batch). */
export type Addr = string | number;

export interface MediaIo {
  readonly kind: 'dgram' | 'batch';
  /** Opens and binds the slot's socket; `onPacket` runs for every datagram it receives. */
  bind(req: BindRequest): Promise<BindResult>;
  close(slot: number): void;
  /**
   * Sends buf[off, off+len) from the slot's socket. The bytes must stay as they are until flush():
   * the received packet itself (the batch's receive area, or the datagram's Buffer) and the output
   * area (out()) are kept by the backend; any other buffer is copied into the output area here.
   */
  send(slot: number, buf: Buffer, off: number, len: number, port: number, addr: Addr): void;
  /** The output area, for packets that do not fit where they were received (generated, grown). */
  readonly outBuf: Buffer;
  /**
   * Reserves `len` bytes of outBuf for one outgoing packet and returns their offset, -1 when `len`
   * is larger than the area. Valid until the next flush: reserve, write, send() it, then reserve the
   * next (a reservation may flush what was sent before it).
   */
  out(len: number): number;
  /** Sends everything queued. The batch callback flushes by itself; timer-driven senders call it. */
  flush(): void;
  /** Sets the TOS/traffic-class byte of the slot's packets; false where the backend cannot. */
  setTos(slot: number, tos: number): boolean;
  /** An SDP address in this backend's form; null if it is not an IP literal. */
  toAddr(ip: string): Addr | null;
  /** An address as the command ring carries it (IPv4 as one u32, IPv6 as four big-endian words). */
  fromV4(u32: number): Addr;
  fromV6Words(w: readonly number[]): Addr | null;
  addrString(a: Addr): string;
  shutdown(): void;
}

/** Called per datagram: the slot it arrived on, its bytes, its source. */
export type PacketHandler = (slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number) => void;
/** Called per failed send or receive, with the slot whose socket failed. */
export type ErrorHandler = (slot: number) => void;

interface SlotSocket extends dgram.Socket { slot: number }

/** SDP endpoints are checked in toAddr() and learned ones come from rinfo: only IP literals are sent to. */
export class DgramIo implements MediaIo {
  readonly kind = 'dgram';
  private readonly sockets: (SlotSocket | null)[];
  private readonly onMessage: (this: SlotSocket, pkt: Buffer, rinfo: dgram.RemoteInfo) => void;
  private readonly onError: (this: SlotSocket) => void;
  /** The datagram being processed: the only buffer sent without a copy. */
  private current: Buffer | null = null;

  constructor(slots: number, onPacket: PacketHandler, onError: ErrorHandler) {
    this.sockets = new Array<SlotSocket | null>(slots).fill(null);
    const io = this;
    this.onMessage = function (this: SlotSocket, pkt: Buffer, rinfo: dgram.RemoteInfo): void {
      io.current = pkt;
      onPacket(this.slot, pkt, 0, pkt.length, rinfo.address, rinfo.port);
    };
    /** Send errors (e.g. ICMP unreachable on loopback) are counted on the slot, never thrown. */
    this.onError = function (this: SlotSocket): void {
      onError(this.slot);
    };
  }

  bind(req: BindRequest): Promise<BindResult> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket({
        type: req.family === 6 ? 'udp6' : 'udp4',
        reuseAddr: false,
        lookup: ipLiteralLookup,
      }) as SlotSocket;
      sock.slot = req.slot;
      const fail = (err: NodeJS.ErrnoException): void => {
        sock.close();
        resolve({ slot: req.slot, ok: false, code: err.code ?? 'EBIND' });
      };
      sock.once('error', fail);
      sock.bind({ port: req.port, address: req.address, exclusive: true }, () => {
        sock.off('error', fail);
        sock.on('error', this.onError);
        sock.on('message', this.onMessage);
        this.sockets[req.slot] = sock;
        resolve({ slot: req.slot, ok: true });
      });
    });
  }

  close(slot: number): void {
    const sock = this.sockets[slot];
    if (!sock) return;
    this.sockets[slot] = null;
    sock.removeAllListeners('message');
    sock.close();
  }

  /** One packet's worth: node:dgram copies what it sends from here (see send()). */
  readonly outBuf = Buffer.allocUnsafe(65536);

  out(len: number): number {
    return len <= this.outBuf.length ? 0 : -1;
  }

  /** Sends at once: node:dgram has no batch. */
  flush(): void {}

  send(slot: number, buf: Buffer, off: number, len: number, port: number, addr: Addr): void {
    const sock = this.sockets[slot];
    if (!sock) return;
    // dgram may send after this returns (when the kernel queue is full): a datagram's own Buffer is
    // the packet's alone, anything else gets a copy.
    if (buf !== this.current) sock.send(Buffer.from(buf.subarray(off, off + len)), port, addr as string);
    else if (off === 0 && len === buf.length) sock.send(buf, port, addr as string);
    else sock.send(buf, off, len, port, addr as string);
  }

  toAddr(ip: string): Addr | null {
    return isIP(ip) !== 0 ? ip : null;
  }

  fromV4(u32: number): Addr {
    return u32ToIpv4(u32);
  }

  fromV6Words(w: readonly number[]): Addr | null {
    return ipv6FromWords(w);
  }

  addrString(a: Addr): string {
    return a as string;
  }

  /** node:dgram (Node 20) has no way to set IP_TOS on a socket. */
  setTos(): boolean {
    return false;
  }

  shutdown(): void {
    for (let i = 0; i < this.sockets.length; i++) this.close(i);
  }
}

/** The native addon's interface (daemon/media/native/src/batch_io.c). */
export interface BatchNative {
  /**
   * With a `wakeFd` >= 0 (from eventfd(), still owned by its creator), wake(wakeFd) from any thread
   * makes this one call onBatch(0) unless packets come anyway. With `scoped`, callbacks run in a node
   * callback scope (microtasks run after each).
   */
  init(slots: number, onBatch: (n: number) => void, wakeFd?: number, scoped?: boolean): {
    buf: Uint8Array; rx: Int32Array; tx: Int32Array; txerr: Int32Array; addr6: Uint8Array; rx6: Uint8Array;
    stats: Float64Array; batch: number; stride: number; rxFields: number; txFields: number; txMax: number;
    addr6Max: number; sendBase: number; sendBytes: number;
  };
  /** Any thread: a new eventfd for another thread's init(), or -errno. The caller closes it (closeFd). */
  eventfd(): number;
  wake(fd: number): number;
  open(slot: number, family: number, address: string, port: number): number;
  /** Any thread: a bound socket's fd, or -errno. */
  bindSocket(family: number, address: string, port: number): number;
  /** This thread's slot takes over a bindSocket() fd: 0 or -errno. */
  adopt(slot: number, family: number, fd: number): number;
  closeFd(fd: number): number;
  /** SO_RCVBUF of a bindSocket() fd: 0 or -errno. */
  setRecvBuffer(fd: number, bytes: number): number;
  setTos(slot: number, tos: number): number;
  close(slot: number): number;
  flush(n: number): number;
  stop(): number;
  /**
   * This thread's loop stops measuring its idle time (eventLoopUtilization() no longer means
   * anything in it), which saves one epoll_pwait per wake: 1, or -errno where libuv is not one the
   * addon knows. Optional: older builds of the addon lack it.
   */
  dropIdleMetrics?(): number;
}

/** Loads the addon: the package's build (dist/../daemon/media/native), else the source tree's when run from .ts. Null if neither loads. */
export function loadBatchNative(): { native: BatchNative | null; error: string } {
  const require = createRequire(import.meta.url);
  let error = '';
  for (const id of ['../../../daemon/media/native/index.cjs', './native/index.cjs']) {
    try {
      return { native: require(id) as BatchNative, error: '' };
    } catch (e) {
      // The first failure is the telling one (the installed package's, e.g. the .node not built).
      if (error === '') error = (e as Error).message.split('\n')[0]!;
    }
  }
  return { native: null, error };
}

/**
 * The addon, unless RTPENGINE_TS_IO=dgram asks for node:dgram (media workers and ng sockets alike);
 * `error` says why it did not load.
 */
export function wantedBatchNative(): { native: BatchNative | null; error: string } {
  if (process.env.RTPENGINE_TS_IO === 'dgram') return { native: null, error: '' };
  return loadBatchNative();
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

/** The addon's -errno results as node's error codes (EADDRINUSE, ...). */
export function errnoName(negErrno: number): string {
  return ERRNO_NAMES.get(-negErrno) ?? 'EBIND';
}

export class BatchIo implements MediaIo {
  readonly kind = 'batch';
  private readonly buf: Buffer;
  private readonly rx: Int32Array;
  private readonly tx: Int32Array;
  private readonly txerr: Int32Array;
  private readonly addr6: Uint8Array;
  /** The same tables as 32-bit words, to compare an address without a key string. */
  private readonly addr6Words: Int32Array;
  private readonly rx6Words: Int32Array;
  /** Per slot: the IPv6 id (+1, 0 = none) its last packet came from. */
  private readonly slotV6: Int32Array;
  private readonly rx6: Buffer;
  readonly stats: Float64Array;
  private readonly txMax: number;
  private readonly addr6Max: number;
  private readonly sendBase: number;
  private readonly sendBytes: number;
  private queued = 0;
  /** Bytes of the output area (outBuf from sendBase) reserved since the last flush. */
  private outUsed = 0;
  private readonly v6Scratch = new Uint8Array(16);
  /** IPv6 intern table: 16-byte key (latin1) → id; the address number is -(id + 1). */
  private readonly v6Ids = new Map<string, number>();

  /**
   * `eachV6` must pass every IPv6 address number the caller keeps (endpoints, SDP addresses) through
   * `visit` and store what it returns: when the intern table is full, ids still in use are renumbered
   * and the others freed. `v6Limit` (tests) caps the table below the addon's size. `onCommands`
   * (the command ring's drain) runs before every batch, and when another thread writes `wakeFd`
   * (an eventfd it owns) with no packet to bring it.
   */
  constructor(
    private readonly native: BatchNative, slots: number, onPacket: PacketHandler, private readonly onError: ErrorHandler,
    private readonly eachV6: (visit: (a: number) => number) => void = () => {}, v6Limit = Infinity,
    onException: (e: unknown) => void = () => {},
    onCommands: (() => void) | null = null, wakeFd = -1,
  ) {
    const rxFields = 6;
    const h = native.init(slots, (n: number): void => {
      const rx = this.rx;
      try {
        // Commands first: a packet the client sent after the command's ng reply must see its effect.
        if (onCommands !== null) onCommands();
        for (let i = 0; i < n; i++) {
          const b = i * rxFields;
          const slot = rx[b]!;
          const len = rx[b + 2]!;
          if (len < 0) { onError(slot); continue; } // receive error (e.g. ICMP refused), -errno
          const fam = rx[b + 3]!;
          let addr: number;
          if (fam === 4) addr = rx[b + 4]! >>> 0;
          else if (fam === 6) {
            addr = this.source6(slot, rx[b + 4]! * 4);
            if (addr === 0) { onError(slot); continue; }
          } else continue;
          onPacket(slot, this.buf, rx[b + 1]!, len, addr, rx[b + 5]!);
        }
      } catch (e) {
        // The rest of this batch is lost; the worker logs it (dgram would have crashed the worker).
        onException(e);
      } finally {
        this.flush();
      }
    }, onCommands === null ? -1 : wakeFd);
    if (h.rxFields !== rxFields || h.txFields !== 6) throw new Error('batch I/O addon: layout mismatch');
    this.buf = Buffer.from(h.buf.buffer, h.buf.byteOffset, h.buf.byteLength);
    this.rx = h.rx;
    this.tx = h.tx;
    this.txerr = h.txerr;
    this.addr6 = h.addr6;
    this.rx6 = Buffer.from(h.rx6.buffer, h.rx6.byteOffset, h.rx6.byteLength);
    this.addr6Words = new Int32Array(h.addr6.buffer, h.addr6.byteOffset, h.addr6.byteLength >> 2);
    this.rx6Words = new Int32Array(h.rx6.buffer, h.rx6.byteOffset, h.rx6.byteLength >> 2);
    this.slotV6 = new Int32Array(slots);
    this.stats = h.stats;
    this.txMax = h.txMax;
    this.addr6Max = Math.min(h.addr6Max, v6Limit);
    this.sendBase = h.sendBase;
    this.sendBytes = h.sendBytes;
  }

  /**
   * The address number of an IPv6 source (rx6 word `w`) received on `slot`. Allocation-free when it is
   * the slot's previous source (the usual case: one peer per stream); else interned (a key string).
   * Ids below the table size always hold their own bytes, also after reclaim6(), so a cached id is
   * checked against them rather than trusted.
   */
  private source6(slot: number, w: number): number {
    const id = this.slotV6[slot]! - 1;
    if (id >= 0 && id < this.v6Ids.size) {
      const a = this.addr6Words, r = this.rx6Words, t = id * 4;
      if (a[t] === r[w] && a[t + 1] === r[w + 1] && a[t + 2] === r[w + 2] && a[t + 3] === r[w + 3]) return -(id + 1);
    }
    const addr = this.intern6(this.rx6, w * 4);
    if (addr !== 0) this.slotV6[slot] = -addr;
    return addr;
  }

  /** Interns the 16 bytes at b[at]; returns -(id + 1), or 0 when the table is full of live addresses. */
  private intern6(b: Uint8Array, at: number): number {
    const key = Buffer.from(b.buffer, b.byteOffset + at, 16).toString('latin1');
    let id = this.v6Ids.get(key);
    if (id === undefined) {
      if (this.v6Ids.size >= this.addr6Max) this.reclaim6();
      if (this.v6Ids.size >= this.addr6Max) return 0;
      id = this.v6Ids.size;
      this.v6Ids.set(key, id);
      this.addr6.set(b.subarray(at, at + 16), id * 16);
    }
    return -(id + 1);
  }

  /** Renumbers the IPv6 ids still referenced (see eachV6) and frees the rest. */
  private reclaim6(): void {
    this.flush(); // queued sends hold ids
    const keys = [...this.v6Ids.keys()]; // index = old id
    const old = this.addr6.slice(0, keys.length * 16);
    this.v6Ids.clear();
    this.eachV6((a) => {
      if (a >= 0) return a;
      const oldId = -a - 1;
      const key = keys[oldId]!;
      let id = this.v6Ids.get(key);
      if (id === undefined) {
        id = this.v6Ids.size;
        this.v6Ids.set(key, id);
        this.addr6.set(old.subarray(oldId * 16, oldId * 16 + 16), id * 16);
      }
      return -(id + 1);
    });
  }

  bind(req: BindRequest): Promise<BindResult> {
    const r = this.native.open(req.slot, req.family === 6 ? 6 : 4, req.address, req.port);
    if (r === 0) return Promise.resolve({ slot: req.slot, ok: true });
    return Promise.resolve({ slot: req.slot, ok: false, code: errnoName(r) });
  }

  /** Takes over a socket the main thread bound (see worker-pool.ts); on failure the fd stays the caller's. */
  adopt(slot: number, family: 4 | 6, fd: number): BindResult {
    const r = this.native.adopt(slot, family, fd);
    return r === 0 ? { slot, ok: true } : { slot, ok: false, code: errnoName(r) };
  }

  /** Closes an fd no slot took over. */
  closeFd(fd: number): void {
    this.native.closeFd(fd);
  }

  close(slot: number): void {
    this.native.close(slot);
  }

  /** The receive area and, from sendBase, the output area: one buffer the addon sends from. */
  get outBuf(): Buffer {
    return this.buf;
  }

  out(len: number): number {
    if (len > this.sendBytes) return -1;
    if (this.outUsed + len > this.sendBytes) this.flush();
    const at = this.sendBase + this.outUsed;
    this.outUsed += len;
    return at;
  }

  send(slot: number, buf: Buffer, off: number, len: number, port: number, addr: Addr): void {
    if (buf !== this.buf) {
      // Not in the addon's buffer: copied into the output area (Buffer.copy allocates nothing).
      const at = this.out(len);
      if (at < 0) { this.onError(slot); return; }
      buf.copy(this.buf, at, off, off + len);
      off = at;
    }
    const a = addr as number;
    const t = this.tx;
    const b = this.queued * 6;
    t[b] = slot;
    t[b + 1] = off;
    t[b + 2] = len;
    if (a >= 0) { t[b + 3] = 4; t[b + 4] = a | 0; } else { t[b + 3] = 6; t[b + 4] = -a - 1; }
    t[b + 5] = port;
    if (++this.queued === this.txMax) this.flush();
  }

  /** Sends everything queued (one native call; sendmmsg per socket run) and frees the output area. */
  flush(): void {
    const n = this.queued;
    this.outUsed = 0;
    if (n === 0) return;
    this.queued = 0;
    const failed = this.native.flush(n);
    if (failed > 0) for (let i = 0; i < n; i++) if (this.txerr[i] !== 0) this.onError(this.tx[i * 6]!);
  }

  toAddr(ip: string): Addr | null {
    const fam = isIP(ip);
    if (fam === 4) return ipv4ToU32(ip);
    if (fam !== 6) return null;
    const tmp = new Uint8Array(16);
    if (!parseIpv6(ip, tmp, 0)) return null;
    const a = this.intern6(tmp, 0);
    return a === 0 ? null : a;
  }

  /** An IPv6 address given as four big-endian 32-bit words (command-ring.ts); null when the table is full. */
  fromV4(u32: number): Addr {
    return u32;
  }

  fromV6Words(w: readonly number[]): Addr | null {
    const a = this.intern6(ipv6WordsToBytes(w, this.v6Scratch), 0);
    return a === 0 ? null : a;
  }

  addrString(a: Addr): string {
    const n = a as number;
    if (n >= 0) return u32ToIpv4(n);
    return formatIpv6(this.addr6, (-n - 1) * 16);
  }

  setTos(slot: number, tos: number): boolean {
    return this.native.setTos(slot, tos) === 0;
  }

  shutdown(): void {
    this.flush();
    this.native.stop();
  }
}
