#!/usr/bin/env node
/**
 * Idle and low-load CPU of rtpengine-ts against rtpengine 10.5 (`npm run bench:idle`): what a daemon
 * costs with no calls and with a few (10, 50) plain PCMU calls of 20 ms packets both ways, where fixed
 * per-tick and per-wake costs dominate rather than the per-packet path.
 *
 * Each (rep, load, target) is a fresh daemon (bench/lib/targets.ts: pinned with taskset, the same
 * rtpengine options for both), interleaved. With 0 calls the daemon is left alone for --warmup s after
 * it answers ping, then /proc/PID is sampled over --duration s; with N calls bench/lib/runner.ts sets
 * them up over ng and bench/rtp-load.c sends and receives the RTP (CPU sampled at its window marks,
 * latency from its timestamps). Prints medians and min–max: CPU % from utime+stime (/proc/PID/stat, 10 ms
 * ticks), CPU % from the threads' schedstat run time (ns; the finer of the two at idle), wake-ups per
 * second (voluntary context switches of all threads: how often the daemon went to sleep), and the
 * forwarding latency p50/p99 at N calls.
 *
 *   npm run bench:idle                                   # ts and rtpengine, loads 0,10,50, 3 reps
 *   npm run bench:idle -- --targets ts,ts-base --base-cmd "node --max-semi-space-size=4 /old/dist/daemon/main.js"
 *   npm run bench:idle -- --loads 0 --duration 20 --reps 5
 *
 * Options: --targets (ts,rtpengine; also ts-base with --base-cmd, ts-dgram), --loads (0,10,50), --reps (3),
 * --duration S (10), --warmup S (3), --threads N (2: both daemons' --num-threads, the default of either on
 * a 2-CPU machine), --daemon-cpu C (0, "none"), --lg-cpu C (1, "none"), --ts-cmd, --base-cmd,
 * --daemon-arg ARG (repeatable), --ng-port (22610), --lg-port (22700), --port-min/--port-max (46000-51999; clear of the golden tests' fixed 40000-44700),
 * --out DIR (bench/out/idle-STAMP).
 * Needs `npx tsc -p .` first (it uses dist/bench/lib); `npm run bench:idle` does that.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = (name) => import(join(ROOT, 'dist', 'bench', 'lib', `${name}.js`));
const [{ parseOptions }, { parseTest, runRtp }, { RunningTarget, rtpengineInstalled }, { buildTool }, { sampleProcess }, { NgClient }] =
  await Promise.all([lib('options'), lib('runner'), lib('targets'), lib('loadgen'), lib('proc'), lib('ng-client')]);

// --- options: ours first, the rest goes to bench/lib/options.ts (same names as npm run bench)
const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
let loads = [0, 10, 50];
const rest = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--loads' || a.startsWith('--loads=')) {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    loads = v.split(',').map(Number);
    if (loads.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--loads: ${v}`);
  } else rest.push(a);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const o = parseOptions(rest, { targets: rtpengineInstalled('/usr/bin/rtpengine') ? ['ts', 'rtpengine'] : ['ts'], tests: [] });
if (!rest.some((a) => a.startsWith('--reps'))) o.reps = 3;
if (!rest.some((a) => a.startsWith('--duration'))) o.duration = 10;
if (!rest.some((a) => a.startsWith('--warmup'))) o.warmup = 3;
if (!rest.some((a) => a.startsWith('--threads'))) o.threads = 2;
if (!rest.some((a) => a.startsWith('--rtpengine-threads'))) o.rtpengineThreads = o.threads;
if (!rest.some((a) => a.startsWith('--nofile'))) o.nofile = 4096;
// Ports of their own, so that a `npm run bench` (22410, 22500, 23000-64999) running beside it does not collide.
if (!rest.some((a) => a.startsWith('--ng-port'))) o.ngPort = 22610;
if (!rest.some((a) => a.startsWith('--lg-port'))) o.lgPort = 22700;
if (!rest.some((a) => a.startsWith('--port-min'))) o.portMin = 46000;
if (!rest.some((a) => a.startsWith('--port-max'))) o.portMax = 51999;
const runDir = o.out || join(ROOT, 'bench', 'out', `idle-${stamp}`);
mkdirSync(runDir, { recursive: true });

const tc = {
  ngPort: o.ngPort, portMin: o.portMin, portMax: o.portMax, threads: o.threads, rtpengineThreads: o.rtpengineThreads,
  cpu: o.daemonCpu, nofile: o.nofile, logDir: join(runDir, 'logs'), tsCmd: o.tsCmd, baseCmd: o.baseCmd, rtpengineBin: o.rtpengineBin,
  extraArgs: o.extraArgs,
};
const loadgenBin = loads.some((n) => n > 0) ? buildTool('rtp-load') : '';
const ctx = { o, tc, loadgenBin, ngLoadBin: '', log: (s) => process.stdout.write(`${s}\n`) };

/** Voluntary context switches of all the process's threads (each one = the thread went to sleep). */
function sleeps(pid) {
  let n = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      n += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'latin1'))?.[1] ?? 0);
    } catch { /* thread gone */ }
  }
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 0 calls: start, wait until it answers ping and --warmup more, sample over --duration. */
async function runIdle(target, rep) {
  const tag = `${target}-idle-${rep}`;
  const d = RunningTarget.start(target, { ...tc, portMax: Math.min(tc.portMax, tc.portMin + 399) }, tag);
  const ng = new NgClient('127.0.0.1', tc.ngPort, 1000, 4);
  await ng.open();
  try {
    const ready = await Promise.race([ng.waitReady(20000), d.exited.then(() => false)]);
    if (!ready) throw new Error(`${target} did not answer ping (log: ${d.log})`);
    await sleep(o.warmup * 1000);
    const a = sampleProcess(d.pid);
    const sa = sleeps(d.pid);
    await sleep(o.duration * 1000);
    const b = sampleProcess(d.pid);
    const sb = sleeps(d.pid);
    if (!a || !b || !d.alive) throw new Error(`${target} exited (log: ${d.log})`);
    const wall = (b.atNs - a.atNs) / 1e9;
    return {
      utilPct: (100 * (b.cpuS - a.cpuS)) / wall, schedPct: (100 * (b.schedS - a.schedS)) / wall,
      wakesPerS: (sb - sa) / wall, p50Ms: NaN, p99Ms: NaN, lossPct: NaN, rssMb: b.rssKb / 1024, threads: b.threads,
    };
  } finally {
    ng.close();
    await d.stop();
  }
}

