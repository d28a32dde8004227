/**
 * The dashboard's once-a-second snapshot (GET /dashboard, /dashboard/ws): calls with their streams,
 * codecs and quality, and packets per second per media worker. Built on the main thread from the
 * same data as ng `query` (callStats: endpoints, codec relayed, packet counters, RTCP-based and
 * estimated MOS) and `statistics` (the workers' shared counters), only when a dashboard client is
 * connected: nothing here runs per packet. Rates are deltas between two snapshots.
 */
import type { BEncodable } from '../../../protocol/ng/bencode.js';
import type { Call } from '../../call/call.js';
import type { CallManager } from '../../call/call-manager.js';
import type { MediaContext } from '../../call/media-context.js';
import { callStats, selectParticipants } from '../../call/query-reply.js';
import type { TrafficRates } from '../../control/statistics.js';
import { W_PACKETS } from '../../media/stream-table.js';

type Dict = Map<string, BEncodable>;

export interface StreamView {
  tag: string;
  media: number;
  type: string;
  /** 'RTP' or 'RTCP'. */
  component: string;
  /** Codec relayed last (from the payload type seen), '' before any RTP. */
  codec: string;
  /** Codecs this participant negotiated for the media, in SDP order. */
  codecs: string[];
  transcoding: boolean;
  /** Our socket, `address:port` ('' if none). */
  local: string;
  /** Where the participant's media comes from (learned), '' before it is known. */
  remote: string;
  packets: number;
  bytes: number;
  errors: number;
}

export interface CallView {
  callId: string;
  ageS: number;
  /** 'offered' (no answer yet), 'answered' (no media in the last second) or 'active'. */
  state: string;
  transcoded: boolean;
  /** Worst MOS of the call's SSRCs (1.0–5.0), null without data. */
  mos: number | null;
  /** True when that MOS is estimated from RTP alone (no RTCP reports). */
  estimated: boolean;
  jitterMs: number | null;
  lossPercent: number | null;
  packets: number;
  /** Packets per second over the call's streams since the previous snapshot. */
  pps: number;
  streams: StreamView[];
}

export interface WorkerView {
  index: number;
  packets: number;
  pps: number;
}

export interface DashboardSnapshot {
  /** Wall clock of the snapshot, ms. */
  now: number;
  uptimeS: number;
  sessions: number;
  /** Daemon-wide packets per second (statistics packetrate). */
  packetRate: number;
  workers: WorkerView[];
  /** At most `maxCalls` calls, oldest first. */
  calls: CallView[];
}

/** Per-key counter deltas turned into a per-second rate between two samples; forgets unseen keys. */
export class RateTracker<K> {
  private last = new Map<K, number>();
  private next = new Map<K, number>();
  private lastAt = -1;
  private at = -1;

  /** Starts a sample taken at `nowMs`. */
  begin(nowMs: number): void {
    this.at = nowMs;
  }

  /** Records `value` for `key` and returns its rate per second since the previous sample (0 at first). */
  rate(key: K, value: number): number {
    this.next.set(key, value);
    const prev = this.last.get(key);
    const dt = (this.at - this.lastAt) / 1000;
    if (prev === undefined || this.lastAt < 0 || dt <= 0) return 0;
    return Math.max(0, Math.round((value - prev) / dt));
  }

  /** Ends the sample: keys not seen in it are dropped. */
  end(): void {
    this.last = this.next;
    this.next = new Map();
    this.lastAt = this.at;
  }
}

const str = (v: BEncodable | undefined): string =>
  v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
const num = (v: BEncodable | undefined): number => (typeof v === 'number' ? v : 0);
const dict = (v: BEncodable | undefined): Dict => (v instanceof Map ? v : new Map());
const list = (v: BEncodable | undefined): BEncodable[] => (Array.isArray(v) ? v : []);

function endpoint(e: Dict): string {
  const a = str(e.get('address'));
  if (a === '') return '';
  return `${a.includes(':') ? `[${a}]` : a}:${num(e.get('port'))}`;
}

interface Quality { mos: number | null; estimated: boolean; jitterMs: number | null; lossPercent: number | null }

/**
 * The call's figures from a query `SSRC` dict (RTCP-based, spec §5.3: MOS ×10, jitter ms, loss %)
 * and our `estimated MOS` dict: the latest progression entry of each SSRC (else its average), worst
 * MOS, highest jitter and loss over the SSRCs. RTCP-based figures win over estimates.
 */
export function callQualityView(stats: Dict): Quality {
  const q: Quality = { mos: null, estimated: false, jitterMs: null, lossPercent: null };
  const take = (s: Dict, estimated: boolean): void => {
    const mos = num(s.get('MOS')) / 10;
    if (q.mos === null || mos < q.mos) { q.mos = mos; q.estimated = estimated; }
    q.jitterMs = Math.max(q.jitterMs ?? 0, num(s.get('jitter')));
    q.lossPercent = Math.max(q.lossPercent ?? 0, num(s.get('packet loss')));
  };
  for (const v of dict(stats.get('SSRC')).values()) {
    const b = dict(v);
    const entries = list(dict(b.get('MOS progression')).get('entries'));
    take(entries.length > 0 ? dict(entries[entries.length - 1]) : dict(b.get('average MOS')), false);
  }
  if (q.mos !== null) return q;
  for (const v of dict(stats.get('estimated MOS')).values()) take(dict(v), true);
  return q;
}

