/**
 * Prometheus exposition (`GET /metrics` on --listen-http) via prom-client, registry and text format
 * only: every value is read at scrape time from the same counters `statistics` uses (the workers'
 * SharedArrayBuffers, the call manager's session counters), so nothing here runs per packet.
 * rtpengine 10.5's own families come first (rtpengine-families.ts: its names, labels and help texts,
 * checked against the real daemon); rtpengine-ts additions use the `rtpengine_ts_` prefix. Every
 * metric is documented in docs/metrics.md.
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
import type { TrafficRates } from '../control/statistics.js';
import type { ControlStats } from '../control/control-stats.js';
import { RtpengineFamilies } from './rtpengine-families.js';
import type { DtlsCounters } from '../dtls/dtls-service.js';
import { C_FULL_DROPS, C_RATE_DROPS } from '../media/dtls-channel.js';

export interface MetricSources {
  ctx: MediaContext;
  /** DTLS-SRTP handshake counters (daemon/dtls/dtls-service.ts); absent: reported as 0. */
  dtls?: { counters: DtlsCounters } | null;
  calls: CallManager;
  /** ng requests per control peer (rtpengine_requests_total, _request_seconds_total, _errors_total); absent: not exported. */
  control?: ControlStats | null;
  rates: TrafficRates;
  startedMs: number;
}

/** MOS buckets (MOS, not ×10): the E-model range 1.0–4.5 in steps that separate bad/fair/good. */
const MOS_BUCKETS = [1.5, 2.0, 2.5, 3.0, 3.3, 3.6, 3.9, 4.1, 4.3, 4.5];

export class Metrics {
  readonly registry = new client.Registry();
  private readonly rtpengine: RtpengineFamilies;
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
    this.rtpengine = new RtpengineFamilies(s);

    // rtpengine 10.5's own families are written by RtpengineFamilies (rtpengine-families.ts), ahead of these.
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

  /** rtpengine's families first (as its /metrics), then ours. */
  async text(): Promise<string> {
    return this.rtpengine.text() + (await this.registry.metrics());
  }
}

/** At call end: the estimated MOS of each RTP stream that had no RTCP-based MOS. */
export function observeEstimates(m: Metrics, ctx: MediaContext, call: Call): void {
  for (const v of estimatedQuality(ctx, call, call.monologues).values()) {
    const mos = (v as Map<string, BEncodable>).get('MOS');
    if (typeof mos === 'number' && mos > 0) m.estimatedMosHistogram.observe(mos / 10);
  }
}
