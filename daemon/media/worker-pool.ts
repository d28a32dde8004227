/**
 * Main-thread side of the media workers: spawns them, hands out stream slots, binds sockets and
 * tells the workers about them. All sockets of a call live on one worker, picked by least load.
 *
 * WHY the main thread binds: with the batch I/O backend a socket is a plain fd, and fds are
 * process-wide, so the main thread binds it synchronously while it handles the offer and the worker
 * only adopts it. An ng command then never waits for a worker: with a bind round trip per offer and
 * answer and a close round trip per media on delete, main<->worker messages took ~19 % of the main
 * thread and bounded the ng rate (bench/RESULTS.md). With the node:dgram fallback the worker binds
 * (dgram sockets belong to its loop) and replies with a message.
 *
 * Every command goes into the worker's command ring (command-ring.ts), whichever the backend, with
 * one wake per event-loop turn; an ng reply waits only for commands that did not fit (flushed()).
 * Closing stays in the worker (it may be in the middle of a batch on that socket); slots and ports
 * come back when it confirms through its W_CLOSED_UPTO counter (read by reap(), no message).
 *
 * A worker that dies (an uncaught exception, or its thread ends) is noticed at its 'exit' event, once
 * the thread, and with it every socket it owned, is gone: its pending binds fail, its pending closes
 * complete, the fds it never adopted are closed, `workerDied` tells the call layer (which deletes the
 * calls placed on it), and a fresh worker with a new index takes its place. Indices are never reused,
 * so nothing the call layer still holds can point into the new worker.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import {
  WORKER_DIED, type Adoption, type BindRequest, type BindResult, type SlotConfig, type SlotSrtp, type WorkerInit, type WorkerToMain,
} from './messages.js';
import { sameSrtpParams } from './srtp-factory.js';
import { copySrtpParams } from './srtp-params-codec.js';
import { errnoName, wantedBatchNative, type BatchNative } from './io.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { ReportRing } from './report-ring.js';
import { StreamTable, W_ACTIVE_SLOTS, W_CLOSED_UPTO } from './stream-table.js';
import { ChainTotals, type ChainCounts, type WorkerChains } from './transcode-counters.js';
import { CommandReader, CommandWriter, createRing, type CommandSink } from './command-ring.js';
import { createDtlsChannel, DtlsChannelReader, REC_STUN } from './dtls-channel.js';

/** Minimum time between two wakes of a worker for ring commands (see MediaWorker.wakeSoon). */
const WAKE_MS = 1;

/**
 * Semi-space size (MB) of a media worker's young generation. The worker allocates ~50 bytes per
 * forwarded packet, so 1 MB semi-spaces mean a scavenge every ~0.2 s at 100k pps (~1 ms each)
 * instead of the 2-4 MB the main thread's --max-semi-space-size=4 would give it: ~2 MB less RSS.
 */
const WORKER_SEMI_SPACE_MB = 1;

/** How often finished closes are reaped, while some are pending, when no allocation asks first. */
const REAP_MS = 50;

/** RTCP records a worker can queue between two drains (200 ms): plenty for 10k calls at 1 RTCP/5 s. */
const REPORT_RING_RECORDS = 16384;

/** A replacement that dies within this long of its start is respawned only after it (no busy loop). */
const RESPAWN_BACKOFF_MS = 1000;

export interface PoolEvents {
  learned(worker: number, slot: number, address: string, port: number, confirmed: boolean): void;
  log(level: 'error' | 'warn' | 'info' | 'debug', msg: string): void;
  /** A worker died after start-up: delete the calls placed on it (its sockets are gone). */
  workerDied(worker: number, reason: string): void;
  /**
   * A DTLS datagram arrived on a slot with SlotConfig.dtls (dtls-channel.ts): `data` is its own
   * copy. Without this handler such datagrams are read and dropped.
   */
  dtls?(worker: number, slot: number, data: Buffer, address: string, port: number): void;
  /** A STUN message arrived on a slot with SlotConfig.ice (same channel as DTLS). */
  stun?(worker: number, slot: number, data: Buffer, address: string, port: number): void;
}

type WorkerState = 'starting' | 'ready' | 'dead' | 'stopped';

