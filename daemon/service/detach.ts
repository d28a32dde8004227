/**
 * Running in the background, as rtpengine does without --foreground. Node cannot fork(2) (its other
 * threads would not survive in the child), so the daemon is started again as a detached child in
 * its own session, with --foreground, stdio on /dev/null, and an IPC channel on which it says when
 * it is up. The parent exits 0 then (so an init script or `Type=forking` unit sees a running daemon),
 * or 1 with the reason when the child exits first. The child writes --pidfile itself.
 */
import { spawn } from 'node:child_process';

/** How long the parent waits for the daemon to come up. */
const STARTUP_MS = 30_000;

export function detach(argv: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv, '--foreground'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, RTPENGINE_TS_DETACHED: '1' },
  });
  return new Promise<number>((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`rtpengine-ts: the daemon (pid ${child.pid}) did not report being up within ${STARTUP_MS / 1000} s\n`);
      resolve(1);
    }, STARTUP_MS);
    child.once('message', (m) => {
      if (m !== 'ready') return;
      clearTimeout(timer);
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.stderr.write(`rtpengine-ts: the daemon exited during start-up (${signal ?? `status ${code}`}); see its log (syslog, or --log-stderr with --foreground)\n`);
      resolve(1);
    });
  });
}

/** In the detached child: tells the waiting parent that the daemon is up, and lets go of the channel. */
export function reportReady(): void {
  if (process.env.RTPENGINE_TS_DETACHED !== '1' || typeof process.send !== 'function') return;
  process.send('ready');
  process.disconnect();
}
