// [ADDR:]PORT listener specifications.
import { describe, expect, it } from 'vitest';
import { parseListenSpec } from '../../daemon/config/listen.js';
import { ConfigError } from '../../daemon/config/errors.js';

const lookup = async (host: string): Promise<{ address: string; family: number }[]> => {
  if (host === 'ng.example') return [{ address: '2001:db8::7', family: 6 }, { address: '192.0.2.7', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

describe('parseListenSpec', () => {
  it('PORT alone means all IPv4 and all IPv6 addresses (IPv6-only socket)', async () => {
    expect(await parseListenSpec('2223', 'listen-ng', lookup)).toEqual([
      { address: '0.0.0.0', port: 2223, family: 'IP4' },
      { address: '::', port: 2223, family: 'IP6', ipv6Only: true },
    ]);
  });

  it('accepts IPv4 and IPv6 literals, with or without brackets', async () => {
    expect(await parseListenSpec('127.0.0.1:22222', 'listen-ng', lookup)).toEqual([
      { address: '127.0.0.1', port: 22222, family: 'IP4' },
    ]);
    expect(await parseListenSpec('[::1]:2223', 'listen-ng', lookup)).toEqual([
      { address: '::1', port: 2223, family: 'IP6' },
    ]);
    expect(await parseListenSpec('2001:DB8:0::1:2223', 'listen-ng', lookup)).toEqual([
      { address: '2001:db8::1', port: 2223, family: 'IP6' },
    ]);
  });

  it('maps localhost to 127.0.0.1 and resolves other names to their first address', async () => {
    expect(await parseListenSpec('localhost:2223', 'listen-ng', lookup)).toEqual([
      { address: '127.0.0.1', port: 2223, family: 'IP4' },
    ]);
    expect(await parseListenSpec('ng.example:9', 'listen-http', lookup)).toEqual([
      { address: '2001:db8::7', port: 9, family: 'IP6' },
    ]);
  });

  it('rejects bad ports, empty hosts and unresolvable names', async () => {
    for (const bad of ['0', '65536', 'abc', '127.0.0.1:', ':2223', '127.0.0.1:x', 'nowhere.invalid:2223', '[1.2.3.4]:5']) {
      await expect(parseListenSpec(bad, 'listen-ng', lookup), bad).rejects.toThrow(ConfigError);
    }
    await expect(parseListenSpec('bogus.invalid:1', 'listen-tcp-ng', lookup))
      .rejects.toThrow("Invalid IP or port 'bogus.invalid:1' (--listen-tcp-ng)");
  });
});
