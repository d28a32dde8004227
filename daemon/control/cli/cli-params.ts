/**
 * `params start|current|diff|revert`: the configuration as rtpengine 10.5 lists it (same lines, same
 * order; checked against it), from the values at start-up and the live ones. `diff` and `revert`
 * cover the parameters rtpengine 10.5 compares (not offer-timeout or delete-delay, as there).
 */
import { LOG_SUBSYSTEMS, type LogSubsystem } from '../../config/option-table.js';
import type { DaemonOptions } from '../../config/options.js';
import type { ListenAddress } from '../../config/listen.js';
import type { CliContext } from './cli-context.js';
import { level, type CliTable } from './words.js';

/** The run-time-settable values (what `set` changes), captured at start-up for `params start`/`revert`. */
export interface Tunables {
  logLevels: Record<LogSubsystem, number>;
  maxSessions: number;
  timeout: number;
  silentTimeout: number;
  finalTimeout: number;
  offerTimeout: number;
  deleteDelay: number;
  controlTos: number;
  maxCpu: number;
  maxLoad: number;
  maxBandwidth: number;
  redisAllowedErrors: number;
  redisDisableTime: number;
  redisCmdTimeout: number;
  redisConnectTimeout: number;
}

export function currentTunables(c: CliContext): Tunables {
  const s = c.settings;
  const p = c.params;
  return {
    logLevels: { ...c.logLevels }, maxSessions: s.maxSessions, timeout: s.timeout, silentTimeout: s.silentTimeout,
    finalTimeout: s.finalTimeout, offerTimeout: s.offerTimeout, deleteDelay: s.deleteDelay, controlTos: p.controlTos,
    maxCpu: c.limits.maxCpu, maxLoad: c.limits.maxLoad, maxBandwidth: c.limits.maxBandwidth,
    redisAllowedErrors: p.redisAllowedErrors, redisDisableTime: p.redisDisableTime, redisCmdTimeout: p.redisCmdTimeout,
    redisConnectTimeout: p.redisConnectTimeout,
  };
}

/** rtpengine keeps CPU and load limits in hundredths. */
const hundredths = (v: number): number => Math.trunc(v * 100 + 1e-9);

function rawInt(o: DaemonOptions, long: string, def: number): number {
  const v = o.raw.get(long);
  const n = Array.isArray(v) && v.length > 0 ? Number.parseInt(v[v.length - 1]!, 10) : NaN;
  return Number.isFinite(n) ? n : def;
}

function rawStr(o: DaemonOptions, long: string): string {
  const v = o.raw.get(long);
  return Array.isArray(v) && v.length > 0 ? v[v.length - 1]! : '(null)';
}

/** Two endpoint lines per listener option, as rtpengine's two (IPv4, IPv6) slots; empty when unused. */
function listenLines(name: string, list: readonly ListenAddress[] | undefined): string {
  const ep = (l: ListenAddress | undefined): string => (l ? `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}` : '');
  return `${name} = ${ep(list?.[0])}\n${name} = ${ep(list?.[1])}\n`;
}

