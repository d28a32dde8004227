/**
 * JSON form of ng messages (rtpengine accepts a JSON object instead of a bencoded dict and then
 * replies in JSON). Converted to the same tree as bencode: strings become byte strings (UTF-8),
 * numbers and booleans integers; null and non-integer numbers make the conversion fail.
 */
import type { BDict, BEncodable, BValue } from './bencode.js';

export class JsonNgError extends Error {}

export function jsonDecode(buf: Buffer): BDict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new JsonNgError('Failed to parse JSON document');
  }
  const v = fromJson(parsed, 0);
  if (!(v instanceof Map)) throw new JsonNgError('Failed to parse JSON document');
  return v;
}

/** Same nesting limit as the bencode decoder. */
const MAX_DEPTH = 64;

function fromJson(v: unknown, depth: number): BValue {
  if (depth >= MAX_DEPTH) throw new JsonNgError('Failed to parse JSON document');
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new JsonNgError('Failed to parse JSON document');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => fromJson(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const m: BDict = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(Buffer.from(k, 'utf8').toString('latin1'), fromJson(x, depth + 1));
    return m;
  }
  throw new JsonNgError('Failed to parse JSON document');
}

/** Compact JSON with keys in insertion order (JSON.stringify would move integer-like keys first). */
export function jsonEncode(v: BEncodable): Buffer {
  return Buffer.from(toJsonText(v), 'utf8');
}

function toJsonText(v: BEncodable): string {
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('utf8'));
  if (typeof v === 'string') return JSON.stringify(Buffer.from(v, 'latin1').toString('utf8'));
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(Math.trunc(v));
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  const parts: string[] = [];
  const add = (k: string, x: BEncodable | undefined): void => {
    if (x !== undefined) parts.push(`${JSON.stringify(Buffer.from(k, 'latin1').toString('utf8'))}:${toJsonText(x)}`);
  };
  if (v instanceof Map) for (const [k, x] of v) add(k, x);
  else for (const k of Object.keys(v)) add(k, v[k]);
  return `{${parts.join(',')}}`;
}
