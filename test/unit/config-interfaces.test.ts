// --interface=[NAME/]ADDR[!ADV] forms and address resolution.
import os, { type NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  resolveInterfaceSpec, resolveInterfaces, splitInterfaceSpec, type InterfaceResolveEnv,
} from '../../daemon/config/interfaces.js';
import { ConfigError } from '../../daemon/config/errors.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal: boolean, scopeid = 0): NetworkInterfaceInfo =>
  (family === 'IPv4'
    ? { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }
    : { address, family, internal, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid });

const env: InterfaceResolveEnv = {
  networkInterfaces: () => ({
    lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
    eth0: [nic('192.0.2.10', 'IPv4', false), nic('fe80::10', 'IPv6', false, 2), nic('2001:db8::10', 'IPv6', false)],
    eth1: [nic('198.51.100.10', 'IPv4', false)],
  }),
  lookup: async (host) => {
    if (host === 'media.example') return [{ address: '192.0.2.20', family: 4 }, { address: '2001:db8::20', family: 6 }];
    if (host === 'public.example') return [{ address: '203.0.113.99', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  },
};

describe('splitInterfaceSpec', () => {
  it('splits NAME, ADDR and ADV', () => {
    expect(splitInterfaceSpec('127.0.0.1')).toEqual({ name: 'default', address: '127.0.0.1' });
    expect(splitInterfaceSpec('pub/127.0.0.1')).toEqual({ name: 'pub', address: '127.0.0.1' });
    expect(splitInterfaceSpec('priv/127.0.0.2!192.0.2.1')).toEqual({
      name: 'priv', address: '127.0.0.2', advertised: '192.0.2.1',
    });
    expect(splitInterfaceSpec('ext:1/::1')).toEqual({ name: 'ext:1', address: '::1' });
  });
});

describe('resolveInterfaceSpec', () => {
  it('takes IP literals as they are, name defaulting to "default"', async () => {
    expect(await resolveInterfaceSpec('127.0.0.1', env)).toEqual([
      { name: 'default', address: '127.0.0.1', family: 'IP4' },
    ]);
    expect(await resolveInterfaceSpec('::1', env)).toEqual([{ name: 'default', address: '::1', family: 'IP6' }]);
    expect(await resolveInterfaceSpec('pub/127.0.0.1', env)).toEqual([
      { name: 'pub', address: '127.0.0.1', family: 'IP4' },
    ]);
  });

  it('keeps the advertised address', async () => {
    expect(await resolveInterfaceSpec('priv/127.0.0.2!192.0.2.1', env)).toEqual([
      { name: 'priv', address: '127.0.0.2', advertised: '192.0.2.1', family: 'IP4' },
    ]);
    expect(await resolveInterfaceSpec('10.0.0.1!public.example', env)).toEqual([
      { name: 'default', address: '10.0.0.1', advertised: '203.0.113.99', family: 'IP4' },
    ]);
  });

  it('expands a system interface name to all its addresses, skipping IPv6 link-local', async () => {
    expect(await resolveInterfaceSpec('lo', env)).toEqual([
      { name: 'default', address: '127.0.0.1', family: 'IP4' },
      { name: 'default', address: '::1', family: 'IP6' },
    ]);
    expect(await resolveInterfaceSpec('int/eth0', env)).toEqual([
      { name: 'int', address: '192.0.2.10', family: 'IP4' },
      { name: 'int', address: '2001:db8::10', family: 'IP6' },
    ]);
  });

  it('expands "any" to every non-loopback address', async () => {
    expect((await resolveInterfaceSpec('any', env)).map((i) => i.address)).toEqual([
      '192.0.2.10', '2001:db8::10', '198.51.100.10',
    ]);
  });

  it('resolves a DNS name to all of its addresses', async () => {
    expect(await resolveInterfaceSpec('x/media.example', env)).toEqual([
      { name: 'x', address: '192.0.2.20', family: 'IP4' },
      { name: 'x', address: '2001:db8::20', family: 'IP6' },
    ]);
  });

  it('rejects unspecified, empty and unresolvable addresses', async () => {
    for (const bad of ['0.0.0.0', '::', 'x/', '', 'nowhere.invalid', '127.0.0.1!0.0.0.0', '127.0.0.1!nowhere.invalid']) {
      await expect(resolveInterfaceSpec(bad, env), bad).rejects.toThrow(ConfigError);
    }
    await expect(resolveInterfaceSpec('nowhere.invalid', env))
      .rejects.toThrow("Invalid interface specification: 'nowhere.invalid'");
  });

  it('resolves a list in order', async () => {
    const r = await resolveInterfaces(['foo/203.0.113.1', 'foo/2001:db8:4321::1', 'bar/203.0.113.2'], env);
    expect(r.map((i) => `${i.name}=${i.address}/${i.family}`)).toEqual([
      'foo=203.0.113.1/IP4', 'foo=2001:db8:4321::1/IP6', 'bar=203.0.113.2/IP4',
    ]);
  });
});

describe('real system interfaces', () => {
  const hasLo = os.networkInterfaces().lo?.some((i) => i.address === '127.0.0.1') ?? false;
  it.skipIf(!hasLo)('resolves "lo" through os.networkInterfaces()', async () => {
    const r = await resolveInterfaceSpec('lo', { networkInterfaces: os.networkInterfaces, lookup: env.lookup });
    expect(r[0]).toEqual({ name: 'default', address: '127.0.0.1', family: 'IP4' });
  });
});
