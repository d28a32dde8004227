/**
 * What the bench reads from /proc: a process's CPU time (utime+stime from /proc/PID/stat, which
 * covers all its threads, and the sum of its threads' schedstat run time as a finer cross-check),
 * its memory (VmRSS, VmHWM), per-CPU busy time, and the drop counters of UDP sockets.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clkTck = 0;
function ticksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcSample {
  /** process.hrtime in ns when sampled */
  atNs: number;
  /** utime + stime of all threads, seconds (tick resolution) */
  cpuS: number;
  userS: number;
  sysS: number;
  /** sum of the live threads' on-CPU time from schedstat, seconds (ns resolution) */
  schedS: number;
  rssKb: number;
  hwmKb: number;
  threads: number;
  /** voluntary + involuntary context switches of the main thread (from status) */
  ctxSwitches: number;
}

function statusField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

export function sampleProcess(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = ticksPerSecond();
    const userS = Number(rest[11]) / hz;
    const sysS = Number(rest[12]) / hz;
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    let schedNs = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        schedNs += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]);
      } catch { /* thread exited */ }
    }
    return {
      atNs: Number(process.hrtime.bigint()),
      cpuS: userS + sysS,
      userS,
      sysS,
      schedS: schedNs / 1e9,
      rssKb: statusField(status, 'VmRSS'),
      hwmKb: statusField(status, 'VmHWM'),
      threads: statusField(status, 'Threads'),
      ctxSwitches: statusField(status, 'voluntary_ctxt_switches') + statusField(status, 'nonvoluntary_ctxt_switches'),
    };
  } catch {
    return null;
  }
}

export interface CpuTimes {
  /** per CPU: [busy, total] in ticks */
  cpus: [number, number][];
}

export function sampleCpus(): CpuTimes {
  const cpus: [number, number][] = [];
  for (const line of readFileSync('/proc/stat', 'latin1').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = v[3]! + v[4]!;
    cpus[Number(m[1])] = [total - idle, total];
  }
  return { cpus };
}

/** Busy % of each CPU between two samples. */
export function cpuBusyPct(a: CpuTimes, b: CpuTimes): number[] {
  return b.cpus.map(([busy, total], i) => {
    const [b0, t0] = a.cpus[i] ?? [0, 0];
    return total > t0 ? (100 * (busy - b0)) / (total - t0) : 0;
  });
}

export function cpuSeconds(pidA: ProcSample | null, pidB: ProcSample | null): number {
  return pidA && pidB ? pidB.cpuS - pidA.cpuS : NaN;
}

/**
 * Drops and queued bytes of the IPv4 UDP sockets bound to `ip` with a local port in [min, max]
 * (the relay's media sockets), from /proc/net/udp.
 */
export function udpSocketDrops(ip: string, min: number, max: number): { sockets: number; drops: number; rxQueueBytes: number } {
  const want = ip.split('.').map(Number).reverse().map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  let sockets = 0;
  let drops = 0;
  let rxq = 0;
  let text: string;
  try {
    text = readFileSync('/proc/net/udp', 'latin1');
  } catch {
    return { sockets: 0, drops: NaN, rxQueueBytes: NaN };
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const [addr, portHex] = f[1]!.split(':');
    if (addr !== want) continue;
    const port = parseInt(portHex!, 16);
    if (port < min || port > max) continue;
    sockets++;
    rxq += parseInt(f[4]!.split(':')[1]!, 16);
    drops += Number(f[12]);
  }
  return { sockets, drops, rxQueueBytes: rxq };
}

/** utime+stime (ticks) and name of every process on the machine, for finding who else used CPU. */
export function sampleAllProcesses(): Map<number, { comm: string; ticks: number; cpu: number }> {
  const out = new Map<number, { comm: string; ticks: number; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const rest = stat.slice(close + 2).split(' ');
      out.set(Number(d), { comm, ticks: Number(rest[11]) + Number(rest[12]), cpu: Number(rest[36]) });
    } catch { /* gone */ }
  }
  return out;
}

/** The processes (other than `exclude`) that used the most CPU between two samples, as "comm:pct%" strings. */
export function topOthers(
  a: Map<number, { comm: string; ticks: number }>, b: Map<number, { comm: string; ticks: number; cpu: number }>,
  wallS: number, exclude: Set<number>, minPct = 3,
): string[] {
  const hz = ticksPerSecond();
  const list: { comm: string; pct: number; cpu: number }[] = [];
  for (const [pid, e] of b) {
    if (exclude.has(pid)) continue;
    const before = a.get(pid)?.ticks ?? 0;
    const pct = (100 * (e.ticks - before)) / hz / wallS;
    if (pct >= minPct) list.push({ comm: e.comm, pct, cpu: e.cpu });
  }
  return list.sort((x, y) => y.pct - x.pct).slice(0, 4).map((x) => `${x.comm}:${x.pct.toFixed(0)}%@cpu${x.cpu}`);
}
