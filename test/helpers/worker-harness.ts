/**
 * Drives the compiled WorkerPool (dist/; `npm test` builds first) without the call layer: real media
 * worker threads, real sockets on loopback with OS-assigned ports, SlotConfigs written by the test.
 * For pipeline tests whose configuration the signalling side cannot produce yet (SRTP keys, DTLS).
 */
import type { BindRequest, SlotConfig, SlotSrtp } from '../../daemon/media/messages.js';
import type { StreamTable } from '../../daemon/media/stream-table.js';
import type { WorkerPool as WorkerPoolType } from '../../daemon/media/worker-pool.js';
import { freeUdpPort } from './daemon-process.js';

type PoolModule = typeof import('../../daemon/media/worker-pool.js');

/** The compiled module: its worker script (media-worker.js) lives next to it in dist/. */
async function poolModule(): Promise<PoolModule> {
  return (await import(new URL('../../dist/daemon/media/worker-pool.js', import.meta.url).href)) as PoolModule;
}

export interface Harness {
  pool: WorkerPoolType;
  logs: string[];
  table(): StreamTable;
  /** Binds a new slot on worker 0 to a free loopback port. */
  open(): Promise<{ slot: number; port: number }>;
  configure(configs: SlotConfig[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * One worker with the given media I/O backend (RTPENGINE_TS_IO is read when the pool and its worker
 * start; `env` adds more, e.g. test hooks).
 */
export async function startPool(io: 'batch' | 'dgram', env: Record<string, string> = {}): Promise<Harness> {
  const { WorkerPool } = await poolModule();
  const saved: Record<string, string | undefined> = {};
  const set = { RTPENGINE_TS_IO: io, ...env };
  for (const [k, v] of Object.entries(set)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const logs: string[] = [];
  let pool: WorkerPoolType;
  try {
    pool = new WorkerPool(1, 64, {
      learned: () => {},
      log: (level, msg) => { logs.push(`${level}: ${msg}`); },
      workerDied: (_w, reason) => { logs.push(`died: ${reason}`); },
    }, env.RTPENGINE_TS_TEST_HOOKS === '1');
    await pool.start();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return {
    pool,
    logs,
    table: () => pool.table(0),
    async open() {
      for (let attempt = 0; ; attempt++) {
        const slot = pool.allocSlot(0)!;
        const port = await freeUdpPort();
        const req: BindRequest = { slot, address: '127.0.0.1', port, family: 4 };
        const [r] = await pool.bind(0, [req]);
        if (r!.ok) return { slot, port };
        pool.freeSlot(0, slot);
        if (attempt > 20) throw new Error(`cannot bind a media slot: ${r!.code}`);
      }
    },
    async configure(configs) {
      pool.configure(0, configs);
      await pool.flushed();
      // Let the worker see the ring before the test's first packet (a batch worker reads it on wake).
      await new Promise((r) => setTimeout(r, 20));
    },
    close: () => pool.close(),
  };
}

/** A plain forwarding config of an RTP slot: packets received on `slot` leave through `sink`. */
export function slotConfig(slot: number, sink: number, peerPort: number, more: Partial<SlotConfig> = {}): SlotConfig {
  return {
    slot, sink, rtcpSink: -1, endpoint: { address: '127.0.0.1', port: peerPort }, learning: 'off', asymmetric: false,
    strictSource: false, component: 1, clockRate: 8000, generateRtcp: false, rtcpSlot: slot, tos: -1,
    srtp: null as SlotSrtp | null, dtls: false, ice: false, ...more,
  };
}
