// Small address helpers shared by the listener and interface parsers.

import { isIP } from 'node:net';

export type AddressFamily = 'IP4' | 'IP6';

/** Resolves a host name to all of its addresses (dns.lookup with `all: true`). */
export type LookupFn = (host: string) => Promise<{ address: string; family: number }[]>;

/** Returns the family of an IP literal, or undefined if `s` is not one. */
export function ipFamily(s: string): AddressFamily | undefined {
  const v = isIP(s);
  if (v === 4) return 'IP4';
  if (v === 6) return 'IP6';
  return undefined;
}

/** Canonical text form of an IP literal (IPv6 compressed and lower-case). */
export function canonicalIp(s: string): string {
  if (isIP(s) !== 6 || s.includes('%')) return s;
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return s;
  }
}

export function isUnspecified(s: string): boolean {
  const c = canonicalIp(s);
  return c === '0.0.0.0' || c === '::';
}

export function familyOfLookup(family: number | string): AddressFamily | undefined {
  if (family === 4 || family === 'IPv4') return 'IP4';
  if (family === 6 || family === 'IPv6') return 'IP6';
  return undefined;
}