/**
 * Streams of a query reply's `tags` dict, with the negotiated codecs of each participant's medias
 * (`negotiated.get(tagKey)[mediaPosition]`, from the call objects, which the reply does not list).
 */
export function streamViews(stats: Dict, negotiated: Map<string, string[][]>): StreamView[] {
  const out: StreamView[] = [];
  for (const [key, t] of dict(stats.get('tags'))) {
    const tag = dict(t);
    const medias = list(tag.get('medias'));
    medias.forEach((mv, i) => {
      const md = dict(mv);
      const flags = list(md.get('flags')).map(str);
      for (const sv of list(md.get('streams'))) {
        const s = dict(sv);
        const sflags = list(s.get('flags')).map(str);
        const st = dict(s.get('stats'));
        const la = str(s.get('local address'));
        out.push({
          tag: str(tag.get('tag')),
          media: num(md.get('index')),
          type: str(md.get('type')),
          component: sflags.includes('RTCP') ? 'RTCP' : 'RTP',
          codec: str(md.get('codec')),
          codecs: negotiated.get(key)?.[i] ?? [],
          transcoding: flags.includes('transcoding'),
          local: la === '' ? '' : `${la.includes(':') ? `[${la}]` : la}:${num(s.get('local port'))}`,
          remote: endpoint(dict(s.get('endpoint'))),
          packets: num(st.get('packets')),
          bytes: num(st.get('bytes')),
          errors: num(st.get('errors')),
        });
      }
    });
  }
  return out;
}

/** One call's view from its query statistics; `pps` from the caller's rate tracker. */
export function callView(callId: string, createdMs: number, answered: boolean, stats: Dict, negotiated: Map<string, string[][]>, nowMs: number, pps: number): CallView {
  const streams = streamViews(stats, negotiated);
  const packets = num(dict(dict(stats.get('totals')).get('RTP')).get('packets'));
  return {
    callId,
    ageS: Math.max(0, Math.floor((nowMs - createdMs) / 1000)),
    state: !answered ? 'offered' : pps > 0 ? 'active' : 'answered',
    transcoded: streams.some((s) => s.transcoding),
    ...callQualityView(stats),
    packets,
    pps,
    streams,
  };
}

export interface DashboardSources {
  ctx: MediaContext;
  calls: CallManager;
  rates: TrafficRates;
  startedMs: number;
  /** Calls listed in one snapshot (the rest are counted in `sessions` only). */
  maxCalls?: number;
}

/** Builds snapshots from the daemon's state; holds the previous counters for the rates. */
export class DashboardSnapshots {
  private readonly workerRates = new RateTracker<number>();
  private readonly callRates = new RateTracker<string>();

  constructor(private readonly src: DashboardSources) {}

  build(nowMs = Date.now()): DashboardSnapshot {
    const { ctx, calls, rates } = this.src;
    const max = this.src.maxCalls ?? 200;
    this.workerRates.begin(nowMs);
    const workers: WorkerView[] = [];
    for (let i = 0; i < ctx.pool.size; i++) {
      const packets = ctx.pool.table(i).workerCounter(W_PACKETS);
      workers.push({ index: i, packets, pps: this.workerRates.rate(i, packets) });
    }
    this.workerRates.end();
    this.callRates.begin(nowMs);
    const views: CallView[] = [];
    for (const call of calls.calls.values()) {
      if (views.length >= max) break;
      const stats = callStats(ctx, call, selectParticipants(call, undefined));
      const packets = num(dict(dict(stats.get('totals')).get('RTP')).get('packets'));
      const pps = this.callRates.rate(call.callId, packets);
      views.push(callView(call.callId, call.createdMs, answered(call), stats, negotiatedCodecs(call), nowMs, pps));
    }
    this.callRates.end();
    return {
      now: nowMs,
      uptimeS: Math.floor((nowMs - this.src.startedMs) / 1000),
      sessions: calls.calls.size,
      packetRate: rates.packets,
      workers,
      calls: views,
    };
  }
}

/** A call is answered once a participant's media is initialized with a subscriber's. */
function answered(call: Call): boolean {
  return call.monologues.some((m) => m.medias.some((md) => md.initialized && m.subscribers.some((s) => s.medias.some((x) => x.initialized))));
}

function negotiatedCodecs(call: Call): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const m of call.monologues) {
    out.set(m.key, m.medias.map((md) => md.codecs.map((c) => (c.clock > 0 ? `${c.name}/${c.clock}` : c.name || String(c.pt)))));
  }
  return out;
}
