/**
 * Logging: pino as the API (log.info({ callId }, 'msg')), written the way rtpengine writes its logs.
 * Never called on the per-packet path.
 *
 * Where: syslog (rtpengine's default; `--log-facility`, the service addon) unless `--log-stderr`,
 * or when the addon is missing (then stderr, with a notice why). What: rtpengine's line
 *
 *   [1796183588.983930] WARNING: [callid]: message key=value ...
 *
 * (`--no-log-timestamps` drops the bracketed time on stderr; syslog has its own). `--log-format=parsable`
 * writes the call as `[ID="callid"]`, as rtpengine does; `--log-format=json` (ours) keeps pino's JSON
 * lines for log pipelines. rtpengine's syslog-style `--log-level` (0..7) maps onto pino levels, with a
 * custom `notice` level for syslog's NOTICE.
 */
import { pino, type LogFn, type Logger as PinoLogger } from 'pino';
import { loadServiceNative } from './service/native.js';
import { facilityCode } from './service/facility.js';
import { SyslogWriter } from './service/syslog.js';

export type Logger = PinoLogger;

/**
 * syslog's NOTICE (5) as a pino level between info (30) and warn (40): rtpengine logs some lines
 * (`Creating new call`) at NOTICE, and `-L 5` shows those but not INFO.
 */
export const NOTICE = 35;
const CUSTOM_LEVELS = { notice: NOTICE };

/** syslog priority → pino level name (0 emerg .. 7 debug). */
export function pinoLevel(syslogLevel: number): string {
  if (syslogLevel <= 2) return 'fatal';
  if (syslogLevel === 3) return 'error';
  if (syslogLevel === 4) return 'warn';
  if (syslogLevel === 5) return 'notice';
  if (syslogLevel === 6) return 'info';
  return 'debug';
}

/** pino level number → syslog priority and the name rtpengine prints for it. */
function syslogOf(level: number): [number, string] {
  if (level >= 60) return [2, 'CRIT'];
  if (level >= 50) return [3, 'ERR'];
  if (level >= 40) return [4, 'WARNING'];
  if (level >= NOTICE) return [5, 'NOTICE'];
  if (level >= 30) return [6, 'INFO'];
  return [7, 'DEBUG'];
}

/**
 * Logs at NOTICE where the logger knows that level (every logger createLogger makes and their
 * children); a plain pino logger (unit tests) gets INFO instead.
 */
export function logNotice(log: Logger, bindings: object, msg: string): void {
  if (log.levels.values.notice === NOTICE) (log as unknown as { notice: LogFn }).notice(bindings, msg);
  else log.info(bindings, msg);
}

export type LogFormat = 'default' | 'parsable' | 'json';

export interface LogSettings {
  /** --log-level (0..7). */
  level: number;
  /** --log-stderr: stderr instead of syslog. */
  stderr: boolean;
  /** --log-format: rtpengine's default or parsable line, or pino's JSON (ours). */
  format?: LogFormat;
  /** --no-log-timestamps: no bracketed time in front of stderr lines. */
  noTimestamps?: boolean;
  /** --log-facility (syslog facility name, default daemon). */
  facility?: string;
  /** --log-mark-prefix / --log-mark-suffix: around call ids and other sensitive values, as rtpengine marks them. */
  markPrefix?: string;
  markSuffix?: string;
}

/** Fields pino adds itself, not written into the text line. */
const OWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'callId', 'streamPort', 'mediaTag', 'mediaIndex', 'sub', 'v']);

/**
 * One pino JSON record as rtpengine's text line (without the time prefix): `LEVEL: [callid]: msg k=v`.
 * A record about one media socket (`streamPort`: its local port, as rtpengine's lines logged while
 * handling a packet) is prefixed `[callid port 43020]` (parsable: `[ID="callid" port="43020"]`), the
 * port right-aligned in 5 columns as rtpengine prints it. A record about one media section of one
 * participant (`mediaTag`, `mediaIndex`: rtpengine's ICE agent lines) is prefixed `[callid/tag/1]`
 * (parsable: `[ID="callid" tag="tag" index="1"]`). Exported for tests.
 */
export function formatRecord(rec: Record<string, unknown>, format: LogFormat, mark: [string, string] = ['', '']): string {
  const [, name] = syslogOf(Number(rec.level ?? 30));
  let line = `${name}: `;
  const callId = rec.callId;
  if (typeof callId === 'string' && callId !== '') {
    const id = `${mark[0]}${callId}${mark[1]}`;
    const port = typeof rec.streamPort === 'number' ? String(rec.streamPort).padStart(5) : null;
    const media = typeof rec.mediaTag === 'string' && typeof rec.mediaIndex === 'number';
    if (media && format === 'parsable') line += `[ID="${id}" tag="${String(rec.mediaTag)}" index="${Number(rec.mediaIndex)}"]: `;
    else if (media) line += `[${id}/${mark[0]}${String(rec.mediaTag)}${mark[1]}/${Number(rec.mediaIndex)}]: `;
    else if (format === 'parsable') line += port === null ? `[ID="${id}"]: ` : `[ID="${id}" port="${port}"]: `;
    else line += port === null ? `[${id}]: ` : `[${id} port ${port}]: `;
  }
  // rtpengine's subsystem tag (`[control]`, `[core]`, ...), where the log call names one.
  if (typeof rec.sub === 'string') line += `[${rec.sub}] `;
  line += String(rec.msg ?? '');
  for (const [k, v] of Object.entries(rec)) {
    if (OWN.has(k) || v === undefined) continue;
    if (k === 'err' && v !== null && typeof v === 'object') {
      const e = v as { message?: unknown; type?: unknown };
      line += ` err=${JSON.stringify(String(e.message ?? e.type ?? 'error'))}`;
      continue;
    }
    line += ` ${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v) : JSON.stringify(v)}`;
  }
  return line;
}