class MediaWorker {
  readonly thread: Worker;
  readonly table: StreamTable;
  readonly receiver: ReceiverStats;
  readonly reports: ReportRing;
  /** DTLS datagrams from the worker (drained here when it wakes us). */
  readonly dtls: DtlsChannelReader;
  private readonly freeSlots: number[] = [];
  private nextId = 1;
  /** Binds sent to a node:dgram worker, by request id. */
  private readonly pending = new Map<number, { binds: BindRequest[]; done: (r: BindResult[]) => void }>();
  /** Close commands not yet carried out, in id order. */
  private readonly closing: { id: number; done: () => void }[] = [];
  private closingHead = 0;
  private nextCloseId = 1;
  private readonly ringBufs: ReturnType<typeof createRing>;
  private readonly ring: CommandWriter;
  /**
   * Per slot: the SRTP keys last sent to the worker (copies), so a configure re-sends them only when
   * they change and the worker's contexts (ROC, replay state) survive re-INVITEs that keep them.
   */
  private readonly sentSrtp: (SlotSrtp | null)[];
  /** Per slot: the transcoding config last sent to the worker (JSON), so it is re-sent only when it changed. */
  private readonly sentTranscode: (string | null)[];
  /** Each slot's transcoding chains, for the per-chain counters (transcode-counters.ts); set by the pool. */
  chains: WorkerChains | null = null;
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
  private wakeFd: number;
  state: WorkerState = 'starting';
  readonly startedMs = performance.now();
  /** Why it died ('error' event, else the exit code). */
  private deathReason = '';
  /** Settles when the worker is ready; rejects if it dies first. */
  readonly ready: Promise<void>;
  active = 0;
  /** Set when the worker runs batch I/O: then sockets are bound here (see the file comment). */
  binder: BatchNative | null = null;

