/**
 * Main-thread side of the media workers: spawns them, hands out stream slots, and turns bind/close
 * round trips into promises. All sockets of a call live on one worker, picked by least load.
 */
import { Worker } from 'node:worker_threads';
import type { BindRequest, BindResult, MainToWorker, SlotConfig, WorkerInit, WorkerToMain } from './messages.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { ReportRing } from './report-ring.js';
import { encodeConfigs } from './slot-config-codec.js';
import { StreamTable } from './stream-table.js';

/** RTCP records a worker can queue between two drains (200 ms): plenty for 10k calls at 1 RTCP/5 s. */
const REPORT_RING_RECORDS = 16384;

export interface PoolEvents {
  learned(worker: number, slot: number, address: string, port: number, confirmed: boolean): void;
  log(level: 'warn' | 'info' | 'debug', msg: string): void;
}

class MediaWorker {
  readonly thread: Worker;
  readonly table: StreamTable;
  readonly receiver: ReceiverStats;
  readonly reports: ReportRing;
  private readonly freeSlots: number[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (m: WorkerToMain) => void>();
  readonly ready: Promise<void>;
  active = 0;

  constructor(readonly index: number, slots: number, events: PoolEvents) {
    this.table = StreamTable.create(slots);
    const receiverSab = new SharedArrayBuffer(ReceiverStats.bytes(slots));
    this.receiver = new ReceiverStats(slots, receiverSab, true, false);
    this.reports = ReportRing.create(REPORT_RING_RECORDS);
    for (let i = slots - 1; i >= 0; i--) this.freeSlots.push(i);
    const init: WorkerInit = { index, sab: this.table.sab, slots, receiverSab, reportSab: this.reports.sab };
    this.thread = new Worker(new URL('./media-worker.js', import.meta.url), { workerData: init, name: `media-${index}` });
    this.ready = new Promise((resolve, reject) => {
      this.thread.once('error', reject);
      this.thread.on('message', (m: WorkerToMain) => {
        switch (m.type) {
          case 'ready': resolve(); break;
          case 'bound': case 'closed': {
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

  request(m: MainToWorker & { id: number }): Promise<WorkerToMain> {
    return new Promise((resolve) => {
      this.pending.set(m.id, resolve);
      this.thread.postMessage(m);
    });
  }

  newId(): number {
    return this.nextId++;
  }
}

export class WorkerPool {
  private readonly workers: MediaWorker[] = [];
  private closed = false;

  constructor(count: number, slotsPerWorker: number, events: PoolEvents) {
    for (let i = 0; i < count; i++) this.workers.push(new MediaWorker(i, slotsPerWorker, events));
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
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

  async bind(worker: number, binds: BindRequest[]): Promise<BindResult[]> {
    const w = this.workers[worker]!;
    const id = w.newId();
    const reply = await w.request({ type: 'bind', id, binds });
    return reply.type === 'bound' ? reply.results : [];
  }

  configure(worker: number, configs: SlotConfig[]): void {
    if (configs.length > 0) this.workers[worker]!.thread.postMessage({ type: 'configure', configs: encodeConfigs(configs) } satisfies MainToWorker);
  }

  /** Closes the sockets; the slots return to the free list once the worker confirms. */
  async closeSlots(worker: number, slots: number[]): Promise<void> {
    if (slots.length === 0) return;
    const w = this.workers[worker]!;
    const id = w.newId();
    await w.request({ type: 'close', id, slots });
    for (const s of slots) w.freeSlot(s);
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
    await Promise.all(this.workers.map(async (w) => {
      w.thread.postMessage({ type: 'shutdown' } satisfies MainToWorker);
      await w.thread.terminate();
    }));
  }
}
