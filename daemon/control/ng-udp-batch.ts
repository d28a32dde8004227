/**
 * IPv4 ng UDP sockets on the batch I/O addon (daemon/media/native), in the main thread.
 *
 * Why not node:dgram here: at a few thousand ng requests per second dgram's per-datagram machinery
 * (an rinfo object with a formatted address string and one JS callback scope per received datagram;
 * argument checks, a lookup call and a send request object per reply) was ~15 % of the ng thread
 * (perf, `npm run bench:ng`). With the addon every ready datagram of every ng socket is read with
 * recvmmsg and handed to JS in one callback, and the replies that become ready in one microtask
 * checkpoint leave in one sendmmsg. Results in bench/RESULTS.md.
 *
 * The addon keeps one context per thread, so all ng sockets of the process share it (slots); it is
 * created with the first socket and lives as long as the process (its poll handle is unref'd).
 * Callbacks run in a node callback scope (init's `scoped`), so promise reactions run after each
 * batch as after any node I/O callback.
 */
import { errnoName, type BatchNative } from '../media/io.js';

/** A request: its own bytes (the receive area is reused), and the IPv4 source as u32 + port. */
export type NgBatchHandler = (msg: Buffer, addr: number, port: number) => void;

const SLOTS = 64;
const RCVBUF = 4 * 1024 * 1024;

/** One listening socket's owner: its requests, and the errno name of every reply the kernel refused. */
interface Listener {
  onMessage: NgBatchHandler;
  onSendError: (code: string) => void;
}

class Shared {
  private readonly buf: Buffer;
  private readonly rx: Int32Array;
  private readonly tx: Int32Array;
  private readonly txerr: Int32Array;
  private readonly rxFields: number;
  private readonly txFields: number;
  private readonly txMax: number;
  private readonly sendBase: number;
  private readonly sendEnd: number;
  readonly listeners: (Listener | null)[] = new Array<Listener | null>(SLOTS).fill(null);
  private txCount = 0;
  private txBytes = 0;
  private flushQueued = false;
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(readonly native: BatchNative) {
    const t = native.init(SLOTS, (n) => this.onBatch(n), -1, true);
    this.buf = Buffer.from(t.buf.buffer, t.buf.byteOffset, t.buf.byteLength);
    this.rx = t.rx;
    this.tx = t.tx;
    this.txerr = t.txerr;
    this.rxFields = t.rxFields;
    this.txFields = t.txFields;
    this.txMax = t.txMax;
    this.sendBase = t.sendBase;
    this.sendEnd = t.sendBase + t.sendBytes;
  }

  private onBatch(n: number): void {
    const rx = this.rx;
    for (let i = 0; i < n; i++) {
      const r = i * this.rxFields;
      const len = rx[r + 2]!;
      const listener = this.listeners[rx[r]!];
      // len < 0: a receive error (e.g. an ICMP error of an earlier reply), consumed as dgram does.
      // Only IPv4 sockets are adopted here, so rx[r + 4] is the IPv4 source.
      if (len < 0 || !listener) continue;
      const off = rx[r + 1]!;
      const msg = Buffer.allocUnsafe(len);
      this.buf.copy(msg, 0, off, off + len);
      listener.onMessage(msg, rx[r + 4]!, rx[r + 5]!);
    }
  }

  /** Queues a reply; everything queued in one microtask checkpoint goes out in one flush. */
  send(slot: number, data: Buffer, addr: number, port: number): boolean {
    if (data.length > this.sendEnd - this.sendBase) return false;
    if (this.txCount >= this.txMax || this.sendBase + this.txBytes + data.length > this.sendEnd) this.flush();
    const off = this.sendBase + this.txBytes;
    data.copy(this.buf, off);
    const t = this.txCount * this.txFields;
    this.tx[t] = slot;
    this.tx[t + 1] = off;
    this.tx[t + 2] = data.length;
    this.tx[t + 3] = 4;
    this.tx[t + 4] = addr;
    this.tx[t + 5] = port;
    this.txCount++;
    this.txBytes += data.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
    return true;
  }

  flush(): void {
    const n = this.txCount;
    if (n === 0) return;
    this.txCount = 0;
    this.txBytes = 0;
    if (this.native.flush(n) === 0) return;
    for (let i = 0; i < n; i++) {
      const e = this.txerr[i]!;
      if (e !== 0) this.listeners[this.tx[i * this.txFields]!]?.onSendError(errnoName(-e));
    }
  }
}

let shared: Shared | null = null;

export class NgBatchSocket {
  private closed = false;

  private constructor(private readonly s: Shared, private readonly slot: number) {}

  /**
   * Binds address:port (an IPv4 literal) and delivers its datagrams to `listener`. Throws node's
   * usual bind error (code EADDRINUSE, ..., syscall 'bind') when the port cannot be had, and other
   * errors when the addon cannot serve it (the caller then falls back to node:dgram).
   */
  static open(native: BatchNative, address: string, port: number, listener: Listener): NgBatchSocket {
    shared ??= new Shared(native);
    const s = shared;
    const slot = s.listeners.indexOf(null);
    if (slot < 0) throw new Error(`more than ${SLOTS} ng UDP listeners`);
    const fd = native.bindSocket(4, address, port);
    if (fd < 0) {
      const code = errnoName(fd);
      throw Object.assign(new Error(`bind ${code} ${address}:${port}`), { code, syscall: 'bind', address, port });
    }
    native.setRecvBuffer(fd, RCVBUF);
    const r = native.adopt(slot, 4, fd);
    if (r < 0) {
      native.closeFd(fd);
      throw new Error(`cannot watch the ng socket ${address}:${port}: ${errnoName(r)}`);
    }
    s.listeners[slot] = listener;
    return new NgBatchSocket(s, slot);
  }

  send(data: Buffer, addr: number, port: number): boolean {
    return !this.closed && this.s.send(this.slot, data, addr, port);
  }

  /** Sends the replies still queued, then closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.s.flush();
    this.s.listeners[this.slot] = null;
    this.s.native.close(this.slot);
  }
}
