/**
 * `ksadd`/`ksrm`/`kslist`: Redis keyspace notifications. There is no Redis here, so no keyspace can
 * be subscribed: malformed arguments and `kslist`/`ksrm` answer exactly as rtpengine 10.5 without
 * Redis; `ksadd N` (which makes rtpengine 10.5 crash without Redis) says it failed and why.
 */
import { MORE_PARAMS, shift, strtol } from './words.js';

export function ksadd(rest: string): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return `Fail adding keyspace ${arg} to redis notifications; no digists found\n`;
  return `Fail adding keyspace ${n} to redis notifications; no redis configured\n`;
}

export function ksrm(rest: string): string {
  const arg = shift(rest);
  if (arg === null) return MORE_PARAMS;
  const n = strtol(arg);
  if (n === null) return `Fail removing keyspace ${arg} to redis notifications; no digists found\n`;
  return `Keyspace ${BigInt.asUintN(64, BigInt(n))} is not among redis notifications.\n`;
}

export const kslist = (): string => '\nSubscribed-on keyspaces:\n\n';