  /**
   * `queued`: a command was queued (the pool schedules the flush, and ng replies wait for it).
   * `died`: the thread ended while not being shut down.
   */
  constructor(
    readonly index: number, slots: number, events: PoolEvents, private readonly queued: () => void,
    died: (w: MediaWorker, reason: string) => void, testHooks: boolean, instanceId: string,
  ) {
    this.table = StreamTable.create(slots);
    const receiverSab = new SharedArrayBuffer(ReceiverStats.bytes(slots));
    this.receiver = new ReceiverStats(slots, receiverSab, true, false);
    this.reports = ReportRing.create(REPORT_RING_RECORDS);
    for (let i = slots - 1; i >= 0; i--) this.freeSlots.push(i);
    this.sentSrtp = new Array<SlotSrtp | null>(slots).fill(null);
    this.sentTranscode = new Array<string | null>(slots).fill(null);
    this.ringBufs = createRing();
    this.ring = new CommandWriter(this.ringBufs);
    const dtlsBufs = createDtlsChannel();
    this.dtls = new DtlsChannelReader(dtlsBufs);
    this.dtls.start(
      (slot, data, address, port, kind) => (kind === REC_STUN ? events.stun : events.dtls)?.(index, slot, data, address, port),
      (e) => events.log('warn', `DTLS record of media worker ${index} failed: ${(e as Error)?.stack ?? String(e)}`),
    );
    this.native = wantedBatchNative().native;
    const fd = this.native?.eventfd() ?? -1;
    this.wakeFd = fd >= 0 ? fd : -1;
    const init: WorkerInit = {
      index, sab: this.table.sab, slots, receiverSab, reportSab: this.reports.sab, ring: this.ringBufs, wakeFd: this.wakeFd, testHooks,
      instanceId, dtls: dtlsBufs,
    };
    // V8 flags are process-wide and override a Worker's resourceLimits, so node's
    // --max-semi-space-size (meant for the ng thread) would size this worker's heap too. V8 reads the
    // flag only when it creates an isolate: changing it now leaves the main isolate as it is.
    setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
    this.thread = new Worker(new URL('./media-worker.js', import.meta.url), { workerData: init, name: `media-${index}` });
    let readyDone!: () => void;
    let readyFailed!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => { readyDone = resolve; readyFailed = reject; });
    this.ready.catch(() => {}); // also observed by start() and bind(); never an unhandled rejection
    this.thread.on('message', (m: WorkerToMain) => {
      switch (m.type) {
        case 'ready':
          // A batch worker got a wakeFd (it refuses batch I/O without one) and this thread has the addon.
          if (m.io === 'batch') this.binder = this.native;
          if (this.state === 'starting') this.state = 'ready';
          readyDone();
          break;
        case 'bound': {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          p?.done(m.results);
          break;
        }
        case 'learned': events.learned(index, m.slot, m.address, m.port, m.confirmed); break;
        case 'log': events.log(m.level, m.msg); break;
      }
    });
    // 'error' (an uncaught exception) comes before 'exit'; only 'exit' means the thread and every
    // socket it owned are gone, so a port given back now cannot still be bound by it.
    this.thread.on('error', (e) => {
      this.deathReason ||= `uncaught exception: ${e.message}`;
      readyFailed(e);
    });
    this.thread.on('exit', (code) => {
      this.deathReason ||= `exit code ${code}`;
      readyFailed(new Error(`media worker ${index} ended: ${this.deathReason}`));
      if (this.state === 'stopped') return;
      this.state = 'dead';
      died(this, this.deathReason);
    });
  }

  get alive(): boolean {
    return this.state === 'starting' || this.state === 'ready';
  }

  allocSlot(): number | undefined {
    if (!this.alive) return undefined;
    const s = this.freeSlots.pop();
    if (s !== undefined) this.active++;
    return s;
  }

  freeSlot(slot: number): void {
    this.freeSlots.push(slot);
    this.active--;
  }

  /** A ring command was written: the worker sees it before its next packet or at the next wake. */
  private written(): void {
    this.wakePending = true;
    this.queued();
  }

  /** Writes a command, or keeps it (and every later one) for the next flush when the ring is full. */
  private command(write: () => boolean): void {
    if (!this.alive) return;
    if (this.overflow.length === 0 && write()) this.written();
    else {
      this.overflow.push(write);
      this.queued();
    }
  }

  /** Commands queued that the worker cannot see yet (ring overflow). */
  holdsCommands(): boolean {
    return this.overflow.length > 0;
  }

  /** Sockets the main thread bound (batch workers only, see WorkerPool.bind). */
  adopt(sockets: Adoption[]): void {
    for (const a of sockets) this.command(() => this.ring.adopt(a));
  }

  /** node:dgram workers bind in their own thread; settles with the results (or WORKER_DIED). */
  bindRemote(binds: BindRequest[]): Promise<BindResult[]> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { binds, done: resolve });
      this.command(() => this.ring.bind(id, binds));
    });
  }

  /** Each slot's SRTP keys (when they changed) first, then its configuration. */
  configure(configs: SlotConfig[]): void {
    // Every slot's keys before any slot's forwarding: the worker may run a prefix of these records
    // (it drains whatever is published when it wakes), and a sink must never become visible before
    // the keys of the slot it sends out of — a packet would leave that slot in clear.
    for (const c of configs) {
      const srtp = this.srtpChange(c);
      if (srtp !== undefined) this.command(() => this.ring.srtp(c.slot, srtp));
    }
    // A transcoder before the configure that may point the slot's forwarding at a sink: a packet
    // never meets a sink that expects transcoded media while the slot still relays unchanged.
    for (const c of configs) {
      if (c.component !== 1) continue;
      const json = c.transcode ? JSON.stringify(c.transcode) : null;
      if (json === (this.sentTranscode[c.slot] ?? null)) continue;
      this.sentTranscode[c.slot] = json;
      const cfg = c.transcode ?? null;
      this.chains?.set(c.slot, cfg);
      this.command(() => this.ring.transcode(c.slot, cfg));
    }
    for (const c of configs) this.command(() => this.ring.configure(c));
  }

  /** The keys to send for `c.slot` (null: back to plain), or undefined when the worker has them. */
  private srtpChange(c: SlotConfig): SlotSrtp | null | undefined {
    const had = this.sentSrtp[c.slot] ?? null;
    const rx = c.srtp?.rx ?? null;
    const tx = c.srtp?.tx ?? null;
    if (sameSrtpParams(had?.rx ?? null, rx) && sameSrtpParams(had?.tx ?? null, tx)) return undefined;
    const next = rx === null && tx === null ? null : { rx: copySrtpParams(rx), tx: copySrtpParams(tx) };
    this.sentSrtp[c.slot] = next;
    return next;
  }

  /** `data` out of the slot's socket to address:port, unchanged (DTLS; command-ring.ts CMD_SEND). */
  send(slot: number, address: string, port: number, data: Uint8Array): void {
    this.command(() => this.ring.send(slot, address, port, data));
    // WHY not the usual wake at the end of the turn: the main thread may be busy with other
    // handshakes for a long turn, and a DTLS flight held back that long crosses its own
    // retransmission on the wire. One wake after the flight's datagrams (a microtask) suffices.
    if (!this.sendWakeQueued) {
      this.sendWakeQueued = true;
      queueMicrotask(this.wakeAfterSend);
    }
  }

  private sendWakeQueued = false;
  private readonly wakeAfterSend = (): void => {
    this.sendWakeQueued = false;
    this.wakeNow();
  };

  /** Test hook: the worker throws an uncaught exception (ignored unless it runs with test hooks). */
  crash(): void {
    this.command(() => this.ring.crash());
    this.wakeNow();
  }

  /**
   * Wakes the worker for the ring's commands at most every WAKE_MS. Between wakes it reads them
   * before every batch of packets, so a packet can never overtake a command written before it was
   * sent; the wake matters only when no packets come (a new socket to adopt, an idle worker).
   */
  private wakeSoon(): void {
    if (this.wakeTimer !== null || !this.alive) return;
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

  /** A batch worker waits in epoll (the eventfd), a node:dgram worker on the ring's wake word. */
  private wake(): void {
    if (!this.alive) return;
    this.wakePending = false;
    this.lastWake = performance.now();
    if (this.binder !== null) this.binder.wake(this.wakeFd);
    else {
      this.ring.notify();
      // Not known yet which backend a starting worker picks: the eventfd costs nothing if unused.
      if (this.state === 'starting' && this.wakeFd >= 0) this.native!.wake(this.wakeFd);
    }
  }

  /** Writes what did not fit earlier and wakes the worker (soon) for this turn's commands. */
  flush(): void {
    let i = 0;
    while (i < this.overflow.length && this.overflow[i]!()) i++;
    if (i > 0) {
      this.overflow.splice(0, i);
      this.wakePending = true;
    }
    if (this.wakePending) this.wakeSoon();
    if (this.overflow.length > 0) this.queued(); // the worker is behind: try again next turn
  }

  shutdown(): void {
    this.dtls.close();
    if (this.state === 'dead') return;
    this.state = 'stopped';
    // Nothing else will be read: the shutdown command must reach the ring even when it is full.
    this.overflow.length = 0;
    this.ring.shutdown();
    this.binder?.wake(this.wakeFd);
    this.ring.notify();
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
  }

  /** After the thread is gone: the wake eventfd is ours to close. */
  closeWakeFd(): void {
    if (this.wakeFd >= 0) this.native!.closeFd(this.wakeFd);
    this.wakeFd = -1;
  }

  /** Queues a close; `done` runs in reap() once the worker has closed the sockets (at once if it is dead). */
  close(slots: number[], done: () => void): void {
    if (!this.alive) {
      done();
      return;
    }
    // The worker drops a closed slot's SRTP contexts itself; a new use of the slot starts plain.
    for (const s of slots) {
      this.sentSrtp[s] = null;
      if (this.sentTranscode[s] !== null) this.chains?.set(s, null);
      this.sentTranscode[s] = null;
    }
    const id = this.nextCloseId++;
    this.closing.push({ id, done });
    this.command(() => this.ring.close(id, slots));
  }

  get closesPending(): boolean {
    return this.closingHead < this.closing.length;
  }

  /** Sends everything queued and wakes the worker now (no WAKE_MS wait). */
  wakeNow(): void {
    this.flush();
    if (this.wakeTimer !== null) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
    }
    this.wake();
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

  /**
   * The thread has ended (state 'dead'): nothing it was asked will happen. Binds fail, closes are
   * done (its sockets closed with it), fds it never adopted are closed here, the wake fd too.
   */
  settleAfterDeath(): void {
    this.dtls.close();
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.overflow.length = 0;
    for (const [, p] of this.pending) p.done(p.binds.map((b) => ({ slot: b.slot, ok: false, code: WORKER_DIED })));
    this.pending.clear();
    const q = this.closing;
    while (this.closingHead < q.length) q[this.closingHead++]!.done();
    const binder = this.binder;
    if (binder !== null) {
      const unadopted: CommandSink = {
        adopt: (_slot, _family, fd) => { binder.closeFd(fd); },
        bind: () => {}, configure: () => {}, close: () => {}, srtp: () => {}, shutdown: () => {}, crash: () => {}, send: () => {}, transcode: () => {},
      };
      new CommandReader(this.ringBufs).drain(unadopted);
    }
    this.closeWakeFd();
  }
}

