/**
 * rtpengine 10.5's own /metrics families, written as rtpengine writes them: same names, types, HELP
 * texts (and no HELP where rtpengine has none: ports*, requests*, errors_total, transcode*), same label
 * names and values, same number formats (`%.6f` for durations and MOS sums). Measured against the real
 * daemon (test/integration/metrics-compat.test.ts). One difference on purpose: rtpengine prints some
 * families' samples interleaved (kernel series after the next family, requests_total and
 * request_seconds_total alternating); here each family's samples are contiguous, which every
 * Prometheus parser accepts and strict ones require.
 *
 * Written by hand rather than through prom-client because prom-client always prints a HELP line.
 * Everything is read at scrape time from counters the daemon keeps anyway (the workers'
 * SharedArrayBuffers, the call manager's counters, the ng ControlStats): nothing here runs per packet.
 */
import type { CallManager } from '../call/call-manager.js';
import type { MediaContext } from '../call/media-context.js';
import { NG_COMMANDS, type ControlStats } from '../control/control-stats.js';
import { mediaInUse, runningChains, transcodedMedia } from '../control/statistics.js';
import { W_BYTES, W_ERRORS, W_PACKETS } from '../media/stream-table.js';

export { codecLabel } from '../media/transcode-counters.js';

export interface RtpengineFamilySources {
  ctx: MediaContext;
  calls: CallManager;
  /** Per control-peer ng command counters; absent: no requests/errors families (as rtpengine before its first request). */
  control?: ControlStats | null;
  startedMs: number;
}

type Labels = readonly (readonly [string, string])[];

/** One family: `# HELP` (when rtpengine has one), `# TYPE`, then its samples. */
class Family {
  readonly samples: string[] = [];
  constructor(readonly name: string, readonly type: 'counter' | 'gauge', readonly help: string | null) {}

  add(value: string | number, labels: Labels = []): void {
    const l = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
    this.samples.push(`${this.name}${l} ${typeof value === 'number' ? String(Math.trunc(value)) : value}`);
  }

  text(): string {
    const head = (this.help === null ? '' : `# HELP ${this.name} ${this.help}\n`) + `# TYPE ${this.name} ${this.type}\n`;
    return head + this.samples.map((s) => s + '\n').join('');
  }
}

/** Exposition format 0.0.4: backslash, double quote and newline are escaped in label values. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** rtpengine's `%.6f`. */
const f6 = (x: number): string => x.toFixed(6);

/**
 * Transcoding now in effect, from signalling: how many media transcode (rtpengine_transcoded_media,
 * the `statistics` transcodedmedia figure: both medias of a section count when either direction is
 * transcoded, as rtpengine's) and how many decoder→encoder chains of each kind run
 * (rtpengine_transcoders{chain}, from each direction's DirectionConfig; a decoder whose payload type
 * passes through unchanged is no chain).
 */
export function activeTranscoding(calls: CallManager): { media: number; chains: Map<string, number> } {
  return { media: transcodedMedia(calls), chains: runningChains(calls) };
}

export class RtpengineFamilies {
  /**
   * Chains ever seen: rtpengine keeps a chain's series once it existed (its gauge back at 0 when no
   * call uses it). Seen at scrape time, so a chain that lived only between two scrapes is missed.
   */
  private readonly chainsSeen = new Set<string>();

  constructor(private readonly s: RtpengineFamilySources) {}

