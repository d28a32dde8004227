/**
 * One test against one target: start the daemon pinned, set up calls over ng, run rtp-load (RTP
 * tests) or the ng client (control tests), sample /proc around the measurement window, stop.
 */
import { Loadgen, NgLoad, type LoadgenResult } from './loadgen.js';
import { randomBytes } from 'node:crypto';
import { NgClient, pool, setupCall, setupSrtpCall, type CallPorts } from './ng-client.js';
import type { BenchOptions } from './options.js';
import {
  cpuBusyPct, sampleAllProcesses, sampleCpus, sampleProcess, topOthers, udpSocketDrops, type CpuTimes, type ProcSample,
} from './proc.js';
import { RunningTarget, waitPortFree, type TargetConfig } from './targets.js';

export type TestKind = 'rate' | 'flood' | 'scale' | 'ng' | 'ngrate';

export interface TestSpec {
  name: string;
  kind: TestKind;
  /** calls (rate/flood/scale) or calls/s (ngrate) */
  n: number;
  /** rate tests with an SDES-SRTP side B (srtpN, srtpgcmN): its suite. */
  srtp?: string;
}

/** Master key||salt bytes of the suites the SRTP tests use. */
const SRTP_KEY_BYTES: Record<string, number> = { AES_CM_128_HMAC_SHA1_80: 30, AEAD_AES_128_GCM: 28 };

export function parseTest(name: string): TestSpec {
  let m: RegExpExecArray | null;
  if ((m = /^rate(\d+)$/.exec(name))) return { name, kind: 'rate', n: Number(m[1]) };
  if ((m = /^srtp(\d+)$/.exec(name))) return { name, kind: 'rate', n: Number(m[1]), srtp: 'AES_CM_128_HMAC_SHA1_80' };
  if ((m = /^srtpgcm(\d+)$/.exec(name))) return { name, kind: 'rate', n: Number(m[1]), srtp: 'AEAD_AES_128_GCM' };
  if ((m = /^scale(\d+)$/.exec(name))) return { name, kind: 'scale', n: Number(m[1]) };
  if ((m = /^ngrate(\d+)$/.exec(name))) return { name, kind: 'ngrate', n: Number(m[1]) };
  if (name === 'flood') return { name, kind: 'flood', n: 0 };
  if (name === 'ng') return { name, kind: 'ng', n: 0 };
  throw new Error(`unknown test ${name} (rateN, srtpN, srtpgcmN, flood, scaleN, ng, ngrateN)`);
}

/** One measured run. Numbers are NaN when they do not apply. */
export interface Row {
  target: string;
  test: string;
  kind: TestKind;
  rep: number;
  error?: string;
  calls: number;
  windowS: number;
  // RTP
  offeredPps: number;
  fwdPps: number;
  lossPct: number;
  lost: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  // daemon over the window
  cpuS: number;
  schedCpuS: number;
  usPerPkt: number;
  utilPct: number;
  rssMb: number;
  hwmMb: number;
  idleRssMb: number;
  threads: number;
  relayDrops: number;
  // load side
  lgUtilPct: number;
  orchUtilPct: number;
  cpu0BusyPct: number;
  cpu1BusyPct: number;
  /** busy % of the daemon's CPU not explained by the daemon (other processes, IRQs) */
  otherOnDaemonCpuPct: number;
  markDelayMs: number;
  setupS: number;
  setupCallsPerS: number;
  checks: string;
  /** other processes that used >= 3 % of a CPU during the window (noise on a shared machine) */
  others: string;
  // ng
  ngCallsPerS: number;
  ngReqPerS: number;
  ngP50Ms: number;
  ngP99Ms: number;
  ngMaxMs: number;
  ngErrors: number;
  ngRetransmits: number;
  usPerCall: number;
}

function emptyRow(target: string, t: TestSpec, rep: number): Row {
  return {
    target, test: t.name, kind: t.kind, rep, calls: NaN, windowS: NaN,
    offeredPps: NaN, fwdPps: NaN, lossPct: NaN, lost: NaN, p50Ms: NaN, p99Ms: NaN, p999Ms: NaN, maxMs: NaN,
    cpuS: NaN, schedCpuS: NaN, usPerPkt: NaN, utilPct: NaN, rssMb: NaN, hwmMb: NaN, idleRssMb: NaN, threads: NaN,
    relayDrops: NaN, lgUtilPct: NaN, orchUtilPct: NaN, cpu0BusyPct: NaN, cpu1BusyPct: NaN, otherOnDaemonCpuPct: NaN,
    markDelayMs: NaN, setupS: NaN, setupCallsPerS: NaN, checks: '', others: '',
    ngCallsPerS: NaN, ngReqPerS: NaN, ngP50Ms: NaN, ngP99Ms: NaN, ngMaxMs: NaN, ngErrors: NaN, ngRetransmits: NaN,
    usPerCall: NaN,
  };
}

