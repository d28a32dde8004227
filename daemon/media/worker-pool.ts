/**
 * Main-thread side of the media workers: spawns them, hands out stream slots, binds sockets and
 * tells the workers about them. All sockets of a call live on one worker, picked by least load.
 *
 * WHY the main thread binds: with the batch I/O backend a socket is a plain fd, and fds are
 * process-wide, so the main thread binds it synchronously while it handles the offer and the worker
 * only adopts it. An ng command then never waits for a worker: with a bind round trip per offer and
 * answer and a close round trip per media on delete, main<->worker messages took ~19 % of the main
 * thread and bounded the ng rate (bench/RESULTS.md). Commands for a batch worker go into a shared
 * ring with one eventfd wake per event-loop turn (command-ring.ts); a dgram worker gets them as one
 * message per turn. ng replies wait for that flush (see flushed()). Closing stays in the
 * worker (it may be in the middle of a batch on that socket); slots and ports come back when it
 * confirms through its W_CLOSED_UPTO counter (read by reap(), no message). With the node:dgram fallback the worker binds (dgram sockets belong to its loop).
 */
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import type {
  Adoption, BindRequest, BindResult, MainToWorker, MainToWorkerBatch, SlotConfig, WorkerInit, WorkerToMain,
} from './messages.js';
import { errnoName, wantedBatchNative, type BatchNative } from './io.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { ReportRing } from './report-ring.js';
import { encodeConfigs } from './slot-config-codec.js';
import { StreamTable, W_CLOSED_UPTO } from './stream-table.js';
import { CommandWriter, createRing } from './command-ring.js';

/** Minimum time between two wakes of a worker for ring commands (see MediaWorker.wakeSoon). */
const WAKE_MS = 1;

/**
 * Semi-space size (MB) of a media worker's young generation. The worker allocates ~50 bytes per
 * forwarded packet, so 1 MB semi-spaces mean a scavenge every ~0.2 s at 100k pps (~1 ms each)
 * instead of the 2-4 MB the main thread's --max-semi-space-size=4 would give it: ~2 MB less RSS.
 */
const WORKER_SEMI_SPACE_MB = 1;

/** How often finished closes are reaped when no allocation asks first. */
const REAP_MS = 50;

/** RTCP records a worker can queue between two drains (200 ms): plenty for 10k calls at 1 RTCP/5 s. */
const REPORT_RING_RECORDS = 16384;

export interface PoolEvents {
  learned(worker: number, slot: number, address: string, port: number, confirmed: boolean): void;
  log(level: 'warn' | 'info' | 'debug', msg: string): void;
  workerDied(worker: number, reason: string): void;
}