function paramsText(o: DaemonOptions, t: Tunables, c: CliContext, start: boolean): string {
  let s = LOG_SUBSYSTEMS.map((sub) => `log-level-${sub} = ${t.logLevels[sub]}\n`).join('');
  s += `table = ${o.table}\nmax-sessions = ${t.maxSessions}\ntimeout = ${t.timeout}\nsilent-timeout = ${t.silentTimeout}\n`
    + `final-timeout = ${t.finalTimeout}\noffer-timeout = ${t.offerTimeout}\ndelete-delay = ${t.deleteDelay}\n`
    + `redis-expires = ${rawInt(o, 'redis-expires', 86400)}\ntos = ${o.tos ?? 0}\ncontrol-tos = ${t.controlTos}\n`
    + `graphite-interval = ${rawInt(o, 'graphite-interval', 0)}\nredis-num-threads = ${rawInt(o, 'redis-num-threads', 4)}\n`
    + `homer-protocol = 2\nhomer-id = ${rawInt(o, 'homer-id', 2001)}\nno-fallback = ${o.raw.get('no-fallback') === true ? 1 : 0}\n`
    + `port-min = ${o.portMin}\nport-max = ${o.portMax}\n`
    + (start ? 'redis = :0/-1\nredis-write = :0/-1\n' : 'redis-db = -1\nredis-write-db = -1\n')
    + `no-redis-required = ${o.raw.get('no-redis-required') === true ? 1 : 0}\nnum-threads = ${o.numThreads}\n`
    + `xmlrpc-format = ${rawInt(o, 'xmlrpc-format', 0)}\nlog_format = 0\n`
    + `redis_allowed_errors = ${t.redisAllowedErrors}\nredis_disable_time = ${t.redisDisableTime}\n`
    + `redis_cmd_timeout = ${t.redisCmdTimeout}\nredis_connect_timeout = ${t.redisConnectTimeout}\n`
    + `max-cpu = ${t.maxCpu.toFixed(1)}\nmax-load = ${t.maxLoad.toFixed(2)}\n${start ? 'max-bandwidth' : 'max-bw'} = ${t.maxBandwidth}\n`;
  c.ctx.interfaces.all.forEach((l, i) => { s += `interface[${i}] = ${l.name}\\${l.address} \n`; });
  s += `b2b_url = ${rawStr(o, 'b2b-url')}\nredis-auth = (null)\nredis-write-auth = (null)\n`
    + `recording-dir = ${o.recordingDir ?? '(null)'}\nrecording-method = ${o.recordingMethod ?? 'pcap'}\n`
    + `recording-format = ${o.recordingFormat ?? 'raw'}\niptables-chain = ${rawStr(o, 'iptables-chain')}\n`;
  s += listenLines('listen-tcp', undefined) + listenLines('listen-udp', undefined)
    + listenLines('listen-ng', o.listenNg) + listenLines('listen-cli', o.listenCli);
  return s;
}

/** The pairs `params diff` compares, in rtpengine 10.5's order and with its names. */
function compared(t: Tunables): [string, number][] {
  return [
    ...LOG_SUBSYSTEMS.map((sub): [string, number] => [`log-level-${sub}`, t.logLevels[sub]]),
    ['max-sessions', t.maxSessions], ['max-cpu', hundredths(t.maxCpu)], ['max-load', hundredths(t.maxLoad)],
    ['max-bw', t.maxBandwidth], ['timeout', t.timeout], ['silent-timeout', t.silentTimeout],
    ['final-timeout', t.finalTimeout], ['control-tos', t.controlTos], ['redis_allowed_errors', t.redisAllowedErrors],
    ['redis_disable_time', t.redisDisableTime], ['redis_cmd_timeout', t.redisCmdTimeout],
    ['redis_connect_timeout-db', t.redisConnectTimeout],
  ];
}

function diff(c: CliContext): string {
  const now = compared(currentTunables(c));
  return compared(c.initial).map(([name, v], i) => (v !== now[i]![1] ? `${name}: ${v} => ${now[i]![1]}\n` : '')).join('');
}

function revert(c: CliContext): string {
  const t = c.initial;
  for (const sub of LOG_SUBSYSTEMS) c.logLevels[sub] = t.logLevels[sub];
  c.applyLogLevels();
  Object.assign(c.settings, { maxSessions: t.maxSessions, timeout: t.timeout, silentTimeout: t.silentTimeout, finalTimeout: t.finalTimeout });
  Object.assign(c.limits, { maxCpu: t.maxCpu, maxLoad: t.maxLoad, maxBandwidth: t.maxBandwidth });
  Object.assign(c.params, {
    controlTos: t.controlTos, redisAllowedErrors: t.redisAllowedErrors, redisDisableTime: t.redisDisableTime,
    redisCmdTimeout: t.redisCmdTimeout, redisConnectTimeout: t.redisConnectTimeout,
  });
  return '';
}

const PARAMS_TABLE: CliTable = [
  ['start', (_r, c) => paramsText(c.options, c.initial, c, true)],
  ['current', (_r, c) => paramsText(c.options, currentTunables(c), c, false)],
  ['diff', (_r, c) => diff(c)],
  ['revert', (_r, c) => revert(c)],
];

export const params = level(PARAMS_TABLE);