export interface RunContext {
  o: BenchOptions;
  tc: TargetConfig;
  loadgenBin: string;
  /** rtp-load built with libsrtp2 (srtp tests only). */
  loadgenSrtpBin?: string;
  ngLoadBin: string;
  log: (s: string) => void;
}

interface WindowSample {
  daemon: ProcSample | null;
  lg: ProcSample | null;
  cpus: CpuTimes;
  orch: NodeJS.CpuUsage;
  all: ReturnType<typeof sampleAllProcesses>;
  atNs: number;
}

/** Samples /proc at the load generator's MARK lines: the measurement window's start and end. */
class WindowMarks {
  private start: WindowSample | null = null;
  private end: WindowSample | null = null;
  /** Longest delay between a MARK's time stamp and our sample of it. */
  private delayMs = 0;

  constructor(private readonly daemonPid: number, private readonly lgPid: number) {}

  readonly onMark = (what: 'start' | 'end', ns: number): void => {
    const s = windowSample(this.daemonPid, this.lgPid);
    this.delayMs = Math.max(this.delayMs, (s.atNs - ns) / 1e6);
    if (what === 'start') this.start = s;
    else this.end = s;
  };

  /** The window's figures into `row` (after the load generator finished); `tool` names it in the error. */
  fill(row: Row, daemonCpu: string, lgCpu: string, tool: string): void {
    if (!this.start || !this.end) throw new Error(`no MARK lines from ${tool}`);
    row.windowS = fillWindow(row, this.start, this.end, daemonCpu, lgCpu, [this.daemonPid, this.lgPid]);
    row.markDelayMs = this.delayMs;
  }
}

/** The daemon first (its time stamp is the sample's), then the rest. */
function windowSample(daemonPid: number, lgPid: number): WindowSample {
  const atNs = Number(process.hrtime.bigint());
  const daemon = sampleProcess(daemonPid);
  return {
    daemon,
    lg: lgPid > 0 ? sampleProcess(lgPid) : null,
    cpus: sampleCpus(),
    orch: process.cpuUsage(),
    all: sampleAllProcesses(),
    atNs,
  };
}

function fillWindow(row: Row, a: WindowSample, b: WindowSample, daemonCpu: string, lgCpu: string, exclude: number[]): number {
  const wallS = (b.atNs - a.atNs) / 1e9;
  row.others = topOthers(a.all, b.all, wallS, new Set([...exclude, process.pid])).join(' ');
  if (a.daemon && b.daemon) {
    row.cpuS = b.daemon.cpuS - a.daemon.cpuS;
    row.schedCpuS = b.daemon.schedS - a.daemon.schedS;
    row.utilPct = (100 * row.cpuS) / wallS;
    row.rssMb = b.daemon.rssKb / 1024;
    row.hwmMb = b.daemon.hwmKb / 1024;
    row.threads = b.daemon.threads;
  }
  if (a.lg && b.lg) row.lgUtilPct = (100 * (b.lg.cpuS - a.lg.cpuS)) / wallS;
  row.orchUtilPct = (100 * ((b.orch.user - a.orch.user) + (b.orch.system - a.orch.system)) / 1e6) / wallS;
  const busy = cpuBusyPct(a.cpus, b.cpus);
  row.cpu0BusyPct = busy[0] ?? NaN;
  row.cpu1BusyPct = busy[1] ?? NaN;
  const dc = Number(daemonCpu);
  if (daemonCpu !== '' && Number.isInteger(dc) && busy[dc] !== undefined) {
    let explained = row.utilPct;
    if (lgCpu === daemonCpu) explained += row.lgUtilPct + row.orchUtilPct;
    row.otherOnDaemonCpuPct = Math.max(0, busy[dc]! - explained);
  }
  return wallS;
}

/**
 * Media ports a test needs (4 per call: RTP+RTCP on each side, plus slack). The daemon gets only
 * that much of --port-min..--port-max, so it stays clear of ports other programs on a shared
 * machine use (foreign packets arriving on a relay port would be forwarded into the load).
 */
function portsFor(t: TestSpec, o: BenchOptions): number {
  switch (t.kind) {
    case 'rate': case 'scale': return 4 * t.n + 400;
    case 'flood': return 4 * o.floodCalls + 400;
    case 'ng': return 4 * o.ngWindow + 2000;
    case 'ngrate': return 10000;
  }
}