class MediaWorker {
  readonly thread: Worker;
  readonly table: StreamTable;
  readonly receiver: ReceiverStats;
  readonly reports: ReportRing;
  private readonly freeSlots: number[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (m: WorkerToMain) => void>();
  /** Close commands not yet carried out, in id order. */
  private readonly closing: { id: number; done: () => void }[] = [];
  private closingHead = 0;
  private nextCloseId = 1;
  /** Commands for the next postMessage (dgram workers, and shutdown). */
  private outbox: MainToWorker[] = [];
  private readonly ring: CommandWriter;
  /** Ring commands that did not fit (the worker is behind): written first at the next flush. */
  private readonly overflow: (() => boolean)[] = [];
  private wakePending = false;
  private lastWake = -Infinity;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** The addon in this thread (null if it does not load): it binds sockets and owns the wake eventfd. */
  private readonly native: BatchNative | null;
  /**
   * The eventfd that wakes this worker for the ring (command-ring.ts), created and closed here, never
   * by the worker: a worker that dies cannot leave its number to be reused while we still write to it.
   */
  private readonly wakeFd: number;
  /** Set once shutdown is sent: no more wakes or timers. */
  private stopped = false;
  readonly ready: Promise<void>;
  active = 0;
  /** Set when the worker runs batch I/O: then sockets are bound here (see the file comment). */
  binder: BatchNative | null = null;

  /** `queued`: a command was queued (the pool schedules the flush, and ng replies wait for it). */
  constructor(readonly index: number, slots: number, events: PoolEvents, private readonly queued: () => void) {
    this.table = StreamTable.create(slots);
    const receiverSab = new SharedArrayBuffer(ReceiverStats.bytes(slots));
    this.receiver = new ReceiverStats(slots, receiverSab, true, false);
    this.reports = ReportRing.create(REPORT_RING_RECORDS);
    for (let i = slots - 1; i >= 0; i--) this.freeSlots.push(i);
    const ring = createRing();
    this.ring = new CommandWriter(ring);
    this.native = wantedBatchNative().native;
    const fd = this.native?.eventfd() ?? -1;
    this.wakeFd = fd >= 0 ? fd : -1;
    const init: WorkerInit = { index, sab: this.table.sab, slots, receiverSab, reportSab: this.reports.sab, ring, wakeFd: this.wakeFd };
    // V8 flags are process-wide and override a Worker's resourceLimits, so node's
    // --max-semi-space-size (meant for the ng thread) would size this worker's heap too. V8 reads the
    // flag only when it creates an isolate: changing it now leaves the main isolate as it is.
    setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
    this.thread = new Worker(new URL('./media-worker.js', import.meta.url), { workerData: init, name: `media-${index}` });
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject);
      this.thread.on('message', (m: WorkerToMain) => {
        switch (m.type) {
          case 'ready':
            // A batch worker got a wakeFd (it refuses batch I/O without one) and this thread has the addon.
            if (m.io === 'batch') this.binder = this.native;
            resolve();
            break;
          case 'bound': {
            const done = this.pending.get(m.id);
            this.pending.delete(m.id);
            done?.(m);
            break;
          }

          case 'learned': events.learned(index, m.slot, m.address, m.port, m.confirmed); break;
          case 'log': events.log(m.level, m.msg); break;
        }
      });
    });
  }

  allocSlot(): number | undefined {
    const s = this.freeSlots.pop();
    if (s !== undefined) this.active++;
    return s;
  }

  freeSlot(slot: number): void {
    this.freeSlots.push(slot);
    this.active--;
  }

  /** Queues a command for the next message (see flush). */
  private send(m: MainToWorker): void {
    this.outbox.push(m);
    this.queued();
  }

  private get viaRing(): boolean {
    return this.binder !== null;
  }

  /** A ring command was written: the worker sees it before its next batch or at the next wake. */
  private written(): void {
    this.wakePending = true;
    this.queued();
  }

  /** A ring command did not fit (the worker is behind): it, and every later one, waits for the next flush. */
  private keep(retry: () => boolean): void {
    this.overflow.push(retry);
    this.queued();
  }

  /** Commands queued that the worker cannot see yet (ring overflow, or messages not posted). */
  holdsCommands(): boolean {
    return this.overflow.length > 0 || this.outbox.length > 0;
  }

  /** Sockets the main thread bound (batch workers only, see WorkerPool.bind). */
  adopt(sockets: Adoption[]): void {
    for (const a of sockets) {
      if (this.overflow.length === 0 && this.ring.adopt(a)) this.written();
      else this.keep(() => this.ring.adopt(a));
    }
  }

  configure(configs: SlotConfig[]): void {
    if (!this.viaRing) {
      this.send({ type: 'configure', configs: encodeConfigs(configs) });
      return;
    }
    for (const c of configs) {
      if (this.overflow.length === 0 && this.ring.configure(c)) this.written();
      else this.keep(() => this.ring.configure(c));
    }
  }

  /**
   * Wakes the worker for the ring's commands at most every WAKE_MS. Between wakes it reads them
   * before every batch of packets, so a packet can never overtake a command written before it was
   * sent; the wake matters only when no packets come (a new socket to adopt, an idle worker).
   */
  private wakeSoon(): void {
    if (this.wakeTimer !== null || this.stopped) return;
    const wait = this.lastWake + WAKE_MS - performance.now();
    if (wait <= 0) {
      this.wake();
      return;
    }
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wake();
    }, wait);
  }

  private wake(): void {
    if (this.stopped) return;
    this.wakePending = false;
    this.lastWake = performance.now();
    this.binder!.wake(this.wakeFd);
  }

  /** Sends what this turn queued: a wake (soon) for the ring's commands, one message for the others. */
  flush(): void {
    if (this.viaRing) {
      let i = 0;
      while (i < this.overflow.length && this.overflow[i]!()) i++;
      if (i > 0) {
        this.overflow.splice(0, i);
        this.wakePending = true;
      }
      if (this.wakePending) this.wakeSoon();
      if (this.overflow.length > 0) this.queued(); // the worker is behind: try again next turn
    }
    if (this.outbox.length === 0) return;
    const msgs = this.outbox;
    this.outbox = [];
    this.thread.postMessage({ type: 'batch', msgs } satisfies MainToWorkerBatch);
  }

  request(m: MainToWorker & { id: number }): Promise<WorkerToMain> {
    return new Promise((resolve) => {
      this.pending.set(m.id, resolve);
      this.send(m);
      this.flush();
    });
  }

  shutdown(): void {
    this.send({ type: 'shutdown' });
    this.flush();
    this.stopped = true;
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
  }

  /** After the thread is gone: the wake eventfd is ours to close. */
  closeWakeFd(): void {
    if (this.wakeFd >= 0) this.native!.closeFd(this.wakeFd);
  }

  /** Queues a close; `done` runs in reap() once the worker has closed the sockets. */
  close(slots: number[], done: () => void): void {
    const id = this.nextCloseId++;
    this.closing.push({ id, done });
    if (!this.viaRing) this.send({ type: 'close', id, slots });
    else if (this.overflow.length === 0 && this.ring.close(id, slots)) this.written();
    else this.keep(() => this.ring.close(id, slots));
  }

  get closesPending(): boolean {
    return this.closingHead < this.closing.length;
  }

  /** Sends everything queued and wakes the worker now (no WAKE_MS wait). */
  wakeNow(): void {
    this.flush();
    if (this.viaRing && this.wakeTimer !== null) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
    }
    if (this.viaRing) this.wake();
  }

  /** Runs `done` of every close the worker has carried out. */
  reap(): void {
    const upTo = this.table.workerCounter(W_CLOSED_UPTO);
    const q = this.closing;
    while (this.closingHead < q.length && q[this.closingHead]!.id <= upTo) q[this.closingHead++]!.done();
    if (this.closingHead > 1024 && this.closingHead * 2 > q.length) {
      q.splice(0, this.closingHead);
      this.closingHead = 0;
    }
  }

  newId(): number {
    return this.nextId++;
  }
}

