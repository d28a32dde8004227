/**
 * Spawns the compiled daemon (dist/daemon/main.js; `npm test` builds first) on loopback with its own
 * port range, waits until it answers ping, and kills it on close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { NgClient } from './ng-client.js';

export const MAIN = fileURLToPath(new URL('../../dist/daemon/main.js', import.meta.url));

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

export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.bind(0, host, () => r()));
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

/**
 * `io`: the media I/O backend (RTPENGINE_TS_IO); the daemon's default (batch when the addon loads) if
 * unset. `ngHost`: the address of the ng listener (and of `ng`), 127.0.0.1 by default. `env`: more
 * environment (e.g. RTPENGINE_TS_TEST_HOOKS=1).
 */
export async function startDaemon(
  extraArgs: string[] = [],
  opts: { ports?: number; portMin?: number; io?: 'batch' | 'dgram'; ngHost?: string; env?: Record<string, string> } = {},
): Promise<DaemonHandle> {
  const ngHost = opts.ngHost ?? '127.0.0.1';
  const ngPort = await freeUdpPort(ngHost);
  const span = opts.ports ?? 100;
  // Above the fixed endpoints the golden replays bind (40000/40001, 42000/42001, 44600, 44700: the
  // captures' SDP), so a daemon of another test file running at the same time never holds them.
  let portMin = 45000 + ((nextBase += span) % 13000);
  // A tiny pool must really be free, or a test about running out of ports fails for the wrong reason.
  if (span < 50) portMin = await freeRange(span);
  if (opts.portMin !== undefined) portMin = opts.portMin;
  const portMax = portMin + span - 1;
  const args = [
    MAIN, '--config-file=none', '-t', '-1', ...(extraArgs.includes('-i') ? [] : ['-i', '127.0.0.1']), '-n', ngHost.includes(':') ? `[${ngHost}]:${ngPort}` : `${ngHost}:${ngPort}`,
    '-m', String(portMin), '-M', String(portMax), '-f', '-E', '-L', '7', '--num-threads=2', ...extraArgs,
  ];
  const env = { ...process.env, ...(opts.io ? { RTPENGINE_TS_IO: opts.io } : {}), ...opts.env };
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const ng = new NgClient(ngPort, ngHost);
  // Neither the client socket nor the daemon is left behind a failed start.
  const fail = (why: string): Error => {
    ng.close();
    if (proc.exitCode === null) proc.kill('SIGKILL');
    return new Error(`${why}:\n${out}`);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw fail(`daemon exited (${proc.exitCode})`);
    try {
      await ng.request({ command: 'ping' });
      break;
    } catch {
      if (Date.now() > deadline) throw fail('daemon did not answer ping');
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