/** N calls: bench/lib/runner.ts's rate test; wake-ups sampled around it by polling the pid. */
async function runCalls(target, n, rep) {
  const row = await runRtp(ctx, target, parseTest(`rate${n}`), rep);
  if (row.error) throw new Error(row.error);
  return {
    utilPct: row.utilPct, schedPct: (100 * row.schedCpuS) / row.windowS, wakesPerS: NaN,
    p50Ms: row.p50Ms, p99Ms: row.p99Ms, lossPct: row.lossPct, rssMb: row.rssMb, threads: row.threads,
  };
}

const header = [
  `# bench:idle ${new Date().toISOString()} — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), kernel ${release()}, node ${process.version}`,
  `# targets=${o.targets.join(',')} loads=${loads.join(',')} reps=${o.reps} warmup=${o.warmup}s duration=${o.duration}s pps=${o.pps}/stream ` +
    `threads ts=${o.threads} rtpengine=${o.rtpengineThreads} daemon-cpu=${o.daemonCpu || 'any'} lg-cpu=${o.lgCpu || 'any'} ` +
    `load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
].join('\n');
process.stdout.write(`${header}\n`);

const results = new Map(); // `${target} ${load}` -> [{...}]
const started = Date.now();
for (let rep = 1; rep <= o.reps; rep++) {
  for (const load of loads) {
    for (const target of o.targets) {
      process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] rep ${rep}: ${load} calls on ${target}: `);
      try {
        const r = load === 0 ? await runIdle(target, rep) : await runCalls(target, load, rep);
        const key = `${target} ${load}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        process.stdout.write(`${r.utilPct.toFixed(2)} % (schedstat ${r.schedPct.toFixed(2)} %)` +
          `${Number.isNaN(r.wakesPerS) ? '' : `, ${r.wakesPerS.toFixed(0)} wake-ups/s`}` +
          `${Number.isNaN(r.p50Ms) ? '' : `, p50 ${r.p50Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} ms, loss ${r.lossPct.toFixed(3)} %`}\n`);
      } catch (e) {
        process.stdout.write(`FAILED: ${e.message}\n`);
      }
    }
  }
}

const median = (v) => {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (v, digits) => {
  const s = v.filter((x) => !Number.isNaN(x));
  if (s.length === 0) return '–';
  return `${median(s).toFixed(digits)} (${Math.min(...s).toFixed(digits)}–${Math.max(...s).toFixed(digits)})`;
};
const lines = [
  '',
  '| calls | target | CPU % (stat) | CPU % (schedstat) | wake-ups/s | p50 ms | p99 ms | loss % | RSS MB | n |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const load of loads) {
  for (const target of o.targets) {
    const rs = results.get(`${target} ${load}`) ?? [];
    const col = (k, d) => cell(rs.map((r) => r[k]), d);
    lines.push(`| ${load} | ${target} | ${col('utilPct', 2)} | ${col('schedPct', 2)} | ${col('wakesPerS', 0)} | ${col('p50Ms', 2)} | ` +
      `${col('p99Ms', 2)} | ${col('lossPct', 3)} | ${col('rssMb', 0)} | ${rs.length} |`);
  }
}
lines.push('', 'medians (min–max) of the reps; CPU % of one core, all threads; wake-ups/s measured at 0 calls only.');
const report = `${header}\n${lines.join('\n')}\n`;
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(join(runDir, 'report.md'), report);
writeFileSync(join(runDir, 'results.json'), JSON.stringify(Object.fromEntries(results), null, 1));
process.stdout.write(`\nreport and daemon logs: ${runDir} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
