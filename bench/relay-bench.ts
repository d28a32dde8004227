/**
 * `npm run bench`: forwarding and control benchmarks of rtpengine-ts side by side with rtpengine.
 *
 * For every repetition, test and target (interleaved, so background noise hits all targets alike)
 * a fresh daemon is started pinned to --daemon-cpu; this process and the C load generator
 * (bench/rtp-load.c, built here with gcc) run on --lg-cpu. See bench/README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, setPriority } from 'node:os';
import { join } from 'node:path';
import { BENCH_SRC, buildTool } from './lib/loadgen.js';
import { HELP, parseOptions, type BenchOptions } from './lib/options.js';
import { renderReport } from './lib/report.js';
import { parseTest, runNg, runRtp, type Row } from './lib/runner.js';
import { rtpengineInstalled, type TargetConfig } from './lib/targets.js';

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

/** The hard fd limit of this process: the most prlimit can give the daemons without CAP_SYS_RESOURCE. */
function hardNofile(): number {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
}

export async function main(argv: string[], defaults: Partial<BenchOptions> = {}, program = 'npm run bench --'): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseOptions(argv, defaults);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (o.targets.length === 0) o.targets = rtpengineInstalled(o.rtpengineBin) ? ['ts', 'rtpengine'] : ['ts'];
  if (o.targets.includes('rtpengine') && !rtpengineInstalled(o.rtpengineBin)) {
    process.stderr.write(`rtpengine target asked for, but ${o.rtpengineBin} does not exist\n`);
    return 2;
  }
  const tests = o.tests.map(parseTest);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  if (!o.out) o.out = join(BENCH_SRC, 'out');
  const runDir = join(o.out, stamp);
  mkdirSync(runDir, { recursive: true });

  // This process shares the load generator's CPU (it sleeps while the load runs).
  if (o.lgCpu !== '') {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', o.lgCpu, String(process.pid)], { stdio: 'ignore' });
    } catch { /* not fatal */ }
  }
  process.once('SIGINT', () => process.exit(130)); // runs the exit handlers; the daemons get SIGINT too
  if (o.nice !== 0) {
    // With sched_autogroup (Debian's default) nice only ranks processes inside one session's group;
    // between sessions the groups share the CPU equally. So the group gets the nice value as well.
    try {
      const before = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1];
      writeFileSync('/proc/self/autogroup', String(o.nice));
      if (before !== undefined) {
        process.once('exit', () => {
          try { writeFileSync('/proc/self/autogroup', before); } catch { /* gone */ }
        });
      }
    } catch { /* no autogroup or not permitted */ }
    setPriority(process.pid, o.nice);
  }
  const loadgenBin = buildTool('rtp-load');
  // The SRTP tests' side B links libsrtp2 (Debian libsrtp2-dev); built only when one is asked for.
  const loadgenSrtpBin = tests.some((t) => t.srtp) ? buildTool('rtp-load', 'srtp', ['-DWITH_SRTP'], ['-lsrtp2']) : undefined;
  const ngLoadBin = buildTool('ng-load');
  const hard = hardNofile();
  const capResource = (parseInt(/^CapEff:\s+(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0', 16) & (1 << 24)) !== 0;
  const notes: string[] = [];
  if (o.nofile > hard && !capResource) {
    notes.push(`# note: daemon fd limit ${o.nofile} asked for, but the hard limit is ${hard} and this process lacks CAP_SYS_RESOURCE: using ${hard}`);
    o.nofile = hard;
  }
  const tc: TargetConfig = {
    ngPort: o.ngPort, portMin: o.portMin, portMax: o.portMax, threads: o.threads, rtpengineThreads: o.rtpengineThreads,
    cpu: o.daemonCpu, nofile: o.nofile, logDir: join(runDir, 'logs'), tsCmd: o.tsCmd, baseCmd: o.baseCmd, rtpengineBin: o.rtpengineBin,
    extraArgs: o.extraArgs,
  };
  const header = [
    `# rtpengine-ts bench ${new Date().toISOString()}`,
    `# machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), kernel ${release()}, node ${process.version}` +
      (o.targets.includes('rtpengine') ? `, rtpengine ${version(o.rtpengineBin, ['-v']).replace(/^Version: /, '')}` : ''),
    `# command: ${program} ${argv.join(' ')}`.trimEnd(),
    `# targets=${o.targets.join(',')} tests=${o.tests.join(',')} reps=${o.reps} warmup=${o.warmup}s duration=${o.duration}s ` +
      `flood=${o.floodCalls} calls x ${o.floodWindow} in flight, ${o.floodDuration}s pps=${o.pps} scale-pps=${o.scalePps} ` +
      `ng-window=${o.ngWindow} ng-warmup=${o.ngWarmup}s ng-duration=${o.ngDuration}s threads: ts=${o.threads} rtpengine=${o.rtpengineThreads} ` +
      `daemon-cpu=${o.daemonCpu || 'any'} lg-cpu=${o.lgCpu || 'any'} lg-socks=${o.lgSocks} daemon-nofile=${o.nofile} nice=${o.nice}`,
    ...notes,
  ].join('\n');
  process.stdout.write(`${header}\n`);

  const rows: Row[] = [];
  const ctx = { o, tc, loadgenBin, loadgenSrtpBin, ngLoadBin, log: (s: string) => process.stdout.write(`${s}\n`) };
  const started = Date.now();
  for (let rep = 1; rep <= o.reps; rep++) {
    for (const t of tests) {
      for (const target of o.targets) {
        process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] rep ${rep}: ${t.name} on ${target}\n`);
        let row: Row;
        try {
          row = t.kind === 'ng' || t.kind === 'ngrate' ? await runNg(ctx, target, t, rep) : await runRtp(ctx, target, t, rep);
        } catch (e) {
          row = { target, test: t.name, kind: t.kind, rep, error: (e as Error).message } as Row;
        }
        rows.push(row);
        if (row.error) {
          process.stdout.write(`  FAILED: ${row.error}\n`);
        } else if (t.kind === 'ng' || t.kind === 'ngrate') {
          process.stdout.write(`  ${row.ngCallsPerS.toFixed(0)} calls/s, reply p50 ${row.ngP50Ms.toFixed(2)} ms p99 ` +
            `${row.ngP99Ms.toFixed(2)} ms, daemon ${row.utilPct.toFixed(0)} %, ng-load ${row.lgUtilPct.toFixed(0)} % ${row.checks}` +
            `${row.others ? ` [busy: ${row.others}]` : ''}\n`);
        } else {
          process.stdout.write(`  ${row.fwdPps.toFixed(0)} pps fwd, loss ${row.lossPct.toFixed(3)} %, p50 ${row.p50Ms.toFixed(2)} ` +
            `p99 ${row.p99Ms.toFixed(2)} ms, ${row.usPerPkt.toFixed(2)} CPU-µs/pkt at ${row.utilPct.toFixed(0)} %, ` +
            `RSS ${row.rssMb.toFixed(1)} MB, loadgen ${row.lgUtilPct.toFixed(0)} %, other on daemon CPU ${row.otherOnDaemonCpuPct.toFixed(0)} % ` +
            `${row.checks}${row.others ? ` [busy: ${row.others}]` : ''}\n`);
        }
      }
    }
  }
  const report = `${header}\n\n${renderReport(rows, o.targets, o.tests)}`;
  process.stdout.write(`\n${report}`);
  writeFileSync(join(runDir, 'rows.json'), JSON.stringify(rows, null, 1));
  writeFileSync(join(runDir, 'report.md'), report);
  if (o.md) writeFileSync(o.md, report);
  process.stdout.write(`\nraw rows, report and daemon logs: ${runDir} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  return rows.some((r) => r.error) ? 1 : 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
