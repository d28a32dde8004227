// `[ADDR:]PORT` listener specifications (--listen-ng, --listen-tcp-ng, --listen-http).
//
// As in rtpengine 10.5 (checked with the real daemon):
// * `PORT` alone listens on all addresses: one IPv4 socket on 0.0.0.0 and one
//   IPv6-only socket on `::` (hence `ipv6Only: true` on the second entry);
// * `ADDR` may be an IPv4 literal, an IPv6 literal with or without brackets
//   (`[::1]:2223`, `::1:2223`), or a host name resolved once (first address);
//   `localhost` is taken as 127.0.0.1.

import { ConfigError } from './errors.js';
import { canonicalIp, familyOfLookup, ipFamily, type AddressFamily, type LookupFn } from './addresses.js';

export interface ListenAddress {
  address: string;
  port: number;
  family: AddressFamily;
  /** Set on the `::` half of a port-only specification: bind it IPv6-only. */
  ipv6Only?: boolean;
}

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export async function parseListenSpec(
  spec: string,
  optionName: string,
  lookup: LookupFn,
): Promise<ListenAddress[]> {
  const fail = (): never => {
    throw new ConfigError(`Invalid IP or port '${spec}' (--${optionName})`);
  };
  const s = spec.trim();
  const portOnly = parsePort(s);
  if (portOnly !== undefined) {
    return [
      { address: '0.0.0.0', port: portOnly, family: 'IP4' },
      { address: '::', port: portOnly, family: 'IP6', ipv6Only: true },
    ];
  }
  let host: string;
  let portStr: string;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portStr = bracket[2]!;
    if (ipFamily(host) !== 'IP6') fail();
  } else {
    const colon = s.lastIndexOf(':');
    if (colon <= 0) fail();
    host = s.slice(0, colon);
    portStr = s.slice(colon + 1);
  }
  const port = parsePort(portStr) ?? fail();
  const fam = ipFamily(host);
  if (fam) return [{ address: canonicalIp(host), port, family: fam }];
  if (host.toLowerCase() === 'localhost') return [{ address: '127.0.0.1', port, family: 'IP4' }];
  if (host.includes(':')) fail();
  let results: { address: string; family: number }[];
  try {
    results = await lookup(host);
  } catch {
    return fail();
  }
  for (const r of results) {
    const f = familyOfLookup(r.family);
    if (f) return [{ address: canonicalIp(r.address), port, family: f }];
  }
  return fail();
}
