/**
 * Numeric IP addresses for the batch I/O backend: IPv4 as a u32 (>= 0), IPv6 as a negative id into
 * a per-worker intern table whose 16-byte entries the native side reads when it sends. Numbers
 * compare with `===` like the strings of the dgram backend, without a string per packet.
 */
import { isIP } from 'node:net';

export function ipv4ToU32(s: string): number {
  const p = s.split('.');
  return ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
}

export function u32ToIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses an IPv6 literal (with `::` and an optional embedded IPv4 tail) into 16 bytes; false if invalid. */
export function parseIpv6(s: string, out: Uint8Array, at: number): boolean {
  if (isIP(s) !== 6) return false;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    // Embedded IPv4 tail (e.g. ::ffff:1.2.3.4): rewrite it as two hex groups.
    const v4 = ipv4ToU32(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  const parse = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  let groups: number[];
  if (dbl >= 0) {
    const head = parse(s.slice(0, dbl));
    const rest = parse(s.slice(dbl + 2));
    const fill = 8 - head.length - rest.length;
    if (fill < 0) return false;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = parse(s);
  }
  if (groups.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!(g >= 0 && g <= 0xffff)) return false;
    out[at + 2 * i] = g >>> 8;
    out[at + 2 * i + 1] = g & 255;
  }
  return true;
}

/** inet_ntop's text form (RFC 5952 zero compression, ::ffff:a.b.c.d for v4-mapped), as dgram reports it. */
export function formatIpv6(b: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  if (bestAt === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** Writes an IPv6 address given as four big-endian 32-bit words (command-ring.ts) as 16 bytes at out[0]. */
export function ipv6WordsToBytes(w: readonly number[], out: Uint8Array): Uint8Array {
  for (let i = 0; i < 4; i++) {
    const x = w[i]!;
    out[i * 4] = x >>> 24; out[i * 4 + 1] = (x >>> 16) & 255; out[i * 4 + 2] = (x >>> 8) & 255; out[i * 4 + 3] = x & 255;
  }
  return out;
}

const v6Scratch = new Uint8Array(16);

/** The same four words as text. */
export function ipv6FromWords(w: readonly number[]): string {
  return formatIpv6(ipv6WordsToBytes(w, v6Scratch), 0);
}