export class WorkerPool {
  /** Every worker ever started, by index; a dead one stays (state 'dead') so indices are never reused. */
  private readonly workers: MediaWorker[] = [];
  private closed = false;
  private started = false;
  private reaper: NodeJS.Timeout | null = null;
  /** Settles when the queued commands have been posted (see flushed()). */
  private flushing: Promise<void> | null = null;
  private readonly queued = (): void => this.scheduleFlush();
  private readonly died = (w: MediaWorker, reason: string): void => this.onDeath(w, reason);
  /** Per-chain transcoding counters of all workers (dead ones included). */
  private readonly chainTotals = new ChainTotals();

  /** `instanceId`: the daemon's (MediaSettings.instanceId), the CNAME of the workers' generated RTCP. */
  constructor(
    count: number, private readonly slotsPerWorker: number, private readonly events: PoolEvents,
    private readonly testHooks = false, private readonly instanceId = randomBytes(6).toString('hex'),
  ) {
    for (let i = 0; i < count; i++) this.spawn();
  }

  private spawn(): MediaWorker {
    const w = new MediaWorker(this.workers.length, this.slotsPerWorker, this.events, this.queued, this.died, this.testHooks, this.instanceId);
    w.chains = this.chainTotals.track(w.table);
    this.workers.push(w);
    return w;
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
    this.started = true;
  }