  text(): string {
    const { ctx, calls, control } = this.s;
    const c = calls.counters;
    const fams: Family[] = [];
    const fam = (name: string, type: 'counter' | 'gauge', help: string | null): Family => {
      const f = new Family(`rtpengine_${name}`, type, help);
      fams.push(f);
      return f;
    };
    const xcode = activeTranscoding(calls);

    // Foreign sessions (another rtpengine's, via Redis) do not exist here: always 0.
    const sessions = fam('sessions', 'gauge', 'Owned sessions');
    sessions.add(calls.calls.size, [['type', 'own']]);
    sessions.add(0, [['type', 'foreign']]);
    fam('transcoded_media', 'gauge', 'Transcoded media').add(xcode.media);
    // No kernel forwarding in rtpengine-ts: the kernel and mixed series read as rtpengine's without kernel traffic (0).
    const ms = fam('mediastreams', 'gauge', 'Userspace-only media streams');
    ms.add(mediaInUse(calls), [['type', 'userspace']]);
    ms.add(0, [['type', 'kernel']]);
    ms.add(0, [['type', 'mixed']]);
    fam('uptime_seconds', 'gauge', 'Uptime of rtpengine').add(Math.floor((Date.now() - this.s.startedMs) / 1000));
    fam('sessions_total', 'counter', 'Total managed sessions').add(c.managed);
    const closed = fam('closed_sessions_total', 'counter', 'Total rejected sessions');
    for (const [reason, n] of [
      ['rejected', c.rejected], ['timeout', c.timeout], ['silent_timeout', c.silentTimeout], ['final_timeout', c.finalTimeout],
      ['offer_timeout', c.offerTimeout], ['terminated', c.regular], ['force_terminated', c.forced],
    ] as const) closed.add(n, [['reason', reason]]);
    for (const [name, help, field] of [
      ['packets_total', 'Total relayed packets (userspace)', W_PACKETS],
      ['packet_errors_total', 'Total relayed packet errors (userspace)', W_ERRORS],
      ['bytes_total', 'Total relayed bytes (userspace)', W_BYTES],
    ] as const) {
      const f = fam(name, 'counter', help);
      f.add(ctx.pool.workerCounter(field), [['type', 'userspace']]);
      f.add(0, [['type', 'kernel']]); // no kernel forwarding: 0, as rtpengine without kernel traffic
    }
    fam('zero_packet_streams_total', 'counter', 'Total number of streams with no relayed packets').add(c.zeroWay);
    fam('one_way_sessions_total', 'counter', 'Total number of 1-way streams').add(c.oneWay);
    fam('call_duration_avg', 'gauge', 'Average call duration').add(f6(c.managed ? c.durationSum / c.managed : 0));
    fam('call_duration_total', 'counter', 'Total calls duration').add(f6(c.durationSum));
    fam('call_duration2_total', 'counter', 'Total calls duration squared').add(f6(c.durationSquares));
    const mos = ctx.mosTotals.summary();
    fam('mos_total', 'counter', 'Sum of all MOS values sampled').add(f6(mos.total));
    fam('mos2_total', 'counter', 'Sum of all MOS square values sampled').add(f6(mos.total2));
    fam('mos_samples_total', 'counter', 'Total number of MOS samples').add(mos.samples);

    // Per control peer (its IP address), every ng command rtpengine knows, in its order; appear with the first request.
    if (control && control.peers.size > 0) {
      const reqs = fam('requests_total', 'counter', null);
      const secs = fam('request_seconds_total', 'counter', null);
      const errs = fam('errors_total', 'counter', null);
      for (const [proxy, p] of control.peers) {
        for (const [cmd] of NG_COMMANDS) {
          reqs.add(p.count.get(cmd) ?? 0, [['proxy', proxy], ['request', cmd]]);
          secs.add(f6(p.seconds.get(cmd) ?? 0), [['proxy', proxy], ['request', cmd]]);
        }
        errs.add(p.errors, [['proxy', proxy]]);
      }
    }

    const used = fam('ports_used', 'gauge', null);
    const free = fam('ports_free', 'gauge', null);
    const total = fam('ports', 'gauge', null);
    for (const l of ctx.interfaces.all) {
      const labels: Labels = [['name', l.name], ['address', l.address]];
      used.add(l.pool.usedCount, labels);
      free.add(l.pool.size - l.pool.usedCount, labels);
      total.add(l.pool.size, labels);
    }

    // Transcoding chains (rtpengine_transcoders and its per-chain totals) appear once a chain has existed;
    // the totals (input packets, their payload bytes, decoded samples) come from the media workers
    // (media/transcode-counters.ts says what rtpengine counts) and include closed calls.
    for (const chain of xcode.chains.keys()) this.chainsSeen.add(chain);
    const totals = ctx.pool.transcodeTotals();
    for (const chain of totals.keys()) this.chainsSeen.add(chain);
    if (this.chainsSeen.size > 0) {
      const tr = fam('transcoders', 'gauge', null);
      const packets = fam('transcode_packets_total', 'counter', null);
      const bytes = fam('transcode_bytes_total', 'counter', null);
      const samples = fam('transcode_samples_total', 'counter', null);
      for (const chain of this.chainsSeen) {
        const l: Labels = [['chain', chain]];
        const t = totals.get(chain);
        tr.add(xcode.chains.get(chain) ?? 0, l);
        packets.add(t?.packets ?? 0, l);
        bytes.add(t?.bytes ?? 0, l);
        samples.add(t?.samples ?? 0, l);
      }
    }
    return fams.map((f) => f.text()).join('');
  }
}
