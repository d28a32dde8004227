/**
 * The `statistics` reply (spec §5.5; layout and key order from golden 06): current and total session
 * and traffic figures, interval figures, MOS totals, control statistics per proxy, interfaces.
 */
import type { BEncodable } from '../../protocol/ng/bencode.js';
import type { CallManager } from '../call/call-manager.js';
import type { MediaContext } from '../call/media-context.js';
import { W_BYTES, W_ERRORS, W_PACKETS } from '../media/stream-table.js';
import { chainLabel, type ChainCounts } from '../media/transcode-counters.js';
import { NG_COMMANDS, type ControlStats } from './control-stats.js';

type Dict = Map<string, BEncodable>;

const f6 = (x: number): string => x.toFixed(6);

/** Packet/byte/error rates (and per transcoding chain) over the last second, sampled by the daemon's 1 s timer. */
export class TrafficRates {
  packets = 0;
  bytes = 0;
  errors = 0;
  private last = { packets: 0, bytes: 0, errors: 0 };

  sample(ctx: MediaContext): void {
    const now = { packets: ctx.pool.workerCounter(W_PACKETS), bytes: ctx.pool.workerCounter(W_BYTES), errors: ctx.pool.workerCounter(W_ERRORS) };
    this.packets = now.packets - this.last.packets;
    this.bytes = now.bytes - this.last.bytes;
    this.errors = now.errors - this.last.errors;
    this.last = now;
    ctx.pool.sampleTranscodeRates(); // the per-chain rates of CLI `list transcoders`
  }
}

export interface StatisticsSources {
  ctx: MediaContext;
  calls: CallManager;
  control: ControlStats;
  rates: TrafficRates;
  startedMs: number;
}

/**
 * Media in use (`statistics` media_userspace, /metrics rtpengine_mediastreams): negotiated by both its
 * participant and a peer (an offer-only leg does not count).
 */
export function mediaInUse(calls: CallManager): number {
  let media = 0;
  for (const call of calls.calls.values()) {
    for (const m of call.monologues) {
      for (const md of m.medias) {
        if (md.hasSockets && md.initialized && m.subscribers.some((s) => s.medias.some((x) => x.index === md.index && x.initialized))) media++;
      }
    }
  }
  return media;
}

/** Media with a transcoded direction (`statistics` transcodedmedia), as rtpengine counts both sides. */
export function transcodedMedia(calls: CallManager): number {
  let n = 0;
  for (const call of calls.calls.values()) {
    for (const m of call.monologues) for (const md of m.medias) if (md.transcoding && md.hasSockets) n++;
  }
  return n;
}

/**
 * Decoder→encoder chains running now, by chain label, from signalling (rtpengine's num_transcoders):
 * one per decoder of each transcoded direction's DirectionConfig; a decoder whose payload type passes
 * through unchanged is no chain.
 */
export function runningChains(calls: CallManager): Map<string, number> {
  const chains = new Map<string, number>();
  for (const call of calls.calls.values()) {
    for (const m of call.monologues) {
      for (const md of m.medias) {
        const t = md.transcode;
        if (!t) continue;
        for (const d of t.decoders) {
          if (t.passthrough.includes(d.pt)) continue;
          const chain = chainLabel(d.codec, t.encoder.codec);
          chains.set(chain, (chains.get(chain) ?? 0) + 1);
        }
      }
    }
  }
  return chains;
}

export interface TranscoderStat {
  chain: string;
  /** Transcoders of this chain running now. */
  num: number;
  /** The last second's counts, only when the chain had packets in it (as rtpengine). */
  rate: ChainCounts | undefined;
  /** Since start: input packets, their payload bytes, decoded samples (media/transcode-counters.ts). */
  total: ChainCounts;
}

/**
 * Every chain that has existed, as rtpengine keeps them (`statistics` transcoders, CLI `list
 * transcoders`): chains configured in a media worker (with their counters) and chains in signalling.
 */
export function transcoderStats(ctx: MediaContext, calls: CallManager): TranscoderStat[] {
  const running = runningChains(calls);
  const totals = ctx.pool.transcodeTotals();
  const rates = ctx.pool.transcodeRates();
  const chains = new Set([...totals.keys(), ...running.keys()]);
  return [...chains].map((chain) => ({
    chain, num: running.get(chain) ?? 0, rate: rates.get(chain),
    total: totals.get(chain) ?? { packets: 0, bytes: 0, samples: 0 },
  }));
}

/** rtpengine 10.5's `transcoders` list entry (measured): chain, num, the rates when it had packets, totals. */
function transcoderDict(t: TranscoderStat): Dict {
  const d: Dict = new Map<string, BEncodable>([['chain', t.chain], ['num', t.num]]);
  if (t.rate) {
    d.set('packetrate', t.rate.packets);
    d.set('byterate', t.rate.bytes);
    d.set('samplerate', t.rate.samples);
  }
  d.set('packets', t.total.packets);
  d.set('bytes', t.total.bytes);
  d.set('samples', t.total.samples);
  return d;
}

