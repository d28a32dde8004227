#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * `--max-semi-space-size=4` (shebang, npm start): V8's default 16 MB semi-spaces mostly add RSS.
 * Measured with bench/: RSS at 1000 calls 109 → 101 MB at the same CPU per packet and the same ng
 * rate; 1 MB semi-spaces give 93 MB but cost ~10 % of the ng rate (more scavenges per request). It
 * must be on node's command line (V8 sizes the heap at start-up).
 *
 * rtpengine-ts entry point: parse rtpengine's options, start the media workers and the ng control
 * socket(s), run the lifecycle timer, and shut down cleanly on SIGINT/SIGTERM. As rtpengine: without
 * --foreground it detaches (daemon/service/detach.ts) and the parent returns once the daemon is up;
 * SIGUSR1 / SIGUSR2 lower / raise the log level by one, SIGHUP is ignored; under systemd
 * (Type=notify) it reports READY=1 once its sockets are open.
 */
import { availableParallelism } from 'node:os';
import { writeFileSync, unlinkSync } from 'node:fs';
import { detach, reportReady } from './service/detach.js';
import { notifySystemd } from './service/native.js';
import { ConfigError } from './config/errors.js';
import { helpText, isHelpRequest, isVersionRequest, loadOptions } from './config/options.js';
import { createLogger } from './log.js';
import { Daemon } from './daemon.js';
import { VERSION } from './version.js';
import { nativeAddonNotices } from './native-status.js';

async function main(argv: string[]): Promise<number> {
  if (isHelpRequest(argv)) {
    process.stdout.write(helpText());
    return 0;
  }
  if (isVersionRequest(argv)) {
    process.stderr.write(`Version: ${VERSION}\n`);
    return 0;
  }
  let loaded;
  try {
    loaded = await loadOptions(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`rtpengine-ts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const { options, warnings } = loaded;
  // Not --foreground: the daemon runs in a detached child, this process waits for it to be up.
  if (!options.foreground) return detach(argv);
  const log = createLogger({
    level: options.logLevel, stderr: options.logStderr, format: options.logFormat, noTimestamps: options.noLogTimestamps,
    facility: options.logFacility, markPrefix: options.logMarkPrefix, markSuffix: options.logMarkSuffix,
  });
  for (const w of warnings) log.warn(w);
  for (const n of nativeAddonNotices()) log.warn(n);
  if (options.numThreads <= 0) options.numThreads = availableParallelism();

  const daemon = new Daemon(options, log);
  try {
    await daemon.start();
  } catch (e) {
    log.fatal({ err: e }, 'Failed to start');
    await daemon.close();
    return 1;
  }
  if (options.pidfile) writeFileSync(options.pidfile, `${process.pid}\n`);
  // rtpengine 10.5's start and stop lines: `[core] Startup complete, version X`, `[core] Version X shutting down`.
  const core = daemon.logs.get('core');
  core.info(`Startup complete, version ${VERSION}`);
  notifySystemd(`READY=1\nMAINPID=${process.pid}`);
  reportReady();

  // rtpengine 10.5: SIGUSR1 lowers every log level (all subsystems) by one, SIGUSR2 raises it; SIGHUP
  // does nothing.
  const adjust = (by: number): void => {
    const level = daemon.logs.shift(by);
    log.warn(`${by < 0 ? 'Decreased' : 'Increased'} log level to ${level}`);
  };
  process.on('SIGUSR1', () => adjust(-1));
  process.on('SIGUSR2', () => adjust(1));
  process.on('SIGHUP', () => {});

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      core.info(`Version ${VERSION} shutting down`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  notifySystemd('STOPPING=1');
  await daemon.close();
  if (options.pidfile) {
    try { unlinkSync(options.pidfile); } catch { /* already gone */ }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`rtpengine-ts: fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
