/**
 * Running as a service, as rtpengine does (issue 15): without --foreground the daemon detaches into
 * its own session and the command returns once it is up; --pidfile names the daemon's pid and goes
 * away on shutdown; logs go to syslog (RFC 3164 datagrams to /dev/log, here a test socket through
 * RTPENGINE_TS_SYSLOG_SOCKET) with --log-facility; systemd readiness (Type=notify) reaches
 * $NOTIFY_SOCKET; SIGUSR2/SIGUSR1 raise/lower the log level, SIGHUP does nothing. The receiving
 * unix datagram sockets are test/helpers/unix-dgram-sink.py (Node has none).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceNative } from '../../daemon/service/native.js';
import { freeUdpPort, MAIN } from '../helpers/daemon-process.js';
import { NgClient, str } from '../helpers/ng-client.js';

const SINK = fileURLToPath(new URL('../helpers/unix-dgram-sink.py', import.meta.url));
const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;
const hasAddon = loadServiceNative().native !== null;

/** One unix datagram socket and what arrived on it. */
class Sink {
  readonly lines: string[] = [];
  private constructor(readonly path: string, private readonly proc: ChildProcess) {}

  static async open(path: string): Promise<Sink> {
    const proc = spawn('python3', [SINK, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    const sink = new Sink(path, proc);
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === 'ready') resolve();
          else sink.lines.push(JSON.parse(line) as string);
        }
      });
    });
    return sink;
  }

  async waitFor(re: RegExp, ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > end) throw new Error(`no line matching ${re} in:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.proc.stdin!.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the daemon command (without -f) to its end: the detaching parent's exit status and stderr. */
function runDetaching(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(!hasPython || !hasAddon)('service mode', () => {
  let dir: string;
  let syslog: Sink;
  let notify: Sink;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtpe-ts-service-'));
    syslog = await Sink.open(join(dir, 'log'));
    notify = await Sink.open(join(dir, 'notify'));
  });
  afterAll(() => {
    syslog?.close();
    notify?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('detaches, writes the pidfile, logs to syslog, reports readiness, follows SIGUSR1/2 and SIGHUP, and cleans up', async () => {
    const ngPort = await freeUdpPort();
    const pidfile = join(dir, 'rtpengine-ts.pid');
    const base = 45000 + Math.floor(Math.random() * 100) * 20;
    const r = await runDetaching(
      ['--config-file=none', '-i', '127.0.0.1', '-n', `127.0.0.1:${ngPort}`, '-m', String(base), '-M', String(base + 19), '-p', pidfile,
        '-L', '6', '--log-facility=local3', '--num-threads=1'],
      { RTPENGINE_TS_SYSLOG_SOCKET: syslog.path, NOTIFY_SOCKET: notify.path },
    );
    expect(r.code, r.stderr).toBe(0);
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    expect(alive(pid)).toBe(true);
    // Its own session: the terminal that started it can go away.
    const sid = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3];
    expect(Number(sid)).toBe(pid);
    const ng = new NgClient(ngPort, '127.0.0.1');
    try {
      expect(str((await ng.request({ command: 'ping' })).get('result'))).toBe('pong');
    } finally {
      ng.close();
    }
    // RFC 3164 framing with facility local3 (19) | severity info (6) = 158, rtpengine's level word.
    expect(await syslog.waitFor(/Startup complete/)).toMatch(new RegExp(`^<158>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d rtpengine-ts\\[${pid}\\]: INFO: \\[core\\] Startup complete, version rtpengine-ts `));
    expect(await notify.waitFor(/READY=1/)).toBe(`READY=1\nMAINPID=${pid}`);
    process.kill(pid, 'SIGHUP');
    process.kill(pid, 'SIGUSR2');
    expect(await syslog.waitFor(/Increased log level to 7/)).toMatch(/^<156>/);
    process.kill(pid, 'SIGUSR1');
    await syslog.waitFor(/Decreased log level to 6/);
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGTERM');
    await notify.waitFor(/STOPPING=1/);
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive(pid)).toBe(false);
    expect(existsSync(pidfile)).toBe(false);
  });

  it('returns 1 with the reason when the detached daemon cannot start', async () => {
    // Its ng port is taken: the daemon cannot start, the command says so instead of returning 0.
    const busy = createSocket('udp4');
    await new Promise<void>((res) => busy.bind(0, '127.0.0.1', () => res()));
    try {
      const r = await runDetaching(
        ['--config-file=none', '-i', '127.0.0.1', '-n', `127.0.0.1:${busy.address().port}`],
        { RTPENGINE_TS_SYSLOG_SOCKET: syslog.path },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/rtpengine-ts: the daemon exited during start-up/);
      await syslog.waitFor(/CRIT: Failed to start/);
    } finally {
      busy.close();
    }
  });
});
