/**
 * MetricSources without a daemon, for unit tests of /metrics: one call whose media transcodes PCMU → PCMA
 * from A to B (and passes telephone-event through), B to A untranscoded, one control peer, one interface, fixed worker
 * counters. Only the fields /metrics reads are filled in.
 */
import { ControlStats } from '../../daemon/control/control-stats.js';
import type { MetricSources } from '../../daemon/metrics/prometheus.js';
import type { DirectionConfig } from '../../transcode/types.js';
import { W_BYTES, W_PACKETS } from '../../daemon/media/stream-table.js';

const codec = (name: string, clock = 8000, channels = 1) => ({ name, clock, channels, bitrate: 0, fmtp: '', ptime: 20 });

export function transcodeConfig(): DirectionConfig {
  return {
    decoders: [{ pt: 0, codec: codec('PCMU') }, { pt: 101, codec: codec('telephone-event') }],
    encoder: { pt: 8, codec: codec('PCMA') },
    passthrough: [101], dtmfIn: [], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1,
  };
}

export function stubSources(opts: { transcode?: DirectionConfig | null } = {}): MetricSources {
  const control = new ControlStats();
  control.record('192.0.2.7', 'offer', 0.0015, false);
  control.record('192.0.2.7', 'query', 0.0005, true);
  control.record('192.0.2.7', 'no such command', 0, true);
  // A → B transcoded, B → A not: rtpengine counts both medias as transcoded.
  const transcode = opts.transcode === undefined ? transcodeConfig() : opts.transcode;
  const mediaA = { index: 1, hasSockets: true, initialized: true, transcode, transcoding: transcode !== null };
  const mediaB = { index: 1, hasSockets: true, initialized: true, transcode: null, transcoding: transcode !== null };
  const a = { medias: [mediaA], subscribers: [] as unknown[] };
  const b = { medias: [mediaB], subscribers: [a] };
  a.subscribers.push(b);
  const call = { monologues: [a, b] };
  const counters = {
    managed: 2, durationSum: 3.5, durationSquares: 6.25, zeroWay: 0, oneWay: 1,
    rejected: 0, timeout: 1, silentTimeout: 0, finalTimeout: 0, offerTimeout: 0, regular: 1, forced: 0,
  };
  const workerCounter = (f: number): number => (f === W_PACKETS ? 40 : f === W_BYTES ? 6880 : 0);
  const ctx = {
    pool: {
      size: 2, workerCounter, table: () => ({ workerCounter }), dtlsCounter: () => 0,
      // What the workers counted for the transcoding chain (none without one).
      transcodeTotals: () => new Map(transcode === null ? [] : [['PCMU/8000 -> PCMA/8000', { packets: 50, bytes: 8000, samples: 8000 }]]),
    },
    mosTotals: { summary: () => ({ total: 8.6, total2: 37.0, samples: 2, average: 4.3, stddev: 0 }) },
    interfaces: { all: [{ name: 'default', address: '127.0.0.1', pool: { usedCount: 4, size: 100 } }] },
  };
  return {
    ctx, calls: { calls: new Map([['c1', call]]), counters }, control, rates: { packets: 0, bytes: 0, errors: 0 },
    startedMs: Date.now() - 12_000, dtls: null,
  } as unknown as MetricSources;
}
