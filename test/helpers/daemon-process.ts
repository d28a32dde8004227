/**
 * Spawns the compiled daemon (dist/daemon/main.js; `npm test` builds first) on loopback with its own
 * port range, waits until it answers ping, and kills it on close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { NgClient } from './ng-client.js';

const MAIN = fileURLToPath(new URL('../../dist/daemon/main.js', import.meta.url));

let nextBase = 20000 + (process.pid % 50) * 200;

export interface DaemonHandle {
  ngPort: number;
  portMin: number;
  portMax: number;
  ng: NgClient;
  proc: ChildProcess;
  log(): string;
  close(): Promise<void>;
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An even base where `count` consecutive UDP ports on 127.0.0.1 can all be bound right now. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 50000 + 2 * Math.floor(Math.random() * 5000);
    const socks: dgram.Socket[] = [];
    let ok = true;
    for (let p = base; p < base + count && ok; p++) {
      const s = dgram.createSocket('udp4');
      ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(p, '127.0.0.1', () => resolve(true));
      });
      socks.push(s);
    }
    await Promise.all(socks.map((s) => new Promise<void>((r) => { try { s.close(() => r()); } catch { r(); } })));
    if (ok) return base;
  }
  throw new Error('no free port range');
}

/** `io`: the media I/O backend (RTPENGINE_TS_IO); the daemon's default (batch when the addon loads) if unset. */
export async function startDaemon(
  extraArgs: string[] = [], opts: { ports?: number; portMin?: number; io?: 'batch' | 'dgram' } = {},
): Promise<DaemonHandle> {
  const ngPort = await freeUdpPort();
  const span = opts.ports ?? 100;
  let portMin = 44000 + ((nextBase += span) % 14000);
  // A tiny pool must really be free, or a test about running out of ports fails for the wrong reason.
  if (span < 50) portMin = await freeRange(span);
  if (opts.portMin !== undefined) portMin = opts.portMin;
  const portMax = portMin + span - 1;
  const args = [
    MAIN, '--config-file=none', '-t', '-1', ...(extraArgs.includes('-i') ? [] : ['-i', '127.0.0.1']), '-n', `127.0.0.1:${ngPort}`,
    '-m', String(portMin), '-M', String(portMax), '-f', '-E', '-L', '7', '--num-threads=2', ...extraArgs,
  ];
  const env = opts.io ? { ...process.env, RTPENGINE_TS_IO: opts.io } : process.env;
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const ng = new NgClient(ngPort);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`daemon exited (${proc.exitCode}):\n${out}`);
    try {
      await ng.request({ command: 'ping' });
      break;
    } catch {
      if (Date.now() > deadline) {
        // Not left running behind the failed test.
        ng.close();
        proc.kill('SIGKILL');
        throw new Error(`daemon did not answer ping:\n${out}`);
      }
    }
  }
  return {
    ngPort, portMin, portMax, ng, proc,
    log: () => out,
    close: async () => {
      ng.close();
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}