async function startTarget(ctx: RunContext, target: string, tag: string, t: TestSpec): Promise<{ d: RunningTarget; ng: NgClient }> {
  if (!(await waitPortFree(ctx.tc.ngPort, 15000))) throw new Error(`ng port ${ctx.tc.ngPort} stays busy`);
  const tc = { ...ctx.tc, portMax: Math.min(ctx.tc.portMax, ctx.tc.portMin + portsFor(t, ctx.o) - 1) };
  const d = RunningTarget.start(target, tc, tag);
  const ng = new NgClient('127.0.0.1', ctx.tc.ngPort, 1000, 4);
  await ng.open();
  const ready = await Promise.race([ng.waitReady(20000), d.exited.then(() => false)]);
  if (!ready) {
    ng.close();
    await d.stop();
    throw new Error(`${target} did not answer ping (log: ${d.log})`);
  }
  return { d, ng };
}

export async function runRtp(ctx: RunContext, target: string, t: TestSpec, rep: number): Promise<Row> {
  const o = ctx.o;
  const row = emptyRow(target, t, rep);
  const tag = `${target}-${t.name}-${rep}`;
  const calls = t.kind === 'flood' ? o.floodCalls : t.n;
  row.calls = calls;
  const socks = Math.max(1, Math.min(o.lgSocks, calls));
  const { d, ng } = await startTarget(ctx, target, tag, t);
  let lg: Loadgen | null = null;
  try {
    row.idleRssMb = (sampleProcess(d.pid)?.rssKb ?? NaN) / 1024;
    const duration = t.kind === 'flood' ? o.floodDuration : t.kind === 'scale' ? o.scaleDuration : o.duration;
    const warmup = t.kind === 'scale' ? Math.max(o.warmup, 3) : o.warmup;
    const srtp = t.srtp ? { suite: t.srtp, keyB64: randomBytes(SRTP_KEY_BYTES[t.srtp]!).toString('base64') } : undefined;
    if (srtp && !ctx.loadgenSrtpBin) throw new Error('rtp-load with SRTP was not built');
    lg = new Loadgen({
      bin: srtp ? ctx.loadgenSrtpBin! : ctx.loadgenBin, cpu: o.lgCpu, mode: t.kind === 'flood' ? 'flood' : 'rate',
      pps: t.kind === 'scale' ? o.scalePps : o.pps, window: o.floodWindow, warmup, duration, drain: o.drain,
      socks, port: o.lgPort, srtp,
    });
    await lg.expect('READY', 5000);
    const t0 = Date.now();
    // A scale test keeps going after the first failed call (fd limit, ports) and runs the traffic
    // over the calls that were set up; the other tests need every call.
    let firstError = '';
    let failedCalls = 0;
    const results: (CallPorts | null)[] = await pool(calls, o.setupWindow, async (i) => {
      if (t.kind === 'scale' && failedCalls >= 50) return null;
      try {
        const [pa, pb] = [o.lgPort + (i % socks), o.lgPort + socks + (i % socks)];
        if (srtp) return await setupSrtpCall(ng, `${tag}-${i}`, '127.0.0.1', pa, pb, i, srtp.suite, srtp.keyB64);
        return await setupCall(ng, `${tag}-${i}`, '127.0.0.1', pa, pb, i);
      } catch (e) {
        if (t.kind !== 'scale') throw e;
        failedCalls++;
        if (!firstError) firstError = `call ${i}: ${(e as Error).message}`;
        return null;
      }
    });
    const ports = results.filter((p): p is CallPorts => p !== null);
    row.setupS = (Date.now() - t0) / 1000;
    row.setupCallsPerS = ports.length / row.setupS;
    row.calls = ports.length;
    ctx.log(`  ${ports.length} of ${calls} calls set up in ${row.setupS.toFixed(1)} s${firstError ? `; first failure: ${firstError}` : ''}`);
    if (ports.length === 0) throw new Error(`no call could be set up: ${firstError}`);
    const marks = new WindowMarks(d.pid, lg.pid);
    lg.onMark = marks.onMark;
    lg.sendCalls(ports);
    const r: LoadgenResult = await lg.result((warmup + duration + o.drain + 60) * 1000);
    if (!d.alive) throw new Error(`${target} exited during the run (log: ${d.log})`);
    marks.fill(row, o.daemonCpu, o.lgCpu, 'rtp-load');
    row.offeredPps = r.offered_pps;
    row.fwdPps = r.fwd_pps;
    row.lossPct = r.loss_pct;
    row.lost = r.tx_win - Math.min(r.rx_win, r.tx_win);
    row.p50Ms = r.p50_us / 1000;
    row.p99Ms = r.p99_us / 1000;
    row.p999Ms = r.p999_us / 1000;
    row.maxMs = r.max_us / 1000;
    // the loadgen's own CPU is measured by itself at the exact window edges (getrusage)
    row.lgUtilPct = r.lg_util_pct;
    row.usPerPkt = r.rx_arrive_win > 0 ? (row.cpuS * 1e6) / r.rx_arrive_win : NaN;
    const after = sampleProcess(d.pid);
    if (after) row.hwmMb = after.hwmKb / 1024;
    row.relayDrops = udpSocketDrops('127.0.0.1', o.portMin, o.portMax).drops;
    const checks: string[] = [];
    if (r.bad) checks.push(`foreign_pkts=${r.bad} (first: ${r.bad_sample})`);
    if (r.misrouted) checks.push(`misrouted=${r.misrouted}`);
    if (r.dup) checks.push(`dup/reorder=${r.dup}`);
    if (r.send_fail) checks.push(`send_fail=${r.send_fail}`);
    if (r.skipped) checks.push(`lg_skipped=${r.skipped}`);
    if (r.stall_lost) checks.push(`stall_lost=${r.stall_lost}`);
    if (r.silent_streams) checks.push(`silent_streams=${r.silent_streams}/${r.streams}`);
    if (r.lg_drops) checks.push(`lg_drops=${r.lg_drops}`);
    if (srtp) checks.push(`srtp_checked=${r.srtp_ok ?? 0}${r.srtp_fail ? ` srtp_fail=${r.srtp_fail}` : ''}`);
    if (row.relayDrops) checks.push(`relay_sock_drops=${row.relayDrops}`);
    if (r.late_ticks > r.ticks / 100 || r.max_late_ms > 20) {
      checks.push(`lg_late_ticks=${r.late_ticks}/${r.ticks} (worst ${r.max_late_ms.toFixed(0)} ms, ${['warmup', 'window', 'drain'][r.max_late_phase]})`);
    }
    if (t.kind === 'scale') {
      checks.unshift(`calls_set_up=${ports.length}/${calls}`, `streams_forwarding=${r.streams - r.silent_streams}/${r.streams}`);
      if (firstError) checks.push(`setup_failure="${firstError}"`);
    }
    row.checks = checks.join(' ');
  } catch (e) {
    row.error = (e as Error).message;
  } finally {
    lg?.kill();
    ng.close();
    await d.stop();
  }
  return row;
}

