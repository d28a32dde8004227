/**
 * docs/grafana-dashboard.json: loadable by Grafana (the fields its dashboard import needs), and every
 * panel query names only families /metrics exports (rtpengine's and ours), with rate()/increase()
 * only over counters.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../daemon/metrics/prometheus.js';
import { parseFamilies } from '../helpers/prom-text.js';
import { stubSources } from '../helpers/metrics-stub.js';

interface Target { expr: string; refId: string; legendFormat?: string; datasource?: unknown }
interface Panel {
  id: number; type: string; title: string; datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number }; targets: Target[];
}

const dashboard = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/grafana-dashboard.json', import.meta.url)), 'utf8')) as {
  title: string; uid: string; schemaVersion: number; panels: Panel[]; time: { from: string; to: string };
  templating: { list: { name: string; type: string; query: unknown }[] };
};

/** Family name → type, from a real scrape of the Metrics class (sources stubbed, transcoding on). */
async function exported(): Promise<Map<string, string>> {
  const fams = parseFamilies(await new Metrics(stubSources()).text());
  return new Map([...fams].map(([n, f]) => [n, f.type]));
}

/** Metric names in a PromQL expression: identifiers not followed by `(` and not label names, keywords or range/label text. */
function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const noGrouping = noStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...noGrouping.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => !/^\d/.test(n));
}

describe('docs/grafana-dashboard.json', () => {
  it('has what Grafana needs to import it', () => {
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(30);
    expect(dashboard.time.from).toBeTruthy();
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'instance']));
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    const ids = new Set<number>();
    for (const p of dashboard.panels) {
      expect(ids.has(p.id), `panel id ${p.id}`).toBe(false);
      ids.add(p.id);
      expect(['stat', 'timeseries', 'gauge', 'table', 'bargauge'], p.title).toContain(p.type);
      expect(p.title).toBeTruthy();
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      const g = p.gridPos;
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      expect(g.w > 0 && g.h > 0 && g.x >= 0 && g.y >= 0, p.title).toBe(true);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets.map((t) => t.refId)).size, p.title).toBe(p.targets.length);
    }
  });

  it('queries only families /metrics exports, rate() only over counters, and covers the operator views', async () => {
    const fams = await exported();
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          const family = fams.has(n) ? n : n.replace(/_(bucket|sum|count)$/, '');
          expect(fams.has(family), `${p.title}: ${n} is not exported`).toBe(true);
          used.add(family);
        }
        for (const m of t.expr.matchAll(/\b(rate|increase|irate)\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
          const n = m[2]!;
          const type = fams.get(n) ?? fams.get(n.replace(/_bucket$/, ''));
          expect(['counter', 'histogram'], `${p.title}: ${m[1]}(${n})`).toContain(type);
        }
      }
    }
    for (const f of [
      'rtpengine_sessions', 'rtpengine_requests_total', 'rtpengine_request_seconds_total', 'rtpengine_errors_total',
      'rtpengine_packets_total', 'rtpengine_bytes_total', 'rtpengine_mos_total', 'rtpengine_mos_samples_total',
      'rtpengine_ports_used', 'rtpengine_ports_free', 'rtpengine_transcoded_media', 'rtpengine_ts_worker_packets_total',
    ]) expect(used.has(f), f).toBe(true);
  });

  it('finds metric names in PromQL (the check above can fail)', () => {
    expect(metricNames('sum by (request) (rate(rtpengine_requests_total{instance=~"$instance"}[$__rate_interval])) > 0'))
      .toEqual(['rtpengine_requests_total']);
    expect(metricNames('histogram_quantile(0.1, sum by (le) (rate(x_bucket{a="b"}[5m]))) / y')).toEqual(['x_bucket', 'y']);
  });
});
