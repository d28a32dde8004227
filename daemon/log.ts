/**
 * Logging via pino, to stderr (the daemon runs in the foreground under a supervisor; rtpengine's
 * syslog output is what `--log-stderr` replaces there). rtpengine's syslog-style `--log-level`
 * (0..7) maps onto pino levels. Never called on the per-packet path.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** syslog priority → pino level name (0 emerg .. 7 debug). */
export function pinoLevel(syslogLevel: number): string {
  if (syslogLevel <= 2) return 'fatal';
  if (syslogLevel === 3) return 'error';
  if (syslogLevel === 4) return 'warn';
  if (syslogLevel <= 6) return 'info';
  return 'debug';
}

export function createLogger(syslogLevel: number): Logger {
  return pino({ level: pinoLevel(syslogLevel), base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
