// The --dtls-* options as rtpengine 10.5 reads them (its fatal errors checked against the binary:
// `rtpengine --dtls-cert-cipher=foo` → "Invalid --dtls-cert-cipher option ('foo')", etc.).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadOptions } from '../../daemon/config/options.js';
import { isolatedEnv } from '../helpers/config-env.js';

const base = ['--config-file=none', '-i', '127.0.0.1', '-n', '127.0.0.1:2223'];
const load = (...extra: string[]) => loadOptions([...base, ...extra], isolatedEnv);

describe('--dtls-* options', () => {
  it('defaults: ECDSA prime256v1, SHA-256, RSA 2048 if RSA, MTU 1200, not passive', async () => {
    const { options, warnings } = await load();
    expect(options.dtls).toEqual({ certCipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256', mtu: 1200, passive: false });
    expect(warnings.filter((w) => w.includes('dtls'))).toEqual([]);
  });

  it('takes the values rtpengine takes, in any case', async () => {
    const { options, warnings } = await load('--dtls-cert-cipher=rsa', '--dtls-rsa-key-size=3072', '--dtls-signature=sha1',
      '--dtls-mtu=1400', '--dtls-passive', '--dtls-ciphers=HIGH:!aNULL');
    expect(options.dtls).toEqual({ certCipher: 'RSA', rsaKeySize: 3072, signature: 'SHA-1', mtu: 1400, passive: true, ciphers: 'HIGH:!aNULL' });
    // Implemented now: no "accepted for compatibility and ignored" warning.
    expect(warnings.filter((w) => w.includes('dtls'))).toEqual([]);
    expect((await load('--dtls-cert-cipher=PRIME256V1', '--dtls-signature=sha-256', '--dtls-mtu=576')).options.dtls)
      .toMatchObject({ certCipher: 'prime256v1', signature: 'SHA-256', mtu: 576 });
    expect((await load('--dtls-signature=SHA256')).options.dtls.signature).toBe('SHA-256');
    expect((await load('--dtls-signature=SHA-1')).options.dtls.signature).toBe('SHA-1');
  });

  it('refuses what rtpengine refuses, with its messages', async () => {
    await expect(load('--dtls-cert-cipher=ec')).rejects.toThrow(new ConfigError("Invalid --dtls-cert-cipher option ('ec')"));
    await expect(load('--dtls-signature=MD5')).rejects.toThrow(new ConfigError("Invalid --dtls-signature option ('MD5')"));
    await expect(load('--dtls-mtu=575')).rejects.toThrow(new ConfigError('Invalid --dtls-mtu (575)'));
    await expect(load('--dtls-mtu=abc')).rejects.toThrow(ConfigError);
    await expect(load('--dtls-rsa-key-size=abc')).rejects.toThrow(ConfigError);
  });
});