export function statisticsReply(s: StatisticsSources): Dict {
  const { ctx, calls, control, rates } = s;
  const c = calls.counters;
  const media = mediaInUse(calls);
  const current = new Map<string, BEncodable>([
    ['sessionsown', calls.calls.size], ['sessionsforeign', 0], ['sessionstotal', calls.calls.size],
    ['transcodedmedia', transcodedMedia(calls)],
    ['packetrate_user', rates.packets], ['byterate_user', rates.bytes], ['errorrate_user', rates.errors],
    ['packetrate_kernel', 0], ['byterate_kernel', 0], ['errorrate_kernel', 0],
    ['packetrate', rates.packets], ['byterate', rates.bytes], ['errorrate', rates.errors],
    ['media_userspace', media], ['media_kernel', 0], ['media_mixed', 0],
  ]);
  const packets = ctx.pool.workerCounter(W_PACKETS);
  const bytes = ctx.pool.workerCounter(W_BYTES);
  const errors = ctx.pool.workerCounter(W_ERRORS);
  const ended = c.managed;
  const avg = ended > 0 ? c.durationSum / ended : 0;
  const variance = ended > 0 ? c.durationSquares / ended - avg * avg : 0;
  const total = new Map<string, BEncodable>([
    ['uptime', String(Math.floor((Date.now() - s.startedMs) / 1000))],
    ['managedsessions', c.managed], ['rejectedsessions', c.rejected], ['timeoutsessions', c.timeout],
    ['silenttimeoutsessions', c.silentTimeout], ['finaltimeoutsessions', c.finalTimeout],
    ['offertimeoutsessions', c.offerTimeout], ['regularterminatedsessions', c.regular],
    ['forcedterminatedsessions', c.forced],
    ['relayedpackets_user', packets], ['relayedpacketerrors_user', errors], ['relayedbytes_user', bytes],
    ['relayedpackets_kernel', 0], ['relayedpacketerrors_kernel', 0], ['relayedbytes_kernel', 0],
    ['relayedpackets', packets], ['relayedpacketerrors', errors], ['relayedbytes', bytes],
    ['zerowaystreams', c.zeroWay], ['onewaystreams', c.oneWay],
    ['avgcallduration', f6(avg)], ['totalcallsduration', f6(c.durationSum)],
    ['totalcallsduration2', f6(c.durationSquares)], ['totalcallsduration_stddev', f6(Math.sqrt(Math.max(0, variance)))],
  ]);
  // rtpengine fills the interval figures on its graphite timer (--graphite); without it they stay 0,
  // which is what 10.5 reports in this setup (golden 06, 21, 22).
  const interval: Dict = new Map<string, BEncodable>([['totalcallsduration', f6(0)], ['minmanagedsessions', 0], ['maxmanagedsessions', 0]]);
  for (const [cmd] of NG_COMMANDS) for (const p of ['min', 'max', 'avg']) interval.set(`${p}${cmd}delay`, f6(0));
  for (const [cmd] of NG_COMMANDS) for (const p of ['min', 'max', 'avg']) interval.set(`${p}${cmd}requestrate`, '0');
  const m = ctx.mosTotals.summary();
  const mos = new Map<string, BEncodable>([
    ['mos_total', f6(m.total)], ['mos2_total', f6(m.total2)], ['mos_samples_total', m.samples],
    ['mos_average', f6(m.average)], ['mos_stddev', f6(m.stddev)],
  ]);
  const proxies = [...control.peers].map(([addr, p]) => {
    const d: Dict = new Map<string, BEncodable>([['proxy', addr]]);
    for (const [cmd, short] of NG_COMMANDS) {
      d.set(`${short}count`, p.count.get(cmd) ?? 0);
      d.set(`${short}duration`, f6(p.seconds.get(cmd) ?? 0));
    }
    d.set('errorcount', p.errors);
    return d;
  });
  const controlDict: Dict = new Map<string, BEncodable>([['proxies', proxies]]);
  for (const [cmd, short] of NG_COMMANDS) controlDict.set(`total${short}count`, control.total(cmd));
  const interfaces = ctx.interfaces.all.map((l) => {
    const used = l.pool.usedCount;
    const totals = l.pool.size;
    return new Map<string, BEncodable>([
      ['name', l.name], ['address', l.address],
      ['ports', new Map<string, BEncodable>([
        ['min', l.pool.min], ['max', l.pool.max], ['used', used], ['used_pct', ((used * 100) / totals).toFixed(2)],
        ['free', totals - used], ['totals', totals], ['last', l.pool.lastAllocated],
      ])],
    ]);
  });
  return new Map<string, BEncodable>([[
    'statistics',
    new Map<string, BEncodable>([
      ['currentstatistics', current], ['totalstatistics', total], ['intervalstatistics', interval],
      ['mos', mos], ['controlstatistics', controlDict], ['interfaces', interfaces],
      ['transcoders', transcoderStats(ctx, calls).map(transcoderDict)],
    ]),
  ]]);
}
