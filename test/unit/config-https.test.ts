// --listen-https / --https-cert / --https-key as rtpengine 10.5 takes them (checked against the real binary).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadOptions } from '../../daemon/config/options.js';
import { isolatedEnv } from '../helpers/config-env.js';

const base = ['--config-file=none', '-i', '127.0.0.1'];

describe('--listen-https', () => {
  it('takes the listener, the certificate and the key', async () => {
    const { options: o, warnings } = await loadOptions([...base, '--listen-https=127.0.0.1:8443', '--https-cert=/c.pem', '--https-key=/k.pem'], isolatedEnv);
    expect(o.listenHttps).toEqual([expect.objectContaining({ address: '127.0.0.1', port: 8443 })]);
    expect(o.httpsCert).toBe('/c.pem');
    expect(o.httpsKey).toBe('/k.pem');
    expect(warnings.join('\n')).not.toMatch(/https.*ignored/);
  });

  it('reads the key from the certificate file without --https-key', async () => {
    const { options: o } = await loadOptions([...base, '--listen-https=8443', '--https-cert=/both.pem'], isolatedEnv);
    expect(o.httpsKey).toBe('/both.pem');
  });

  it('is an ng-capable listener: no default --listen-ng is added', async () => {
    const { options: o } = await loadOptions([...base, '--listen-https=8443', '--https-cert=/c.pem'], isolatedEnv);
    expect(o.listenNg).toEqual([]);
  });

  it('refuses to start without a certificate, with rtpengine\'s reason', async () => {
    await expect(loadOptions([...base, '--listen-https=8443', '--https-key=/k.pem'], isolatedEnv))
      .rejects.toThrow(new ConfigError('Failed to start websocket listener: HTTPS/WSS listener requested, but no certificate given'));
  });

  it('ignores the certificate options without --listen-https', async () => {
    const { options: o } = await loadOptions([...base, '--https-cert=/c.pem'], isolatedEnv);
    expect(o.listenHttps).toBeUndefined();
    expect(o.httpsCert).toBeUndefined();
  });
});
