/**
 * Prometheus exposition (`GET /metrics` on --listen-http) via prom-client, registry and text format
 * only: every value is read at scrape time from the same counters `statistics` uses (the workers'
 * SharedArrayBuffers, the call manager's session counters), so nothing here runs per packet.
 * Metric names, labels and help texts of rtpengine 10.5's own /metrics come first; rtpengine-ts
 * additions use the `rtpengine_ts_` prefix. Every metric is documented in docs/metrics.md.
 */
import client from 'prom-client';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import type { Call } from '../call/call.js';
import { estimatedQuality } from '../call/quality.js';
import type { CallManager } from '../call/call-manager.js';
import type { MediaContext } from '../call/media-context.js';
import {
  W_ACTIVE_SLOTS, W_BYTES, W_DROPS, W_DTLS_RECORDS, W_ERRORS, W_NON_MEDIA_DROPS, W_PACKETS, W_SRTP_AUTH_FAILURES, W_SRTP_MALFORMED,
  W_SRTP_PROTECTED, W_SRTP_REPLAY_DROPS, W_SRTP_UNPROTECTED,
} from '../media/stream-table.js';
import { mediaInUse, type TrafficRates } from '../control/statistics.js';
import type { DtlsCounters } from '../dtls/dtls-service.js';
import { C_FULL_DROPS, C_RATE_DROPS } from '../media/dtls-channel.js';

export interface MetricSources {
  ctx: MediaContext;
  /** DTLS-SRTP handshake counters (daemon/dtls/dtls-service.ts); absent: reported as 0. */
  dtls?: { counters: DtlsCounters } | null;
  calls: CallManager;
  rates: TrafficRates;
  startedMs: number;
}

/** MOS buckets (MOS, not ×10): the E-model range 1.0–4.5 in steps that separate bad/fair/good. */
const MOS_BUCKETS = [1.5, 2.0, 2.5, 3.0, 3.3, 3.6, 3.9, 4.1, 4.3, 4.5];

export class Metrics {
  readonly registry = new client.Registry();
  /** RTCP-based MOS samples (observed on the main thread when a report block yields a MOS). */
  readonly mosHistogram: client.Histogram;
  /** Estimated MOS of RTP streams that had no RTCP-based MOS, observed when their call ends. */
  readonly estimatedMosHistogram: client.Histogram;