  /**
   * A worker's thread ended while it was not being shut down. Before start() finished this is a
   * start-up failure (start() rejects); after it the worker is settled, the call layer deletes its
   * calls, and a replacement starts.
   */
  private onDeath(w: MediaWorker, reason: string): void {
    w.settleAfterDeath();
    if (!this.started || this.closed) return;
    this.events.workerDied(w.index, reason);
    const quick = performance.now() - w.startedMs < RESPAWN_BACKOFF_MS;
    const respawn = (): void => {
      if (this.closed) return;
      const fresh = this.spawn();
      fresh.ready.then(
        () => this.events.log('info', `media worker ${fresh.index} started in place of worker ${w.index}`),
        () => {}, // its own death is handled like any other
      );
    };
    if (quick) setTimeout(respawn, RESPAWN_BACKOFF_MS).unref();
    else respawn();
  }

  /** Gives back the slots and ports of closes the workers have carried out (also every REAP_MS). */
  reap(): void {
    for (const w of this.workers) if (w.alive) w.reap();
  }

  /** Every worker index ever used (dead ones included: their counters still count). */
  get size(): number {
    return this.workers.length;
  }

  /** The live worker with the fewest streams: a new call goes there. */
  pickWorker(): number {
    let best = -1;
    for (const w of this.workers) {
      if (!w.alive) continue;
      if (best < 0 || w.active < this.workers[best]!.active) best = w.index;
    }
    return best >= 0 ? best : this.workers.length - 1;
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
    for (const w of this.workers) if (w.alive) w.reports.drain((base, rec) => fn(w.index, base, rec));
  }

