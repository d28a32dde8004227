/**
 * daemon/metrics/rtpengine-families.ts: rtpengine 10.5's /metrics text (the shapes measured against
 * the real daemon; the integration test metrics-compat compares with it live).
 */
import { describe, expect, it } from 'vitest';
import { RtpengineFamilies, activeTranscoding, codecLabel } from '../../daemon/metrics/rtpengine-families.js';
import { Metrics } from '../../daemon/metrics/prometheus.js';
import { parseFamilies, sampleValue } from '../helpers/prom-text.js';
import { stubSources } from '../helpers/metrics-stub.js';

describe('rtpengine families', () => {
  it('prints rtpengine\'s lines: HELP only where rtpengine has one, %.6f where rtpengine uses it', () => {
    const text = new RtpengineFamilies(stubSources()).text();
    expect(text).toContain('# HELP rtpengine_sessions Owned sessions\n# TYPE rtpengine_sessions gauge\nrtpengine_sessions{type="own"} 1\nrtpengine_sessions{type="foreign"} 0\n');
    expect(text).toContain('rtpengine_call_duration_avg 1.750000\n');
    expect(text).toContain('rtpengine_mos_total 8.600000\n');
    expect(text).toContain('rtpengine_closed_sessions_total{reason="timeout"} 1\n');
    expect(text).toContain('# TYPE rtpengine_requests_total counter\nrtpengine_requests_total{proxy="192.0.2.7",request="ping"} 0\n');
    expect(text).toContain('rtpengine_request_seconds_total{proxy="192.0.2.7",request="offer"} 0.001500\n');
    expect(text).toContain('# TYPE rtpengine_errors_total counter\nrtpengine_errors_total{proxy="192.0.2.7"} 2\n');
    expect(text).toContain('# TYPE rtpengine_ports_used gauge\nrtpengine_ports_used{name="default",address="127.0.0.1"} 4\n');
    expect(text).toContain('rtpengine_ports_free{name="default",address="127.0.0.1"} 96\n');
    expect(text).not.toMatch(/# HELP rtpengine_(ports|requests|request_seconds|errors|transcoders|transcode_)/);
    const f = parseFamilies(text);
    // Only rtpengine's commands (24, in its order), not the unknown one.
    expect(f.get('rtpengine_requests_total')!.samples.map((s) => s.labels.get('request'))).toHaveLength(24);
    expect(sampleValue(f.get('rtpengine_packets_total'), { type: 'userspace' })).toBe(40);
    expect(sampleValue(f.get('rtpengine_packets_total'), { type: 'kernel' })).toBe(0);
  });

  it('counts transcoding chains as rtpengine labels them, and keeps a chain once seen', () => {
    const s = stubSources();
    expect(activeTranscoding(s.calls)).toEqual({ media: 2, chains: new Map([['PCMU/8000 -> PCMA/8000', 1]]) });
    expect(codecLabel({ name: 'opus', clock: 48000, channels: 2, bitrate: 0, fmtp: '', ptime: 20 })).toBe('opus/48000/2');
    const fams = new RtpengineFamilies(s);
    expect(fams.text()).toContain('# TYPE rtpengine_transcoders gauge\nrtpengine_transcoders{chain="PCMU/8000 -> PCMA/8000"} 1\n');
    // The workers' per-chain totals, no HELP, as rtpengine 10.5 prints them.
    expect(fams.text()).toContain('# TYPE rtpengine_transcode_packets_total counter\nrtpengine_transcode_packets_total{chain="PCMU/8000 -> PCMA/8000"} 50\n');
    expect(fams.text()).toContain('# TYPE rtpengine_transcode_bytes_total counter\nrtpengine_transcode_bytes_total{chain="PCMU/8000 -> PCMA/8000"} 8000\n');
    expect(fams.text()).toContain('# TYPE rtpengine_transcode_samples_total counter\nrtpengine_transcode_samples_total{chain="PCMU/8000 -> PCMA/8000"} 8000\n');
    const media = [...s.calls.calls.values()][0]!.monologues[0]!.medias[0]!;
    media.transcode = null;
    for (const m of [...s.calls.calls.values()][0]!.monologues) m.medias[0]!.transcoding = false;
    const after = fams.text();
    expect(after).toContain('rtpengine_transcoded_media 0\n');
    expect(after).toContain('rtpengine_transcoders{chain="PCMU/8000 -> PCMA/8000"} 0\n');
    expect(after).toContain('rtpengine_transcode_packets_total{chain="PCMU/8000 -> PCMA/8000"} 50\n');
    expect(new RtpengineFamilies(stubSources({ transcode: null })).text()).not.toMatch(/rtpengine_transcode(rs|_)/);
  });

  it('puts rtpengine\'s families before ours, each family once', async () => {
    const text = await new Metrics(stubSources()).text();
    const f = parseFamilies(text); // throws on a second TYPE for a family
    const names = [...f.keys()];
    expect(names.findIndex((n) => n.startsWith('rtpengine_ts_'))).toBeGreaterThan(names.indexOf('rtpengine_ports'));
    expect(f.get('rtpengine_ts_worker_packets_total')!.samples).toHaveLength(2);
  });
});