  constructor(s: MetricSources) {
    const r = this.registry;
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: client.Gauge) => void): void => {
      new client.Gauge({ name, help, labelNames, registers: [r], collect() { collect(this); } });
    };
    const counter = (name: string, help: string, labelNames: string[], collect: (c: client.Counter) => void): void => {
      new client.Counter({ name, help, labelNames, registers: [r], collect() { this.reset(); collect(this); } });
    };
    const c = s.calls.counters;
    const workerField = (f: number): number => s.ctx.pool.workerCounter(f);

    // --- rtpengine 10.5's metrics (same names, labels and help) ---
    gauge('rtpengine_sessions', 'Owned sessions', ['type'], (g) => {
      g.set({ type: 'own' }, s.calls.calls.size);
      g.set({ type: 'foreign' }, 0);
    });
    gauge('rtpengine_transcoded_media', 'Transcoded media', [], (g) => g.set(0));
    gauge('rtpengine_mediastreams', 'Userspace-only media streams', ['type'], (g) => {
      g.set({ type: 'userspace' }, mediaInUse(s.calls));
      g.set({ type: 'kernel' }, 0);
      g.set({ type: 'mixed' }, 0);
    });
    gauge('rtpengine_uptime_seconds', 'Uptime of rtpengine', [], (g) => g.set(Math.floor((Date.now() - s.startedMs) / 1000)));
    counter('rtpengine_sessions_total', 'Total managed sessions', [], (m) => m.inc(c.managed));
    counter('rtpengine_closed_sessions_total', 'Total rejected sessions', ['reason'], (m) => {
      m.inc({ reason: 'rejected' }, c.rejected);
      m.inc({ reason: 'timeout' }, c.timeout);
      m.inc({ reason: 'silent_timeout' }, c.silentTimeout);
      m.inc({ reason: 'final_timeout' }, c.finalTimeout);
      m.inc({ reason: 'offer_timeout' }, c.offerTimeout);
      m.inc({ reason: 'terminated' }, c.regular);
      m.inc({ reason: 'force_terminated' }, c.forced);
    });
    counter('rtpengine_packets_total', 'Total relayed packets (userspace)', ['type'], (m) => {
      m.inc({ type: 'userspace' }, workerField(W_PACKETS));
      m.inc({ type: 'kernel' }, 0);
    });
    counter('rtpengine_packet_errors_total', 'Total relayed packet errors (userspace)', ['type'], (m) => {
      m.inc({ type: 'userspace' }, workerField(W_ERRORS));
      m.inc({ type: 'kernel' }, 0);
    });
    counter('rtpengine_bytes_total', 'Total relayed bytes (userspace)', ['type'], (m) => {
      m.inc({ type: 'userspace' }, workerField(W_BYTES));
      m.inc({ type: 'kernel' }, 0);
    });
    counter('rtpengine_zero_packet_streams_total', 'Total number of streams with no relayed packets', [], (m) => m.inc(c.zeroWay));
    counter('rtpengine_one_way_sessions_total', 'Total number of 1-way streams', [], (m) => m.inc(c.oneWay));
    gauge('rtpengine_call_duration_avg', 'Average call duration', [], (g) => g.set(c.managed ? c.durationSum / c.managed : 0));
    counter('rtpengine_call_duration_total', 'Total calls duration', [], (m) => m.inc(c.durationSum));
    counter('rtpengine_call_duration2_total', 'Total calls duration squared', [], (m) => m.inc(c.durationSquares));
    counter('rtpengine_mos_total', 'Sum of all MOS values sampled', [], (m) => m.inc(s.ctx.mosTotals.summary().total));
    counter('rtpengine_mos2_total', 'Sum of all MOS square values sampled', [], (m) => m.inc(s.ctx.mosTotals.summary().total2));
    counter('rtpengine_mos_samples_total', 'Total number of MOS samples', [], (m) => m.inc(s.ctx.mosTotals.summary().samples));
    const perInterface = (name: string, value: (used: number, size: number) => number): void =>
      gauge(name, name, ['name', 'address'], (g) => {
        for (const l of s.ctx.interfaces.all) g.set({ name: l.name, address: l.address }, value(l.pool.usedCount, l.pool.size));
      });
    perInterface('rtpengine_ports_used', (used) => used);
    perInterface('rtpengine_ports_free', (used, size) => size - used);
    perInterface('rtpengine_ports', (_used, size) => size);

    // --- rtpengine-ts additions ---
    const perWorker = (kind: 'counter' | 'gauge', name: string, help: string, field: number): void => {
      const read = (set: (labels: { worker: string }, v: number) => void): void => {
        for (let w = 0; w < s.ctx.pool.size; w++) set({ worker: String(w) }, s.ctx.pool.table(w).workerCounter(field));
      };
      if (kind === 'counter') counter(name, help, ['worker'], (m) => read((l, v) => m.inc(l, v)));
      else gauge(name, help, ['worker'], (g) => read((l, v) => g.set(l, v)));
    };
    perWorker('counter', 'rtpengine_ts_worker_packets_total', 'Packets received by each media worker', W_PACKETS);
    perWorker('counter', 'rtpengine_ts_worker_bytes_total', 'Bytes (UDP payload) received by each media worker', W_BYTES);
    perWorker('counter', 'rtpengine_ts_worker_drops_total', 'Packets a media worker dropped (no destination yet, strict source, generate-RTCP, media-echo blackhole, SRTP failures, non-media)', W_DROPS);
    perWorker('counter', 'rtpengine_ts_worker_errors_total', 'Stream errors in each media worker (socket errors, strict source, SRTP failures, non-media on SRTP streams)', W_ERRORS);
    perWorker('counter', 'rtpengine_ts_srtp_auth_failures_total', 'SRTP/SRTCP packets dropped because their authentication tag did not verify', W_SRTP_AUTH_FAILURES);
    perWorker('counter', 'rtpengine_ts_srtp_replay_drops_total', 'SRTP/SRTCP packets dropped as replays (index seen already or behind the replay window)', W_SRTP_REPLAY_DROPS);
    perWorker('counter', 'rtpengine_ts_srtp_malformed_drops_total', 'SRTP/SRTCP packets dropped as too short or malformed, or for unusable keys', W_SRTP_MALFORMED);
    perWorker('counter', 'rtpengine_ts_srtp_unprotected_packets_total', 'SRTP/SRTCP packets decrypted and authenticated', W_SRTP_UNPROTECTED);
    perWorker('counter', 'rtpengine_ts_srtp_protected_packets_total', 'RTP/RTCP packets sent protected as SRTP/SRTCP', W_SRTP_PROTECTED);
    perWorker('counter', 'rtpengine_ts_non_media_drops_total', 'Packets neither RTP nor RTCP dropped: DTLS on a stream without DTLS, anything non-media on or toward an SRTP stream', W_NON_MEDIA_DROPS);
    perWorker('counter', 'rtpengine_ts_dtls_records_total', 'DTLS datagrams handed to the DTLS handler', W_DTLS_RECORDS);
    const dtlsCount = (name: string, help: string, field: keyof DtlsCounters): void =>
      counter(name, help, [], (m) => m.inc(s.dtls?.counters[field] ?? 0));
    dtlsCount('rtpengine_ts_dtls_handshakes_started_total', 'DTLS-SRTP handshakes started (one per media component, and per restart)', 'started');
    dtlsCount('rtpengine_ts_dtls_handshakes_completed_total', 'DTLS-SRTP handshakes completed with a matching fingerprint (keys installed)', 'completed');
    dtlsCount('rtpengine_ts_dtls_handshakes_failed_total', 'DTLS-SRTP handshakes given up (time limit, retransmissions exhausted, no SRTP profile)', 'failed');
    dtlsCount('rtpengine_ts_dtls_fingerprint_mismatches_total', 'DTLS-SRTP handshakes whose peer certificate did not match its a=fingerprint (no keys)', 'fingerprintMismatches');
    counter('rtpengine_ts_dtls_dropped_total', 'DTLS datagrams dropped before the handshake saw them, by reason', ['reason'], (m) => {
      m.inc({ reason: 'unmatched' }, s.dtls?.counters.dropped ?? 0);
      m.inc({ reason: 'rate' }, s.ctx.pool.dtlsCounter(C_RATE_DROPS));
      m.inc({ reason: 'queue' }, s.ctx.pool.dtlsCounter(C_FULL_DROPS));
    });
    perWorker('gauge', 'rtpengine_ts_worker_streams', 'Open media sockets (RTP + RTCP streams) in each media worker', W_ACTIVE_SLOTS);
    gauge('rtpengine_ts_calls', 'Calls currently known to the daemon', [], (g) => g.set(s.calls.calls.size));
    gauge('rtpengine_ts_packet_rate', 'Packets per second received over the last second', [], (g) => g.set(s.rates.packets));
    this.mosHistogram = new client.Histogram({
      name: 'rtpengine_ts_mos', help: 'MOS of each RTCP report block that yielded one (rtpengine 10.5 formula)',
      buckets: MOS_BUCKETS, registers: [r],
    });
    this.estimatedMosHistogram = new client.Histogram({
      name: 'rtpengine_ts_estimated_mos', help: 'Estimated MOS (from RTP loss/jitter, no RTCP) of streams at call end',
      buckets: MOS_BUCKETS, registers: [r],
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** At call end: the estimated MOS of each RTP stream that had no RTCP-based MOS. */
export function observeEstimates(m: Metrics, ctx: MediaContext, call: Call): void {
  for (const v of estimatedQuality(ctx, call, call.monologues).values()) {
    const mos = (v as Map<string, BEncodable>).get('MOS');
    if (typeof mos === 'number' && mos > 0) m.estimatedMosHistogram.observe(mos / 10);
  }
}
