/**
 * The SIP side of the SIPp bench: SIPp UAS (RTP echo), Kamailio with test/e2e/kamailio.cfg
 * (rtpengine module over ng), test/e2e's UAC media sink and RTCP injector (so the daemons compute
 * MOS), and the SIPp UAC placing the calls; each in its own process group with its own log file,
 * stopped by its own id. Port layout within a free 2000-port block B (as test/e2e/run.sh, larger):
 *   B+0 Kamailio SIP, B+1 UAS SIP, B+2 UAC SIP, B+3 daemon ng, B+4/B+5 SIPp control ports,
 *   B+10 UAS media, B+100.. UAC media (call n advertises B+100+4n), B+1000..B+1999 daemon media.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/lib -> repo root */
export const ROOT = join(HERE, '..', '..', '..');
export const E2E = join(ROOT, 'test', 'e2e');
export const MAX_CALLS_TOTAL = 220;

export interface Ports {
  base: number;
  kam: number;
  uasSip: number;
  uacSip: number;
  ng: number;
  uasCp: number;
  uacCp: number;
  uasMedia: number;
  uacMediaMin: number;
  daemonMin: number;
  daemonMax: number;
}

function blockBusy(lo: number, hi: number): boolean {
  const out = execFileSync('ss', ['-Htuan'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    for (const c of cols.slice(4, 6)) {
      const p = Number(c.slice(c.lastIndexOf(':') + 1));
      if (p >= lo && p <= hi) return true;
    }
  }
  return false;
}

/** A free 2000-port block below the ephemeral range, away from rtpengine's default 30000-40000. */
export function pickPorts(): Ports {
  for (let i = 0; i < 40; i++) {
    const b = (11 + Math.floor(Math.random() * 9) * 2) * 1000;
    if (blockBusy(b, b + 1999)) continue;
    return {
      base: b, kam: b, uasSip: b + 1, uacSip: b + 2, ng: b + 3, uasCp: b + 4, uacCp: b + 5,
      uasMedia: b + 10, uacMediaMin: b + 100, daemonMin: b + 1000, daemonMax: b + 1999,
    };
  }
  throw new Error('no free 2000-port block found');
}

export class Component {
  readonly exited: Promise<number | null>;
  private done = false;

  private constructor(readonly name: string, readonly child: ChildProcess, readonly log: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.done = true;
      resolve(code);
    }));
  }

  get alive(): boolean {
    return !this.done;
  }

  /** Starts argv in its own process group (detached), stdout+stderr to dir/name.log. */
  static start(dir: string, name: string, argv: string[], cwd = dir): Component {
    const log = join(dir, `${name}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(argv[0]!, argv.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    return new Component(name, child, log);
  }

  logText(): string {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }

  async waitLog(re: RegExp, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (re.test(this.logText())) return true;
      if (!this.alive) return false;
      await sleep(100);
    }
    return re.test(this.logText());
  }

  /** Signal to its process group, SIGKILL after graceMs. Idempotent. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (!this.alive || this.child.pid === undefined) return;
    const pid = this.child.pid;
    try { process.kill(-pid, sig); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function udpBound(port: number): boolean {
  return execFileSync('ss', ['-Hlun', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';
}

export async function waitUdpBound(port: number, c: Component, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (udpBound(port)) return true;
    if (!c.alive) return false;
    await sleep(100);
  }
  return false;
}

export interface StackOptions {
  dir: string;
  ports: Ports;
  totalCalls: number;
  rate: number;
  concurrency: number;
  pcapDir: string;
  /** RTCP from both SIPp sides, so the daemons compute MOS */
  rtcp: boolean;
  maxSecs: number;
}

/** Everything but the daemon and the UAC, started in order and checked. */
export class SipStack {
  readonly parts: Component[] = [];
  uac: Component | null = null;

  constructor(readonly o: StackOptions) {}

  uacMediaPorts(): number[] {
    const out: number[] = [];
    for (let n = 1; n <= this.o.totalCalls; n++) out.push(this.o.ports.uacMediaMin + 4 * n);
    return out;
  }

  private add(name: string, argv: string[]): Component {
    const c = Component.start(this.o.dir, name, argv);
    this.parts.push(c);
    return c;
  }

  async start(): Promise<void> {
    const { dir, ports: p } = this.o;
    copyFileSync(join(E2E, 'uas.xml'), join(dir, 'uas.xml'));
    copyFileSync(join(E2E, 'uac.xml'), join(dir, 'uac.xml'));
    if (!existsSync(join(dir, 'pcap'))) symlinkSync(this.o.pcapDir, join(dir, 'pcap'));
    const uas = this.add('sipp-uas', ['sipp', '-sf', join(dir, 'uas.xml'), '-i', '127.0.0.1', '-p', String(p.uasSip),
      '-mi', '127.0.0.1', '-mp', String(p.uasMedia), '-rtp_echo', '-nostdin', '-cp', String(p.uasCp)]);
    if (!(await waitUdpBound(p.uasSip, uas, 10000))) throw new Error(`SIPp UAS did not bind ${p.uasSip} (${uas.log})`);
    const kam = this.add('kamailio', ['kamailio', '-f', join(E2E, 'kamailio.cfg'), '-DD', '-E', '-m', '64', '-M', '8',
      '-P', join(dir, 'kamailio.pid'), '-Y', dir,
      '-A', `SIP_PORT=${p.kam}`, '-A', `NG_SOCK="udp:127.0.0.1:${p.ng}"`, '-A', `UAS_URI="sip:127.0.0.1:${p.uasSip}"`]);
    if (!(await waitUdpBound(p.kam, kam, 10000))) throw new Error(`Kamailio did not bind ${p.kam} (${kam.log})`);
    const found = new RegExp(`rtpengine instance <udp:127\\.0\\.0\\.1:${p.ng}> found`);
    if (!(await kam.waitLog(found, 5000))) throw new Error(`Kamailio's rtpengine module did not find the daemon (${kam.log})`);
    const media = this.uacMediaPorts();
    const sink = this.add('rtp-sink', [process.execPath, join(E2E, 'rtp-sink.mjs'), ...(this.o.rtcp ? ['--rtp-only'] : []),
      join(dir, 'rtp-sink.json'), String(this.o.maxSecs), ...media.map(String)]);
    if (!(await sink.waitLog(/^ready/m, 5000))) throw new Error(`rtp-sink.mjs did not bind the UAC media ports (${sink.log})`);
    if (this.o.rtcp) {
      const inj = this.add('rtcp-inject', [process.execPath, join(E2E, 'rtcp-inject.mjs'), `--ng=127.0.0.1:${p.ng}`,
        `--uas-media=${p.uasMedia}`, `--uac-media=${media.join(',')}`, `--out=${join(dir, 'rtcp-inject.json')}`,
        `--max-secs=${this.o.maxSecs}`]);
      if (!(await inj.waitLog(/^ready/m, 5000))) throw new Error(`rtcp-inject.mjs did not start (${inj.log})`);
    }
  }

  /** The SIPp UAC: totalCalls calls at rate/s, at most concurrency at once, each ~15.4 s of PCMA. */
  startUac(): Component {
    const { dir, ports: p, totalCalls, rate, concurrency, maxSecs } = this.o;
    this.uac = this.add('sipp-uac', ['timeout', '-k', '5', String(maxSecs), 'sipp', `127.0.0.1:${p.kam}`,
      '-sf', join(dir, 'uac.xml'), '-s', 'bob', '-i', '127.0.0.1', '-p', String(p.uacSip), '-mi', '127.0.0.1',
      '-mp', String(p.uacMediaMin), '-m', String(totalCalls), '-r', String(rate), '-rp', '1000', '-l', String(concurrency),
      '-nostdin', '-cp', String(p.uacCp), '-timeout', `${maxSecs - 10}s`, '-timeout_error',
      '-trace_stat', '-stf', join(dir, 'sipp-uac-stats.csv'), '-fd', '1']);
    return this.uac;
  }

  /** Stops everything this stack started, newest first. Idempotent. */
  async close(): Promise<void> {
    for (let i = this.parts.length - 1; i >= 0; i--) await this.parts[i]!.stop();
  }
}

/** Successful / failed call counts from the last line of SIPp's -trace_stat CSV. */
export function sippTotals(csvPath: string): { successful: number; failed: number; created: number } {
  try {
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    const head = lines[0]!.split(';');
    const last = lines[lines.length - 1]!.split(';');
    const col = (n: string): number => Number(last[head.indexOf(n)] ?? 0) || 0;
    return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), created: col('TotalCallCreated') };
  } catch {
    return { successful: 0, failed: 0, created: 0 };
  }
}

/** mos_average per call from Kamailio's E2E-MOS lines (the daemon's `delete` reply, via the rtpengine module). */
export function deleteMos(kamLog: string): number[] {
  const out: number[] = [];
  for (const m of kamLog.matchAll(/E2E-MOS ci=\S+ avg=(\S+)/g)) {
    const v = Number(m[1]);
    if (Number.isFinite(v) && v > 0) out.push(v);
  }
  return out;
}
