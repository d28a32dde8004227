/**
 * --max-load, --max-cpu and --max-bandwidth (spec §1.3): new calls are refused while the 1-minute
 * load average, the system CPU usage or the relayed bytes per second exceed the limit. Sampled on the
 * daemon's 1 s timer; the reasons are rtpengine 10.5's `load limit` messages (checked against it).
 */
import { cpus, loadavg } from 'node:os';
import type { TrafficRates } from './statistics.js';

export interface LoadLimitSettings {
  maxLoad: number;
  maxCpu: number;
  maxBandwidth: number;
}

export class LoadLimits {
  private cpuPercent = 0;
  private lastCpu: { busy: number; total: number };

  constructor(private readonly limits: LoadLimitSettings, private readonly rates: TrafficRates) {
    this.lastCpu = limits.maxCpu > 0 ? cpuTimes() : { busy: 0, total: 0 };
  }

  /** Once a second: system CPU usage since the previous sample (only read with --max-cpu). */
  sample(): void {
    if (this.limits.maxCpu <= 0) return;
    const now = cpuTimes();
    const total = now.total - this.lastCpu.total;
    this.cpuPercent = total > 0 ? (100 * (now.busy - this.lastCpu.busy)) / total : 0;
    this.lastCpu = now;
  }

  /** The reason a new call is refused right now, or null. */
  refusal(): string | null {
    const l = this.limits;
    if (l.maxLoad > 0 && loadavg()[0]! > l.maxLoad) return 'Load limit exceeded';
    if (l.maxCpu > 0 && this.cpuPercent > l.maxCpu) return 'CPU usage limit exceeded';
    if (l.maxBandwidth > 0 && this.rates.bytes > l.maxBandwidth) return 'Bandwidth limit exceeded';
    return null;
  }
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}
