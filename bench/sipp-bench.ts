/**
 * SIPp bench: SIPp pcap calls (g711a.pcap, ~15.4 s each) through real Kamailio (rtpengine module,
 * test/e2e's config and scenarios) with the media anchored in rtpengine-ts and in sipwise rtpengine
 * 10.5, in the same run, targets interleaved (ts, rtpengine, rtpengine, ts, ...). Every second it
 * samples the daemon: calls up (ng `list`), packets per second received (delta of `query` totals),
 * CPU (/proc/PID/stat) and MOS (`query`'s per-SSRC average MOS); at BYE Kamailio logs the `delete`
 * reply's MOS. Writes bench/out/<stamp>/sipp.json and SVG plots. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { NgClient } from './lib/ng-client.js';
import { queryStats } from './lib/ng-query-stats.js';
import { sampleProcess } from './lib/proc.js';
import { RunningTarget, rtpengineInstalled, type TargetConfig } from './lib/targets.js';
import { Component, MAX_CALLS_TOTAL, ROOT, SipStack, deleteMos, pickPorts, sippTotals, sleep } from './lib/sipp-stack.js';
import { gridSvg, plotSvg, type Panel } from './lib/svg-plot.js';

const HELP = `npm run bench:sipp -- [options]
  --rate N        calls per second (default 1)
  --calls N       at most N calls at once (SIPp -l; default 10)
  --duration S    seconds of placing calls: rate*duration calls in all (default 20; at most ${MAX_CALLS_TOTAL} calls)
  --targets LIST  ts,rtpengine (default; rtpengine only when /usr/bin/rtpengine exists)
  --reps N        runs per target, interleaved (default 1)
  --threads N     daemon worker threads (default 2)
  --no-rtcp       do not inject RTCP (no MOS then)
  --out DIR       output directory (default bench/out/<stamp>)
  --rtpengine BIN rtpengine binary (default /usr/bin/rtpengine)`;

interface Opts {
  rate: number; calls: number; duration: number; targets: string[]; reps: number; threads: number;
  rtcp: boolean; out: string; rtpengine: string;
}

function parse(argv: string[]): Opts {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const o: Opts = {
    rate: 1, calls: 10, duration: 20, targets: [], reps: 1, threads: 2, rtcp: true,
    out: join(ROOT, 'bench', 'out', stamp), rtpengine: '/usr/bin/rtpengine',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (): string => inline ?? argv[++i] ?? '';
    switch (k) {
      case '--rate': o.rate = Number(val()); break;
      case '--calls': o.calls = Number(val()); break;
      case '--duration': o.duration = Number(val()); break;
      case '--targets': o.targets = val().split(',').filter(Boolean); break;
      case '--reps': o.reps = Number(val()); break;
      case '--threads': o.threads = Number(val()); break;
      case '--no-rtcp': o.rtcp = false; break;
      case '--out': o.out = val(); break;
      case '--rtpengine': o.rtpengine = val(); break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: console.error(`unknown option ${a}\n${HELP}`); process.exit(2);
    }
  }
  if (o.targets.length === 0) o.targets = rtpengineInstalled(o.rtpengine) ? ['ts', 'rtpengine'] : ['ts'];
  for (const [n, v] of [['--rate', o.rate], ['--calls', o.calls], ['--duration', o.duration], ['--reps', o.reps]] as const) {
    if (!(v > 0)) { console.error(`${n} must be > 0`); process.exit(2); }
  }
  return o;
}

interface Sample {
  /** seconds since the UAC started */
  t: number;
  calls: number;
  pps: number;
  cpuPct: number;
  /** mean over the live calls' SSRCs of the daemon's average MOS; null before any RTCP */
  mos: number | null;
}

