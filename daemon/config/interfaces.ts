// --interface=[NAME/]ADDR[!ADV] resolution, following rtpengine 10.5's if_addr_parse().
//
// ADDR, tried in this order:
// 1. an IPv4/IPv6 literal (0.0.0.0 / :: are invalid);
// 2. a system interface name: all addresses of that interface;
//    `any` = all addresses of all non-loopback interfaces.
//    IPv6 link-local addresses (non-zero scope id) are skipped, as rtpengine does;
// 3. a DNS name, resolved once to all of its addresses.
// NAME defaults to `default`; `BASE:SUFFIX` names form round-robin groups (the
// name is kept verbatim here). ADV is an IP literal or a DNS name (first address).

import type { NetworkInterfaceInfo } from 'node:os';
import { ConfigError } from './errors.js';
import {
  canonicalIp, familyOfLookup, ipFamily, isUnspecified, type AddressFamily, type LookupFn,
} from './addresses.js';

export interface InterfaceSpec {
  name: string;
  address: string;
  advertised?: string;
  family: AddressFamily;
}

export type NetworkInterfacesFn = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface InterfaceResolveEnv {
  networkInterfaces: NetworkInterfacesFn;
  lookup: LookupFn;
}

export interface SplitInterfaceSpec {
  name: string;
  address: string;
  advertised?: string;
}

/** Splits `[NAME/]ADDR[!ADV]` without resolving anything. */
export function splitInterfaceSpec(spec: string): SplitInterfaceSpec {
  let rest = spec;
  let name = 'default';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    name = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  const bang = rest.indexOf('!');
  if (bang >= 0) return { name, address: rest.slice(0, bang), advertised: rest.slice(bang + 1) };
  return { name, address: rest };
}

function systemAddresses(ifName: string, env: InterfaceResolveEnv): { address: string; family: AddressFamily }[] {
  const all = env.networkInterfaces();
  const out: { address: string; family: AddressFamily }[] = [];
  for (const [name, infos] of Object.entries(all)) {
    if (!infos) continue;
    if (ifName !== 'any' && name !== ifName) continue;
    for (const info of infos) {
      if (ifName === 'any' && info.internal) continue;
      const family = familyOfLookup(info.family);
      if (!family) continue;
      if (family === 'IP6' && 'scopeid' in info && info.scopeid) continue; // link-local
      out.push({ address: canonicalIp(info.address), family });
    }
  }
  return out;
}

async function dnsAddresses(host: string, env: InterfaceResolveEnv): Promise<{ address: string; family: AddressFamily }[]> {
  try {
    const res = await env.lookup(host);
    const out: { address: string; family: AddressFamily }[] = [];
    for (const r of res) {
      const family = familyOfLookup(r.family);
      if (family) out.push({ address: canonicalIp(r.address), family });
    }
    return out;
  } catch {
    return [];
  }
}

/** Resolves one --interface value into one entry per local address. */
export async function resolveInterfaceSpec(spec: string, env: InterfaceResolveEnv): Promise<InterfaceSpec[]> {
  const fail = (): never => {
    throw new ConfigError(`Invalid interface specification: '${spec}'`);
  };
  const parts = splitInterfaceSpec(spec);
  if (parts.address === '') fail();

  let addrs: { address: string; family: AddressFamily }[];
  const fam = ipFamily(parts.address);
  if (fam) {
    if (isUnspecified(parts.address)) fail();
    addrs = [{ address: canonicalIp(parts.address), family: fam }];
  } else {
    addrs = systemAddresses(parts.address, env);
    if (addrs.length === 0) addrs = await dnsAddresses(parts.address, env);
  }
  if (addrs.length === 0) fail();

  let advertised: string | undefined;
  if (parts.advertised !== undefined) {
    if (ipFamily(parts.advertised)) advertised = canonicalIp(parts.advertised);
    else advertised = (await dnsAddresses(parts.advertised, env))[0]?.address;
    if (advertised === undefined || isUnspecified(advertised)) fail();
  }

  const seen = new Set<string>();
  const out: InterfaceSpec[] = [];
  for (const a of addrs) {
    if (seen.has(a.address)) continue;
    seen.add(a.address);
    const entry: InterfaceSpec = { name: parts.name, address: a.address, family: a.family };
    if (advertised !== undefined) entry.advertised = advertised;
    out.push(entry);
  }
  return out;
}

export async function resolveInterfaces(specs: readonly string[], env: InterfaceResolveEnv): Promise<InterfaceSpec[]> {
  const out: InterfaceSpec[] = [];
  for (const spec of specs) out.push(...(await resolveInterfaceSpec(spec, env)));
  return out;
}