/** rtpengine's stderr time prefix: seconds.microseconds since the epoch. */
function timePrefix(ms: number): string {
  const us = Math.round(ms * 1000);
  return `[${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}] `;
}

/** A pino destination that writes rtpengine's lines to stderr or syslog. */
class TextDestination {
  constructor(
    private readonly s: LogSettings,
    private readonly sys: SyslogWriter | null,
    private readonly facility: number,
  ) {}

  write(json: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(json) as Record<string, unknown>;
    } catch {
      process.stderr.write(json);
      return;
    }
    const text = this.s.format === 'json'
      ? json.trimEnd()
      : formatRecord(rec, this.s.format === 'parsable' ? 'parsable' : 'default', [this.s.markPrefix ?? '', this.s.markSuffix ?? '']);
    if (this.sys !== null) {
      this.sys.write(this.facility | syslogOf(Number(rec.level ?? 30))[0], text);
      return;
    }
    // pino's record time has milliseconds; rtpengine prints microseconds. The line is written while
    // it is logged (this destination is synchronous), so the clock now is the record's time.
    const t = performance.timeOrigin + performance.now();
    process.stderr.write(`${this.s.noTimestamps ? '' : timePrefix(t)}${text}\n`);
  }
}

export function createLogger(settings: LogSettings | number): Logger {
  const s: LogSettings = typeof settings === 'number' ? { level: settings, stderr: true } : settings;
  const level = pinoLevel(s.level);
  let sys: SyslogWriter | null = null;
  let notice = '';
  if (!s.stderr) {
    const { native, error } = loadServiceNative();
    if (native !== null) {
      sys = new SyslogWriter(native, 'rtpengine-ts');
    } else {
      notice = `syslog unavailable (native service addon not loaded: ${error}), logging to stderr`;
    }
  }
  let log: Logger;
  if (s.format === 'json' && sys === null) {
    // Typed as a plain Logger: `notice` is reached through logNotice() only.
    log = pino({ level, customLevels: CUSTOM_LEVELS, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false })) as unknown as Logger;
  } else {
    log = pino({ level, customLevels: CUSTOM_LEVELS, base: undefined }, new TextDestination(s, sys, facilityCode(s.facility ?? 'daemon') ?? 24)) as unknown as Logger;
  }
  if (notice !== '') log.warn(notice);
  return log;
}

/**
 * rtpengine's per-subsystem log levels (`--log-level-core`, `--log-level-control`, ...; each defaults to
 * `--log-level`): one child logger per subsystem with its own level, tagged `[subsystem]` in the line.
 * SIGUSR1/SIGUSR2 move every level by one, as rtpengine's signal handler does.
 */
export class SubsystemLogs {
  private readonly levels = new Map<string, number>();
  private readonly loggers = new Map<string, Logger>();

  constructor(readonly root: Logger, private rootLevel: number, levels: Readonly<Record<string, number>>) {
    for (const [sub, level] of Object.entries(levels)) this.levels.set(sub, level);
  }

  /** The logger of `sub` (made once; a level below 0 — `internals` by default — logs nothing). */
  get(sub: string): Logger {
    let l = this.loggers.get(sub);
    if (l === undefined) {
      const level = this.levels.get(sub) ?? this.rootLevel;
      l = this.root.child({ sub }, { level: level < 0 ? 'silent' : pinoLevel(level) });
      this.loggers.set(sub, l);
    }
    return l;
  }

  /**
   * Levels set at run time (rtpengine-ctl `set loglevel [sub] N`): each subsystem named takes its new
   * level, and its logger follows at once.
   */
  apply(levels: Readonly<Record<string, number>>): void {
    for (const [sub, level] of Object.entries(levels)) {
      this.levels.set(sub, level);
      const l = this.loggers.get(sub);
      if (l !== undefined) l.level = level < 0 ? 'silent' : pinoLevel(level);
    }
  }

  /** Every level by `delta` (clamped to 0..7); returns the root's new level. */
  shift(delta: number): number {
    this.rootLevel = Math.min(7, Math.max(0, this.rootLevel + delta));
    this.root.level = pinoLevel(this.rootLevel);
    for (const [sub, level] of this.levels) {
      if (level < 0) continue;
      const next = Math.min(7, Math.max(0, level + delta));
      this.levels.set(sub, next);
      const l = this.loggers.get(sub);
      if (l !== undefined) l.level = pinoLevel(next);
    }
    return this.rootLevel;
  }
}