/** ng control benchmark with bench/ng-load.c: closed loop (window of calls) or paced at t.n calls/s. */
export async function runNg(ctx: RunContext, target: string, t: TestSpec, rep: number): Promise<Row> {
  const o = ctx.o;
  const row = emptyRow(target, t, rep);
  const tag = `${target}-${t.name}-${rep}`;
  const { d, ng } = await startTarget(ctx, target, tag, t);
  ng.close(); // ng-load does the talking
  let tool: NgLoad | null = null;
  try {
    row.idleRssMb = (sampleProcess(d.pid)?.rssKb ?? NaN) / 1024;
    tool = new NgLoad({
      bin: ctx.ngLoadBin, cpu: o.lgCpu, ngPort: o.ngPort, mode: t.kind === 'ng' ? 'closed' : 'paced',
      window: o.ngWindow, rate: t.kind === 'ngrate' ? t.n : 1, warmup: o.ngWarmup, duration: o.ngDuration, tag,
    });
    const marks = new WindowMarks(d.pid, tool.pid);
    tool.onMark = marks.onMark;
    const r = await tool.result((o.ngWarmup + o.ngDuration + 10) * 1000);
    if (!d.alive) throw new Error(`${target} exited during the run (log: ${d.log})`);
    marks.fill(row, o.daemonCpu, o.lgCpu, 'ng-load');
    row.lgUtilPct = r.lg_util_pct;
    row.calls = r.calls;
    row.ngCallsPerS = r.calls_per_s;
    row.ngReqPerS = r.req_per_s;
    row.ngP50Ms = r.p50_us / 1000;
    row.ngP99Ms = r.p99_us / 1000;
    row.ngMaxMs = r.max_us / 1000;
    row.ngErrors = r.errors + r.error_replies;
    row.ngRetransmits = r.retransmits;
    row.usPerCall = r.calls > 0 ? (row.cpuS * 1e6) / r.calls : NaN;
    const after = sampleProcess(d.pid);
    if (after) row.hwmMb = after.hwmKb / 1024;
    const checks: string[] = [];
    if (r.errors) checks.push(`timeouts=${r.errors}`);
    if (r.error_replies) checks.push(`error_replies=${r.error_replies}`);
    if (r.first_error) checks.push(`first_error="${r.first_error.trim()}"`);
    if (r.retransmits) checks.push(`retransmits=${r.retransmits}`);
    if (r.not_started) checks.push(`not_started=${r.not_started}`);
    if (r.lg_drops) checks.push(`ng_load_sock_drops=${r.lg_drops}`);
    const ngDrops = udpSocketDrops('127.0.0.1', o.ngPort, o.ngPort).drops;
    if (ngDrops) checks.push(`daemon_ng_sock_drops=${ngDrops}`);
    row.checks = checks.join(' ');
  } catch (e) {
    row.error = (e as Error).message;
  } finally {
    tool?.kill();
    await d.stop();
  }
  return row;
}
