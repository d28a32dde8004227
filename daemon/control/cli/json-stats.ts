/**
 * `list jsonstats`: the ng `statistics` dict as rtpengine 10.5 prints it in JSON — numbers and the
 * fixed-point figures (which the bencoded reply carries as strings, e.g. "0.000000") unquoted, names
 * and addresses quoted, no whitespace, no trailing newline.
 */
import type { BEncodable } from '../../../protocol/ng/bencode.js';

/** Keys whose string values are text, never numbers. */
const TEXT_KEYS = new Set(['name', 'address', 'proxy']);
const NUMERIC = /^-?\d+(\.\d+)?$/;

export function jsonStats(v: BEncodable, key = ''): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = typeof v === 'string' ? v : v.toString('latin1');
    return !TEXT_KEYS.has(key) && NUMERIC.test(s) ? s : JSON.stringify(s);
  }
  if (Array.isArray(v)) return `[${v.map((x) => jsonStats(x)).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${jsonStats(x, k)}`).join(',')}}`;
  return JSON.stringify(v);
}