interface RunResult {
  target: string;
  rep: number;
  ports: number;
  samples: Sample[];
  summary: {
    callsCreated: number; callsSuccessful: number; callsFailed: number; peakCalls: number;
    medianPps: number; peakPps: number; cpuSeconds: number; meanCpuPct: number; peakRssKb: number;
    /** from `query` while the calls ran */
    mosQueryMean: number | null;
    /** mos_average of each call's `delete` reply (Kamailio's rtpengine module) */
    mosDeleteCalls: number; mosDeleteMean: number | null; mosDeleteMin: number | null;
    wallSeconds: number;
  };
  dir: string;
}

/** The fd limit the daemons get: the hard limit (prlimit cannot raise it without CAP_SYS_RESOURCE), at most 65536. */
function hardNofile(): number {
  try {
    const v = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? 65536 : Math.min(65536, Number(v) || 4096);
  } catch {
    return 4096;
  }
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Stops the run in progress (set while one runs). */
let active: (() => Promise<void>) | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\nsipp bench: ${sig}, stopping\n`);
    const stop = active;
    active = null;
    void (stop ? stop() : Promise.resolve()).finally(() => process.exit(130));
  });
}

async function runOne(o: Opts, target: string, rep: number): Promise<RunResult> {
  const ports = pickPorts();
  const dir = join(o.out, `${target}-${rep}`);
  mkdirSync(dir, { recursive: true });
  const totalCalls = Math.min(MAX_CALLS_TOTAL, Math.max(1, Math.round(o.rate * o.duration)));
  const maxSecs = Math.ceil(totalCalls / o.rate) + 60;
  const cfg: TargetConfig = {
    ngPort: ports.ng, portMin: ports.daemonMin, portMax: ports.daemonMax, threads: o.threads, rtpengineThreads: o.threads,
    cpu: '', nofile: hardNofile(), logDir: dir, rtpengineBin: o.rtpengine, extraArgs: [],
  };
  const daemon = RunningTarget.start(target, cfg, 'daemon');
  const ng = new NgClient('127.0.0.1', ports.ng, 500, 2);
  await ng.open();
  const stack = new SipStack({ dir, ports, totalCalls, rate: o.rate, concurrency: o.calls, pcapDir: '/usr/share/sip-tester', rtcp: o.rtcp, maxSecs });
  // Ctrl-C / SIGTERM: the SIP side runs in process groups of its own, so stop them here.
  active = async (): Promise<void> => {
    await stack.close();
    await daemon.stop();
  };
  const samples: Sample[] = [];
  const mosAll: number[] = [];
  let uac: Component | null;
  let peakRssKb = 0;
  const t0 = Date.now();
  try {
    if (!(await ng.waitReady(10000))) throw new Error(`${target} did not answer ng ping (${daemon.log})`);
    await stack.start();
    uac = stack.startUac();
    const prevPackets = new Map<string, number>();
    let prevProc = sampleProcess(daemon.pid);
    let prevAt = Date.now();
    const uacT0 = Date.now();
    while (uac.alive) {
      await Promise.race([sleep(1000 - ((Date.now() - uacT0) % 1000)), uac.exited]);
      const now = Date.now();
      const proc = sampleProcess(daemon.pid);
      if (proc) peakRssKb = Math.max(peakRssKb, proc.hwmKb);
      let ids: string[] = [];
      try {
        const l = await ng.request({ command: 'list', limit: 10000 });
        const calls = l.dict['calls'];
        if (Array.isArray(calls)) ids = calls.map((c) => String(c));
      } catch { /* counted as no calls */ }
      let delta = 0;
      const mos: number[] = [];
      const seen = new Map<string, number>();
      await Promise.all(ids.map(async (id) => {
        try {
          const q = await ng.request({ command: 'query', 'call-id': id });
          if (q.dict['result'] !== 'ok') return;
          const r = queryStats(q.dict);
          seen.set(id, r.packets);
          delta += r.packets - (prevPackets.get(id) ?? 0);
          mos.push(...r.mos);
        } catch { /* call gone between list and query */ }
      }));
      prevPackets.clear();
      for (const [k, v] of seen) prevPackets.set(k, v);
      const dt = (now - prevAt) / 1000;
      const cpuPct = proc && prevProc && dt > 0 ? ((proc.cpuS - prevProc.cpuS) / dt) * 100 : 0;
      prevProc = proc ?? prevProc;
      prevAt = now;
      const s: Sample = { t: Math.round((now - uacT0) / 100) / 10, calls: ids.length, pps: dt > 0 ? Math.round(delta / dt) : 0, cpuPct: Math.round(cpuPct * 10) / 10, mos: mean(mos) };
      if (s.mos !== null) mosAll.push(s.mos);
      samples.push(s);
      const line = `[${target} #${rep}] t=${s.t.toFixed(0)}s calls up ${s.calls} pps ${s.pps} CPU ${s.cpuPct.toFixed(1)}%` +
        ` MOS ${s.mos === null ? '-' : s.mos.toFixed(2)}`;
      // a live line on a terminal; every 5 s otherwise (logs, CI)
      if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
      else if (samples.length % 5 === 1) process.stderr.write(`${line}\n`);
      if (!daemon.alive) throw new Error(`${target} exited during the run (${daemon.log})`);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    await sleep(1000);
  } finally {
    active = null;
    await stack.close();
    ng.close();
    await daemon.stop();
  }
  const st = sippTotals(join(dir, 'sipp-uac-stats.csv'));
  const kamLog = stack.parts.find((c) => c.name === 'kamailio')?.logText() ?? '';
  const dm = deleteMos(kamLog);
  const procEnd = samples.length;
  const busy = samples.filter((s) => s.calls > 0);
  const cpuSeconds = samples.reduce((a, s, i) => a + (s.cpuPct / 100) * (i === 0 ? s.t : s.t - samples[i - 1]!.t), 0);
  return {
    target, rep, ports: ports.base, samples, dir,
    summary: {
      callsCreated: st.created, callsSuccessful: st.successful, callsFailed: st.failed,
      peakCalls: Math.max(0, ...samples.map((s) => s.calls)),
      medianPps: median(busy.map((s) => s.pps)), peakPps: Math.max(0, ...samples.map((s) => s.pps)),
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      meanCpuPct: Math.round((mean(busy.map((s) => s.cpuPct)) ?? 0) * 10) / 10,
      peakRssKb,
      mosQueryMean: mean(mosAll), mosDeleteCalls: dm.length, mosDeleteMean: mean(dm),
      mosDeleteMin: dm.length ? Math.min(...dm) : null,
      wallSeconds: procEnd ? samples[procEnd - 1]!.t : Math.round((Date.now() - t0) / 1000),
    },
  };
}

