/**
 * Tables of a bench run: per-test rows (medians over repetitions), ratios of rtpengine-ts to
 * rtpengine from the same run, and the verdict against the targets of issue 4.
 */
import type { Row } from './runner.js';

const NUMERIC_KEYS: (keyof Row)[] = [
  'calls', 'windowS', 'offeredPps', 'fwdPps', 'lossPct', 'lost', 'p50Ms', 'p99Ms', 'p999Ms', 'maxMs', 'cpuS', 'schedCpuS',
  'usPerPkt', 'utilPct', 'rssMb', 'hwmMb', 'idleRssMb', 'threads', 'relayDrops', 'lgUtilPct', 'orchUtilPct', 'cpu0BusyPct',
  'cpu1BusyPct', 'otherOnDaemonCpuPct', 'markDelayMs', 'setupS', 'setupCallsPerS', 'ngCallsPerS', 'ngReqPerS',
  'ngP50Ms', 'ngP99Ms', 'ngMaxMs', 'ngErrors', 'ngRetransmits', 'usPerCall',
];

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export interface Agg {
  row: Row;
  reps: number;
  failed: number;
  usPerPktRange: [number, number];
}

/** Median of every numeric field over the successful repetitions of (target, test). */
export function aggregate(rows: Row[]): Map<string, Agg> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.test}|${r.target}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out = new Map<string, Agg>();
  for (const [k, rs] of groups) {
    const ok = rs.filter((r) => !r.error);
    const base: Row = { ...(ok[0] ?? rs[0]!) };
    for (const key of NUMERIC_KEYS) (base as unknown as Record<string, number>)[key] = median(ok.map((r) => r[key] as number));
    base.checks = [...new Set(ok.map((r) => r.checks).filter(Boolean))].join(' | ');
    base.others = [...new Set(ok.map((r) => r.others).filter(Boolean))].join(' | ');
    if (ok.length === 0) base.error = rs.map((r) => r.error).join('; ');
    const us = ok.map((r) => r.usPerPkt).filter(Number.isFinite);
    out.set(k, { row: base, reps: ok.length, failed: rs.length - ok.length, usPerPktRange: [Math.min(...us), Math.max(...us)] });
  }
  return out;
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const fi = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const ratio = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
const fr = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');

