/**
 * Starts our daemon, or — with REFERENCE_RTPENGINE (or RTPENGINE_BIN, FLAG_MEDIA_RTPENGINE) set to
 * rtpengine's binary, e.g. /usr/bin/rtpengine — the real rtpengine 10.5 with the same command line,
 * so one test file proves its expectations against both. The one helper for that in the tests.
 */
import { spawn } from 'node:child_process';
import { freeUdpPort, startDaemon, type DaemonHandle } from './daemon-process.js';
import { NgClient } from './ng-client.js';

export const REFERENCE = process.env.REFERENCE_RTPENGINE ?? process.env.RTPENGINE_BIN ?? process.env.FLAG_MEDIA_RTPENGINE;

let portBase = 52000 + (process.pid % 20) * 300;

export async function startEither(args: string[] = [], opts: { ports?: number; env?: Record<string, string> } = {}): Promise<DaemonHandle> {
  if (!REFERENCE) return startDaemon(args, { ports: opts.ports ?? 200, env: opts.env });
  return startReference(REFERENCE, args, opts);
}

/** rtpengine's binary `bin` (e.g. /usr/bin/rtpengine) with our test command line, for tests that run both side by side. */
export async function startReference(bin: string, args: string[] = [], opts: { ports?: number } = {}): Promise<DaemonHandle> {
  const ports = opts.ports ?? 200;
  const ngPort = await freeUdpPort();
  const portMin = portBase;
  portBase += Math.max(300, ports);
  const portMax = portMin + ports - 1;
  const proc = spawn(bin, [
    '--config-file=none', '-t', '-1', ...(args.includes('-i') ? [] : ['-i', '127.0.0.1']), '-n', `127.0.0.1:${ngPort}`,
    '-m', String(portMin), '-M', String(portMax), '-f', '-E', '-L', '7', '--num-threads=2', ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const ng = new NgClient(ngPort);
  for (const deadline = Date.now() + 10_000; ;) {
    try {
      await ng.request({ command: 'ping' });
      break;
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`rtpengine did not start:\n${out}`);
    }
  }
  return {
    ngPort, portMin, portMax, ng, proc, log: () => out,
    close: async () => {
      ng.close();
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