const LABEL: Record<string, string> = { ts: 'rtpengine-ts', rtpengine: 'rtpengine 10.5' };
const METRICS: Array<{ key: string; title: string; yLabel: string; f: (s: Sample) => number | null; yMin: number; yMax?: number }> = [
  { key: 'calls', title: 'Calls up (ng list)', yLabel: 'calls', f: (s) => s.calls, yMin: 0 },
  { key: 'pps', title: 'Packets/s received (ng query totals)', yLabel: 'packets/s', f: (s) => s.pps, yMin: 0 },
  { key: 'cpu', title: 'Daemon CPU (/proc utime+stime)', yLabel: '% of one core', f: (s) => s.cpuPct, yMin: 0 },
  { key: 'mos', title: 'MOS (mean of live calls, ng query)', yLabel: 'MOS', f: (s) => s.mos, yMin: 1, yMax: 4.5 },
];

/** One column per target (its reps overlaid), one row per metric, the same y range across a row. */
function sideBySide(runs: RunResult[], targets: string[]): Panel[] {
  const out: Panel[] = [];
  for (const m of METRICS) {
    const ys = runs.flatMap((r) => r.samples.map(m.f)).filter((y): y is number => y !== null);
    const yMax = Math.max(m.yMax ?? 0, ...ys);
    for (const t of targets) {
      const mine = runs.filter((r) => r.target === t);
      out.push({
        title: `${LABEL[t] ?? t}: ${m.title}`, xLabel: 'seconds', yLabel: m.yLabel, yMin: m.yMin, yMax,
        series: mine.map((r) => ({
          name: `${LABEL[t] ?? t} #${r.rep}`,
          color: (COLORS[t] ?? ['#2ca02c', '#98df8a', '#006d2c'])[(r.rep - 1) % 3]!,
          points: r.samples.map((s) => [s.t, m.f(s)] as [number, number | null]),
        })),
      });
    }
  }
  return out;
}

