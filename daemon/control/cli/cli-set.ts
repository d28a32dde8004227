/**
 * `set …`: changes a run-time parameter of the running daemon (the live settings the call layer and
 * the load limits read). Replies, including rtpengine 10.5's quirks that operators' scripts may match
 * on ("no digists found", `set *timeout` all answering "timeout", `maxbw` stored ×100), checked
 * against rtpengine 10.5.
 */
import { execFile } from 'node:child_process';
import { LOG_SUBSYSTEMS, type LogSubsystem } from '../../config/option-table.js';
import type { CallSettings } from '../../call/media-context.js';
import type { CliContext } from './cli-context.js';
import { MORE_PARAMS, shift, strtod, strtol, type CliHandler, type CliTable } from './words.js';

const noDigits = (what: string, arg: string): string => `Fail setting ${what} to ${arg}; no digists found\n`;

function maxSessions(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return noDigits('maxsessions', arg);
  if (n < -1) return `Fail setting maxsessions to ${n}; either positive or -1 values allowed\n`;
  c.settings.maxSessions = n;
  return n === -1 ? 'Success setting maxsessions to -1; disable feature\n' : `Success setting maxsessions to ${n}\n`;
}

function maxCpu(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtod(arg);
  if (n === null || !Number.isFinite(n)) return n === null ? noDigits('maxcpu', arg) : `Fail setting maxcpu to ${arg}; errno=0\n`;
  c.limits.maxCpu = Math.trunc(n * 100) / 100; // rtpengine keeps hundredths of a percent
  return `Success setting maxcpu to ${n.toFixed(1)}\n`;
}

function maxLoad(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtod(arg);
  if (n === null || !Number.isFinite(n)) return n === null ? noDigits('maxload', arg) : `Fail setting maxload to ${arg}; errno=0\n`;
  c.limits.maxLoad = Math.trunc(n * 100) / 100;
  return `Success setting maxload to ${n.toFixed(2)}\n`;
}

/**
 * rtpengine 10.5 stores `set maxbw N` as N×100 bytes/s (the same scaling as maxcpu/maxload; `list
 * maxbw` then shows N×100), and reads N as an unsigned 64-bit number. Kept, so the limit is the same.
 */
function maxBw(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return noDigits('maxbw', arg);
  const u = BigInt.asUintN(64, BigInt(n));
  c.limits.maxBandwidth = Number(BigInt.asUintN(64, u * 100n));
  return `Success setting maxbw to ${u}\n`;
}

/** timeout, silenttimeout, offertimeout, finaltimeout: all answer "timeout", as in rtpengine 10.5. */
function timeoutSetter(key: 'timeout' | 'silentTimeout' | 'offerTimeout' | 'finalTimeout'): CliHandler {
  return (rest, c) => {
    const arg = shift(rest);
    if (arg === null) return MORE_PARAMS;
    const n = strtol(arg);
    if (n === null) return noDigits('timeout', arg);
    if (n < 0 || n >= 2 ** 31 - 1) return `Fail setting timeout to ${arg}; errno=0\n`;
    (c.settings as CallSettings)[key] = n;
    return `Success setting timeout to ${n}\n`;
  };
}

function deleteDelay(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return 'Invalid delete-delay value\n';
  c.settings.deleteDelay = n;
  return `Success setting delete-delay to ${n}\n`;
}

/**
 * `set loglevel N` (all subsystems) or `set loglevel SUBSYSTEM N`. As rtpengine 10.5: no range check,
 * and an unknown subsystem name still answers "Success" (it changes nothing here).
 */
function logLevel(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const all = strtol(arg);
  if (all !== null) {
    for (const s of LOG_SUBSYSTEMS) c.logLevels[s] = all;
    c.applyLogLevels();
    return `Success setting loglevel to ${all}\n`;
  }
  const sp = arg.indexOf(' ');
  const n = sp < 0 ? null : strtol(arg.slice(sp + 1));
  if (n === null) return MORE_PARAMS;
  const sub = arg.slice(0, sp);
  if ((LOG_SUBSYSTEMS as readonly string[]).includes(sub)) {
    c.logLevels[sub as LogSubsystem] = n;
    c.applyLogLevels();
  }
  return `Success setting loglevel to ${n}\n`;
}

/**
 * `set maxopenfiles N`: Node cannot call setrlimit, so util-linux `prlimit` changes this process'
 * RLIMIT_NOFILE (soft and hard), which is what rtpengine does in-process.
 */
async function maxOpenFiles(rest: string): Promise<string> {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return `Fail setting open_files to ${arg}; no digists found\n`;
  const min = 1 << 16;
  if (n < min) return `Fail setting open_files to ${n}; can't set it under ${min}\n`;
  const errno = await new Promise<number>((resolve) => {
    execFile('prlimit', ['--pid', String(process.pid), `--nofile=${n}:${n}`], (err, _out, stderr) => {
      if (!err) resolve(0);
      else if (/not permitted/i.test(stderr)) resolve(1); // EPERM
      else if (/invalid argument/i.test(stderr)) resolve(22); // EINVAL
      else resolve((err as NodeJS.ErrnoException).code === 'ENOENT' ? 38 /* ENOSYS */ : 1);
    });
  });
  if (errno !== 0) return `Fail setting open_files to ${n}; errno = ${errno}\n`;
  return `Success setting open_files to ${n}; cat /proc/${process.pid}/limits\n`;
}

/**
 * `set controltos N`: stored (`list controltos`); rtpengine 10.5 crashes on this command, and the
 * ng sockets here keep their TOS (the option is not applied yet), so the reply says what it did.
 */
function controlTos(rest: string, c: CliContext): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg) ?? 0;
  if (n < 0 || n > 255) return `Invalid control-tos value ${n}, must be between 0 and 255\n`;
  c.params.controlTos = n;
  return `Success setting control-tos to ${n}\n`;
}

/** The redis-* parameters: kept and listed (there is no Redis to apply them to). */
function redisSetter(key: 'redisAllowedErrors' | 'redisDisableTime' | 'redisConnectTimeout' | 'redisCmdTimeout', name: string, min: number | null): CliHandler {
  return (rest, c) => {
    const arg = shift(rest);
    if (arg === null) return MORE_PARAMS;
    const n = strtol(arg) ?? 0;
    if (min !== null && n < min) return `Invalid ${name} value ${n}, must be ${min === 0 ? '>= 0' : '> 0'}\n`;
    c.params[key] = n;
    return `Success setting ${name} to ${n}\n`;
  };
}

export const SET_TABLE: CliTable = [
  ['maxopenfiles', (r) => maxOpenFiles(r)],
  ['maxsessions', maxSessions],
  ['maxcpu', maxCpu],
  ['maxload', maxLoad],
  ['maxbw', maxBw],
  ['timeout', timeoutSetter('timeout')],
  ['silenttimeout', timeoutSetter('silentTimeout')],
  ['offertimeout', timeoutSetter('offerTimeout')],
  ['finaltimeout', timeoutSetter('finalTimeout')],
  ['loglevel', logLevel],
  ['redisallowederrors', redisSetter('redisAllowedErrors', 'redis-allowed-errors', null)],
  ['redisdisabletime', redisSetter('redisDisableTime', 'redis-disable-time', 0)],
  ['redisconnecttimeout', redisSetter('redisConnectTimeout', 'redis-connect-timeout', 1)],
  ['rediscmdtimeout', redisSetter('redisCmdTimeout', 'redis-cmd-timeout', 0)],
  ['controltos', controlTos],
  ['deletedelay', deleteDelay],
];
