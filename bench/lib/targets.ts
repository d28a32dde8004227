/**
 * The daemons under test: rtpengine-ts (this repo's dist/daemon/main.js, or --ts-cmd) and, when it
 * is installed, sipwise rtpengine. Each test starts a fresh process pinned with taskset, with its fd
 * limit raised by prlimit (both exec, so the spawned PID is the daemon itself: /proc/PID/stat then
 * covers all its threads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import * as dgram from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TargetConfig {
  ngPort: number;
  portMin: number;
  portMax: number;
  threads: number;
  /** rtpengine's --num-threads (default: same as threads) */
  rtpengineThreads: number;
  cpu: string;
  nofile: number;
  logDir: string;
  tsCmd?: string;
  baseCmd?: string;
  rtpengineBin: string;
  extraArgs: string[];
}

export interface Target {
  name: string;
  argv: string[];
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench/lib -> dist/daemon/main.js */
export const TS_MAIN = join(HERE, '..', '..', 'daemon', 'main.js');

/** The options every daemon under test gets (rtpengine's names; also bench/ng-path.ts's in-process daemon). */
export function commonArgs(c: Pick<TargetConfig, 'ngPort' | 'portMin' | 'portMax' | 'extraArgs'>, threads: number): string[] {
  return [
    '--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${c.ngPort}`,
    '-m', String(c.portMin), '-M', String(c.portMax), '-f', '-E', '-L', '4',
    `--num-threads=${threads}`, '--delete-delay=0', ...c.extraArgs,
  ];
}

/** --ts-cmd and --base-cmd run under bash; the daemon options above follow it as "$@". */
function cmdArgv(cmd: string, c: TargetConfig): string[] {
  return ['bash', '-c', `exec ${cmd} "$@"`, 'rtpengine-ts', ...commonArgs(c, c.threads)];
}

export function targetArgv(name: string, c: TargetConfig): string[] {
  if (name === 'ts') {
    if (c.tsCmd) return cmdArgv(c.tsCmd, c);
    // As the rtpengine-ts bin runs it (its shebang passes the same node flag).
    return [process.execPath, '--max-semi-space-size=4', TS_MAIN, ...commonArgs(c, c.threads)];
  }
  // rtpengine-ts forced onto its node:dgram media I/O (daemon/media/io.ts), for comparing backends.
  if (name === 'ts-dgram') {
    return ['env', 'RTPENGINE_TS_IO=dgram', ...targetArgv('ts', c)];
  }
  // Another build of rtpengine-ts (e.g. the commit before a change), measured in the same run.
  if (name === 'ts-base') {
    if (!c.baseCmd) throw new Error('target ts-base needs --base-cmd "node --max-semi-space-size=4 /path/dist/daemon/main.js"');
    return cmdArgv(c.baseCmd, c);
  }
  if (name === 'rtpengine') return [c.rtpengineBin, ...commonArgs(c, c.rtpengineThreads)];
  throw new Error(`unknown target ${name} (ts, ts-dgram, ts-base, rtpengine)`);
}

export function rtpengineInstalled(bin: string): boolean {
  return existsSync(bin);
}

export class RunningTarget {
  readonly exited: Promise<number | null>;
  private done = false;

  private constructor(readonly name: string, readonly child: ChildProcess, readonly pid: number, readonly log: string) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.done = true;
      resolve(code);
    }));
  }

  get alive(): boolean {
    return !this.done;
  }

  static start(name: string, c: TargetConfig, tag: string): RunningTarget {
    mkdirSync(c.logDir, { recursive: true });
    const log = join(c.logDir, `${tag}.log`);
    const fd = openSync(log, 'w');
    const argv = targetArgv(name, c);
    const pre: string[] = [];
    if (c.cpu !== '') pre.push('taskset', '-c', c.cpu);
    pre.push('prlimit', `--nofile=${c.nofile}:${c.nofile}`, '--');
    const full = [...pre, ...argv];
    const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`cannot start ${name}`);
    return new RunningTarget(name, child, child.pid, log);
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** True while some process holds the UDP port on 127.0.0.1 (or the wildcard). */
export async function udpPortBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind({ address: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(false)));
  });
}

export async function waitPortFree(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (!(await udpPortBusy(port))) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}