  /**
   * Binds the sockets of `binds`: here with batch I/O (the worker adopts them, the results are known
   * at once), else in the worker. A slot's counters are zeroed before its bind result is known. A
   * worker still starting (a replacement) is waited for; a dead one fails every bind with WORKER_DIED.
   */
  async bind(worker: number, binds: BindRequest[]): Promise<BindResult[]> {
    const w = this.workers[worker]!;
    if (w.state === 'starting') await w.ready.catch(() => {});
    if (w.state !== 'ready') return binds.map((b) => ({ slot: b.slot, ok: false, code: WORKER_DIED }));
    for (const b of binds) {
      w.table.reset(b.slot);
      w.receiver.clear(b.slot);
    }
    const native = w.binder;
    if (native === null) return w.bindRemote(binds);
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
   * Closes the slots' sockets. Returns at once; once the worker has closed them (at once when it is
   * dead) the slots return to the free list and `done` runs (the caller gives the ports back there).
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
    this.startReaper();
  }

  /**
   * The reaper runs only while closes wait for their workers: an idle daemon's main thread then has
   * no 50 ms wake-up (bench/idle-cpu.mjs). It stops itself on the first pass that finds none left.
   */
  private startReaper(): void {
    if (this.reaper !== null || this.closed || !this.started || !this.closesPending()) return;
    this.reaper = setInterval(() => {
      this.reap();
      if (!this.closesPending()) {
        clearInterval(this.reaper!);
        this.reaper = null;
      }
    }, REAP_MS).unref();
  }

  /**
   * Sends `data` out of a slot's socket to address:port as it is (a DTLS record made here), through
   * the worker's command ring; dropped when the worker is gone.
   */
  sendRaw(worker: number, slot: number, address: string, port: number, data: Uint8Array): void {
    this.workers[worker]?.send(slot, address, port, data);
  }

  /** DTLS channel counters (dtls-channel.ts C_*) summed over all workers. */
  dtlsCounter(field: number): number {
    let sum = 0;
    for (const w of this.workers) sum += w.dtls.counters[field]!;
    return sum;
  }

  closesPending(): boolean {
    return this.workers.some((w) => w.alive && w.closesPending);
  }

  /** Wakes the workers and waits (up to `timeoutMs`) until every close sent so far is done and reaped. */
  async settleCloses(timeoutMs = 200): Promise<void> {
    for (const w of this.workers) if (w.alive) w.wakeNow();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.reap();
      if (!this.closesPending() || performance.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Test hook (RTPENGINE_TS_TEST_HOOKS=1): makes a live worker die of an uncaught exception. */
  crashWorker(worker: number): boolean {
    const w = this.workers[worker];
    if (!w || !w.alive || !this.testHooks) return false;
    w.crash();
    return true;
  }

  /** Indices of the live workers (starting or ready). */
  liveWorkers(): number[] {
    return this.workers.filter((w) => w.alive).map((w) => w.index);
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
      for (const w of this.workers) if (w.alive) w.flush();
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
   * settles once the commands that did not fit the ring are in it. An ng reply of a command waits
   * for it, so it never overtakes what its command told the workers.
   *
   * Ring commands are visible at once: a worker reads its ring before every packet (node:dgram) or
   * batch of packets (batch I/O), so a packet can never meet an older configuration, and a socket
   * not yet adopted only holds its first packets in the kernel until the wake (at most WAKE_MS).
   * Waiting for the turn's end otherwise cost one more event-loop turn per request (bench:ng-path).
   */
  flushed(): Promise<void> | null {
    for (const w of this.workers) if (w.holdsCommands()) return this.flushing;
    return null;
  }

  /**
   * Transcoding counters per chain label (`PCMU/8000 -> PCMA/8000`) since start: every chain any slot
   * was configured with, closed calls included (rtpengine_transcode_*_total).
   */
  transcodeTotals(): Map<string, ChainCounts> {
    return this.chainTotals.snapshot();
  }

  /** Once a second: samples the per-chain rates transcodeRates() returns. */
  sampleTranscodeRates(): void {
    this.chainTotals.sampleRates();
  }

  /** What each chain counted over the last sampled second (only chains that had packets). */
  transcodeRates(): ReadonlyMap<string, ChainCounts> {
    return this.chainTotals.rates();
  }

  /** Sum of a worker-wide counter over all workers (dead ones keep their last values). */
  workerCounter(field: number): number {
    let sum = 0;
    for (const w of this.workers) if (field !== W_ACTIVE_SLOTS || w.alive) sum += w.table.workerCounter(field);
    return sum;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reaper) clearInterval(this.reaper);
    await Promise.all(this.workers.map(async (w) => {
      if (w.state === 'dead') return;
      w.shutdown();
      await w.thread.terminate();
      w.closeWakeFd();
    }));
  }
}