function table(head: string[], body: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderReport(rows: Row[], targets: string[], tests: string[]): string {
  const agg = aggregate(rows);
  const get = (test: string, target: string): Agg | undefined => agg.get(`${test}|${target}`);
  const ref = targets.includes('rtpengine') ? 'rtpengine' : null;
  const parts: string[] = [];

  /** One table: a row per (test, target) that ran; a failed one is padded to the header's width. */
  const section = (title: string, sectionTests: string[], head: string[], cells: (r: Row, refRow: Row | undefined, a: Agg) => string[]): void => {
    if (sectionTests.length === 0) return;
    const body: string[][] = [];
    for (const test of sectionTests) {
      for (const target of targets) {
        const a = get(test, target);
        if (!a) continue;
        const r = a.row;
        if (a.reps === 0) {
          body.push([test, target, `FAILED: ${r.error ?? ''}`, ...Array<string>(head.length - 3).fill('')]);
          continue;
        }
        const refRow = ref && target !== ref ? get(test, ref)?.row : undefined;
        body.push([test, target, ...cells(r, refRow, a)]);
      }
    }
    parts.push(title);
    parts.push(table(head, body));
  };

  section('### RTP forwarding\n', tests.filter((t) => /^(rate\d+|srtp\d+|srtpgcm\d+|flood|scale\d+)$/.test(t)), [
    'test', 'target', 'calls', 'offered pps', 'fwd pps', 'loss % (pkts)', 'p50 ms', 'p99 ms', 'max ms',
    'daemon CPU-µs/pkt', 'ratio', 'daemon util %', 'RSS MB', 'loadgen util %', 'other on daemon CPU %',
    'setup calls/s', 'checks',
  ], (r, refRow, a) => {
    const range = a.reps > 1 ? ` (${f(a.usPerPktRange[0], 2)}-${f(a.usPerPktRange[1], 2)})` : '';
    return [
      fi(r.calls), fi(r.offeredPps), fi(r.fwdPps), `${f(r.lossPct, 3)} (${fi(r.lost)})`,
      f(r.p50Ms, 2), f(r.p99Ms, 2), f(r.maxMs, 1),
      `**${f(r.usPerPkt, 2)}**${range}`, refRow ? fr(ratio(r.usPerPkt, refRow.usPerPkt)) : '',
      f(r.utilPct, 0), f(r.rssMb, 1), f(r.lgUtilPct, 0), f(r.otherOnDaemonCpuPct, 0), f(r.setupCallsPerS, 0),
      r.checks || '',
    ];
  });

  section('\n### ng control (offer + answer + delete per call)\n', tests.filter((t) => /^(ng|ngrate\d+)$/.test(t)), [
    'test', 'target', 'calls/s', 'ratio', 'reply p50 ms', 'reply p99 ms', 'reply max ms', 'daemon CPU-µs/call',
    'daemon util %', 'RSS peak MB', 'ng-load util %', 'other on daemon CPU %', 'checks',
  ], (r, refRow) => [
    `**${fi(r.ngCallsPerS)}**`, refRow ? fr(ratio(r.ngCallsPerS, refRow.ngCallsPerS)) : '',
    f(r.ngP50Ms, 2), `**${f(r.ngP99Ms, 2)}**`, f(r.ngMaxMs, 1), f(r.usPerCall, 0), f(r.utilPct, 0),
    f(r.hwmMb, 0), f(r.lgUtilPct, 0), f(r.otherOnDaemonCpuPct, 0), r.checks || '',
  ]);

  const ts = 'ts';
  if (targets.includes(ts)) {
    const v: string[][] = [];
    const line = (what: string, test: string, pick: (r: Row) => number, unit: string, goal: string,
      judge: (tsv: number, refv: number) => boolean | null, d = 2): void => {
      const a = get(test, ts);
      if (!a || a.reps === 0) return;
      const refA = ref ? get(test, ref) : undefined;
      const tv = pick(a.row);
      const rv = refA && refA.reps > 0 ? pick(refA.row) : NaN;
      const ok = judge(tv, rv);
      v.push([what, `${f(tv, d)}${unit}`, Number.isFinite(rv) ? `${f(rv, d)}${unit}` : '-', fr(ratio(tv, rv)), goal,
        ok === null ? 'n/a' : ok ? 'yes' : '**no**']);
    };
    const le = (k: number) => (a: number, b: number): boolean | null => (Number.isFinite(b) ? a <= k * b : null);
    line('CPU-µs per forwarded packet, 500 calls', 'rate500', (r) => r.usPerPkt, '', '≤ 1.0x', le(1));
    line('CPU-µs per forwarded packet, 1000 calls', 'rate1000', (r) => r.usPerPkt, '', '≤ 1.0x', le(1));
    line('CPU-µs per forwarded packet, flood', 'flood', (r) => r.usPerPkt, '', '≤ 1.0x', le(1));
    line('1000 calls, 1 worker: loss', 'rate1000', (r) => r.lossPct, ' %', '0 %', (a) => a === 0, 3);
    line('1000 calls, 1 worker: p99 latency', 'rate1000', (r) => r.p99Ms, ' ms', '≤ 1.5x', le(1.5));
    line('RSS at 1000 calls', 'rate1000', (r) => r.rssMb, ' MB', '≤ 1.0x', le(1));
    for (const t of tests.filter((x) => /^scale\d+$/.test(x))) {
      const a = get(t, ts);
      if (a && a.reps > 0) {
        const r = a.row;
        const rr = ref ? get(t, ref)?.row : undefined;
        const want = Number(t.slice(5));
        const desc = (x: Row): string => `${fi(x.calls)} calls set up, ${/streams_forwarding=(\S+)/.exec(x.checks)?.[1] ?? '-'} ` +
          `streams forwarding, loss ${f(x.lossPct, 3)} %`;
        v.push([`${fi(want)} concurrent calls set up and forwarding`, desc(r), rr && Number.isFinite(rr.calls) ? desc(rr) : '-', '',
          'all calls, all streams forwarding', r.calls === want && !/silent_streams/.test(r.checks) ? 'yes' : '**no**']);
      } else if (a) {
        v.push([`${t}`, `FAILED: ${a.row.error ?? ''}`, '', '', 'all streams forwarding', '**no**']);
      }
    }
    line('ng offer+answer+delete, closed loop', 'ng', (r) => r.ngCallsPerS, ' calls/s', '≥ 2000 calls/s', (a) => a >= 2000, 0);
    for (const t of tests.filter((x) => /^ngrate\d+$/.test(x))) {
      line(`ng reply p99 at ${t.slice(6)} calls/s`, t, (r) => r.ngP99Ms, ' ms', '≤ 5 ms', (a) => a <= 5);
      line(`ng calls/s achieved at ${t.slice(6)} calls/s offered`, t, (r) => r.ngCallsPerS, '', `≥ ${t.slice(6)}`,
        (a) => a >= 0.98 * Number(t.slice(6)), 0);
    }
    line('ng reply p99, closed loop', 'ng', (r) => r.ngP99Ms, ' ms', '(info)', () => null);
    if (v.length) {
      parts.unshift(table(['issue 4 target', 'rtpengine-ts', 'rtpengine', 'ratio', 'goal', 'met'], v) + '\n');
      parts.unshift('### Targets (rtpengine-ts vs rtpengine, same run)\n');
    }
  }
  return parts.join('\n') + '\n';
}