const COLORS: Record<string, string[]> = { ts: ['#1f77b4', '#6baed6', '#08519c'], rtpengine: ['#d62728', '#fc9272', '#a50f15'] };

/** One panel per metric, every run overlaid. */
function panels(runs: RunResult[]): Panel[] {
  return METRICS.map((m) => ({
    title: m.title, xLabel: 'seconds', yLabel: m.yLabel, yMin: m.yMin, yMax: m.yMax,
    series: runs.map((r) => ({
      name: `${LABEL[r.target] ?? r.target}${runs.filter((x) => x.target === r.target).length > 1 ? ` #${r.rep}` : ''}`,
      color: (COLORS[r.target] ?? ['#2ca02c', '#98df8a', '#006d2c'])[(r.rep - 1) % 3]!,
      points: r.samples.map((s) => [s.t, m.f(s)] as [number, number | null]),
    })),
  }));
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (!existsSync('/usr/share/sip-tester/g711a.pcap')) throw new Error('/usr/share/sip-tester/g711a.pcap missing (package sip-tester)');
  mkdirSync(o.out, { recursive: true });
  const totalCalls = Math.min(MAX_CALLS_TOTAL, Math.max(1, Math.round(o.rate * o.duration)));
  console.log(`sipp bench: ${totalCalls} calls at ${o.rate}/s, at most ${o.calls} at once, targets ${o.targets.join(',')} x ${o.reps}; out ${o.out}`);
  const runs: RunResult[] = [];
  // interleaved: ts, rtpengine, then rtpengine, ts, ... so neither always runs first
  for (let rep = 1; rep <= o.reps; rep++) {
    const order = rep % 2 === 1 ? o.targets : [...o.targets].reverse();
    for (const t of order) {
      const r = await runOne(o, t, rep);
      runs.push(r);
      const s = r.summary;
      console.log(`${t} #${rep}: calls ${s.callsSuccessful}/${s.callsCreated} ok (${s.callsFailed} failed), peak ${s.peakCalls} up, ` +
        `pps median ${s.medianPps} peak ${s.peakPps}, CPU mean ${s.meanCpuPct}% (${s.cpuSeconds} s), ` +
        `MOS query ${s.mosQueryMean?.toFixed(2) ?? '-'}, delete ${s.mosDeleteMean?.toFixed(2) ?? '-'} over ${s.mosDeleteCalls} calls (min ${s.mosDeleteMin ?? '-'})`);
    }
  }
  const ps = panels(runs);
  writeFileSync(join(o.out, 'sipp.json'), JSON.stringify({ options: { ...o, totalCalls }, date: new Date().toISOString(), runs }, null, 1));
  writeFileSync(join(o.out, 'sipp.svg'), gridSvg(ps, 2));
  const names = METRICS.map((m) => m.key);
  ps.forEach((p, i) => writeFileSync(join(o.out, `sipp-${names[i]}.svg`), plotSvg(p)));
  writeFileSync(join(o.out, 'sipp-side-by-side.svg'), gridSvg(sideBySide(runs, o.targets), o.targets.length));
  console.log(`wrote ${join(o.out, 'sipp.json')}; plots: sipp.svg (four panels, daemons overlaid), ` +
    `sipp-side-by-side.svg (one column per daemon), sipp-{${names.join(',')}}.svg`);
}

main().catch((e: unknown) => {
  console.error(`\nsipp bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
