/**
 * GET /metrics on --listen-http (issue 5): valid Prometheus text exposition with rtpengine's metric
 * names, and the counters move when traffic flows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';
import { freeTcpPort } from '../helpers/ng-transports.js';


type Samples = Map<string, number>;

/**
 * Parses the text format (Prometheus exposition format 0.0.4) strictly: HELP/TYPE comments, then
 * `name{label="value",...} number` lines; every sample's metric family must have a TYPE.
 */
function parseExposition(text: string): Samples {
  const types = new Map<string, string>();
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) { types.set(t[1]!, t[2]!); continue; }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(m[1]!) && !types.has(family)) throw new Error(`sample without TYPE: ${line}`);
    samples.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

let d: DaemonHandle;
let httpPort = 0;
beforeAll(async () => {
  httpPort = await freeTcpPort();
  d = await startDaemon([`--listen-http=127.0.0.1:${httpPort}`]);
});
afterAll(async () => { await d.close(); });

async function scrape(): Promise<Samples> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await res.text());
}

describe('/metrics', () => {
  it('exposes rtpengine\'s metrics and ours, and they move with traffic', async () => {
    const before = await scrape();
    for (const name of [
      'rtpengine_sessions{type="own"}', 'rtpengine_packets_total{type="userspace"}', 'rtpengine_bytes_total{type="userspace"}',
      'rtpengine_closed_sessions_total{reason="terminated"}', 'rtpengine_mos_samples_total', 'rtpengine_uptime_seconds',
      'rtpengine_ports_used{name="default",address="127.0.0.1"}', 'rtpengine_ts_worker_packets_total{worker="0"}',
      'rtpengine_ts_worker_streams{worker="1"}', 'rtpengine_ts_mos_count', 'rtpengine_ts_estimated_mos_count',
      'rtpengine_ts_srtp_auth_failures_total{worker="0"}', 'rtpengine_ts_srtp_replay_drops_total{worker="1"}',
      'rtpengine_ts_srtp_malformed_drops_total{worker="0"}', 'rtpengine_ts_srtp_unprotected_packets_total{worker="0"}',
      'rtpengine_ts_srtp_protected_packets_total{worker="0"}', 'rtpengine_ts_non_media_drops_total{worker="0"}',
      'rtpengine_ts_dtls_records_total{worker="0"}',
    ]) expect(before.has(name), name).toBe(true);
    expect(before.get('rtpengine_sessions{type="own"}')).toBe(0);

    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      const { toA, toB } = await twoPartyCall(d, 'm-1', a.port, b.port);
      for (let i = 0; i < 40; i++) {
        a.send(rtpPacket(0, i, i * 160, 1), toA);
        b.send(rtpPacket(0, i, i * 160, 2), toB);
      }
      await Promise.all([a.waitFor(40), b.waitFor(40)]);
      const during = await scrape();
      expect(during.get('rtpengine_sessions{type="own"}')).toBe(1);
      expect(during.get('rtpengine_ports_used{name="default",address="127.0.0.1"}')).toBe(4); // two RTP/RTCP pairs, as golden 06
      const pk = (s: Samples): number => s.get('rtpengine_packets_total{type="userspace"}')!;
      expect(pk(during) - pk(before)).toBe(80);
      expect(during.get('rtpengine_bytes_total{type="userspace"}')! - before.get('rtpengine_bytes_total{type="userspace"}')!).toBe(80 * 172);
      const workers = (during.get('rtpengine_ts_worker_packets_total{worker="0"}') ?? 0) + (during.get('rtpengine_ts_worker_packets_total{worker="1"}') ?? 0);
      expect(workers).toBe(pk(during));

      await d.ng.request({ command: 'delete', 'call-id': 'm-1', 'delete-delay': 0 });
      const after = await scrape();
      expect(after.get('rtpengine_sessions{type="own"}')).toBe(0);
      expect(after.get('rtpengine_sessions_total')).toBe(1);
      expect(after.get('rtpengine_closed_sessions_total{reason="terminated"}')).toBe(1);
      // Both directions carried RTP without RTCP: two estimated MOS observations at call end.
      expect(after.get('rtpengine_ts_estimated_mos_count')).toBe(2);
      expect(after.get('rtpengine_ts_estimated_mos_bucket{le="4.5"}')).toBe(2);
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });
});