export class WorkerPool {
  private readonly workers: MediaWorker[] = [];
  private closed = false;
  private reaper: NodeJS.Timeout | null = null;
  /** Settles when the queued commands have been posted (see flushed()). */
  private flushing: Promise<void> | null = null;

  constructor(count: number, slotsPerWorker: number, events: PoolEvents) {
    const queued = (): void => this.scheduleFlush();
    for (let i = 0; i < count; i++) this.workers.push(new MediaWorker(i, slotsPerWorker, events, queued));
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
    if (!this.closed) this.reaper = setInterval(() => this.reap(), REAP_MS).unref();
  }

  /** Gives back the slots and ports of closes the workers have carried out (also every REAP_MS). */
  reap(): void {
    for (const w of this.workers) w.reap();
  }

  get size(): number {
    return this.workers.length;
  }

  /** The worker with the fewest streams: a new call goes there. */
  pickWorker(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.active < this.workers[best]!.active) best = i;
    return best;
  }

  allocSlot(worker: number): number | undefined {
    return this.workers[worker]!.allocSlot();
  }

  freeSlot(worker: number, slot: number): void {
    this.workers[worker]!.freeSlot(slot);
  }

  table(worker: number): StreamTable {
    return this.workers[worker]!.table;
  }

  receiver(worker: number): ReceiverStats {
    return this.workers[worker]!.receiver;
  }

  /** Drains every worker's RTCP report ring. */
  drainReports(fn: (worker: number, base: number, rec: Float64Array) => void): void {
    for (const w of this.workers) w.reports.drain((base, rec) => fn(w.index, base, rec));
  }

  /**
   * Binds the sockets of `binds`: here and at once with batch I/O (the worker adopts them), else in
   * the worker (a promise). A slot's counters are zeroed before its bind result is known.
   */
  bind(worker: number, binds: BindRequest[]): BindResult[] | Promise<BindResult[]> {
    const w = this.workers[worker]!;
    for (const b of binds) {
      w.table.reset(b.slot);
      w.receiver.clear(b.slot);
    }
    const native = w.binder;
    if (native === null) {
      return w.request({ type: 'bind', id: w.newId(), binds }).then((reply) => (reply.type === 'bound' ? reply.results : []));
    }
    const results: BindResult[] = [];
    const sockets: Adoption[] = [];
    for (const b of binds) {
      const fd = native.bindSocket(b.family, b.address, b.port);
      if (fd >= 0) {
        sockets.push({ slot: b.slot, family: b.family, fd });
        results.push({ slot: b.slot, ok: true });
      } else {
        results.push({ slot: b.slot, ok: false, code: errnoName(fd) });
      }
    }
    if (sockets.length > 0) w.adopt(sockets);
    return results;
  }

  configure(worker: number, configs: SlotConfig[]): void {
    if (configs.length > 0) this.workers[worker]!.configure(configs);
  }

  /**
   * Closes the slots' sockets. Returns at once; once the worker has closed them the slots return to
   * the free list and `done` runs (the caller gives the ports back there).
   */
  closeSlots(worker: number, slots: number[], done: () => void = () => {}): void {
    if (slots.length === 0) {
      done();
      return;
    }
    const w = this.workers[worker]!;
    w.close(slots, () => {
      for (const s of slots) w.freeSlot(s);
      done();
    });
  }

  closesPending(): boolean {
    return this.workers.some((w) => w.closesPending);
  }

  /** Wakes the workers and waits (up to `timeoutMs`) until every close sent so far is done and reaped. */
  async settleCloses(timeoutMs = 200): Promise<void> {
    for (const w of this.workers) w.wakeNow();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.reap();
      if (!this.closesPending() || performance.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /**
   * One flush per event-loop turn (setImmediate); flushed() returns its promise meanwhile. While a
   * worker's ring stays too full for some command, the flush repeats every turn and the promise stays
   * pending, so no reply overtakes a command that is not in the ring yet.
   */
  private scheduleFlush(): void {
    if (this.flushing) return;
    let settle!: () => void;
    this.flushing = new Promise((resolve) => { settle = resolve; });
    const run = (): void => {
      for (const w of this.workers) w.flush();
      if (!this.closed && this.workers.some((w) => w.holdsCommands())) {
        setImmediate(run);
        return;
      }
      this.flushing = null;
      settle();
    };
    setImmediate(run);
  }

  /**
   * Null when the workers can already see every command queued so far, else a promise that
   * settles at the end of this event-loop turn, once the queued commands are sent. An ng reply of a
   * command waits for it, so it never overtakes what its command told the workers.
   *
   * Ring commands are visible at once: a worker reads its ring before every batch of packets, so a
   * packet can never meet an older configuration, and a socket not yet adopted only holds its first
   * packets in the kernel until the wake (at most WAKE_MS). Only commands that did not fit the ring,
   * or went by postMessage (node:dgram workers), make a reply wait: waiting for the turn's end
   * otherwise cost one more event-loop turn per request (bench:ng-path).
   */
  flushed(): Promise<void> | null {
    for (const w of this.workers) if (w.holdsCommands()) return this.flushing;
    return null;
  }

  /** Sum of a worker-wide counter over all workers. */
  workerCounter(field: number): number {
    let sum = 0;
    for (const w of this.workers) sum += w.table.workerCounter(field);
    return sum;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    await Promise.all(this.workers.map(async (w) => {
      w.shutdown();
      await w.thread.terminate();
      w.closeWakeFd();
    }));
  }
}
