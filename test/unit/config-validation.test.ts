// loadOptions start-up validation (spec §6.1 "Validation at start-up").
import { describe, expect, it } from 'vitest';
import { ConfigError, loadOptions } from '../../daemon/config/options.js';
import { isolatedEnv } from '../helpers/config-env.js';

const env = isolatedEnv;

const base = ['--config-file=none', '-i', '127.0.0.1', '-n', '127.0.0.1:2223'];
const load = (...extra: string[]) => loadOptions([...base, ...extra], env);

describe('fatal problems', () => {
  it('requires at least one interface', async () => {
    await expect(loadOptions(['--config-file=none', '-n', '2223'], env)).rejects.toThrow(
      new ConfigError('Missing option --interface'),
    );
  });

  it('rejects an interface that does not resolve', async () => {
    await expect(load('-i', 'eth9')).rejects.toThrow("Invalid interface specification: 'eth9'");
  });

  it('rejects TOS values outside 0-255', async () => {
    await expect(load('--tos=256')).rejects.toThrow('Invalid TOS value');
    await expect(load('-T', '-1')).rejects.toThrow('Invalid TOS value');
    expect((await load('--tos=0')).options.tos).toBe(0);
    expect((await load('--tos=255')).options.tos).toBe(255);
  });

  it('rejects unknown --endpoint-learning and --mos values', async () => {
    await expect(load('--endpoint-learning=sometimes')).rejects.toThrow(
      "Invalid --endpoint-learning option ('sometimes')",
    );
    await expect(load('--mos=XQ')).rejects.toThrow(ConfigError);
    expect((await load('--endpoint-learning=IMMEDIATE')).options.endpointLearning).toBe('immediate');
    expect((await load('--mos=lq')).options.mos).toBe('LQ');
  });

  it('rejects port-min above port-max and ports outside 1-65535', async () => {
    await expect(load('-m', '40000', '-M', '30000')).rejects.toThrow(/port range/);
    await expect(load('-m', '0')).rejects.toThrow(ConfigError);
    await expect(load('-M', '70000')).rejects.toThrow(ConfigError);
    const same = await load('-m', '30000', '-M', '30000');
    expect([same.options.portMin, same.options.portMax]).toEqual([30000, 30000]);
  });

  it('rejects unknown options and bad integers', async () => {
    await expect(load('--foo')).rejects.toThrow('Unknown option --foo');
    await expect(load('--table=abc')).rejects.toThrow(ConfigError);
    await expect(load('--listen-ng=127.0.0.1:99999')).rejects.toThrow("Invalid IP or port '127.0.0.1:99999' (--listen-ng)");
  });
});

describe('fallbacks', () => {
  it('replaces non-positive timeouts with their defaults, final-timeout <= 0 meaning off', async () => {
    const { options: o } = await load('-o', '0', '-s', '-5', '--offer-timeout=0', '-a', '-1');
    expect([o.timeout, o.silentTimeout, o.offerTimeout, o.finalTimeout]).toEqual([60, 3600, 3600, 0]);
    const { options: p } = await load('-o', '3', '-s', '6', '--offer-timeout=5', '-a', '12', '-d', '0');
    expect([p.timeout, p.silentTimeout, p.offerTimeout, p.finalTimeout, p.deleteDelay]).toEqual([3, 6, 5, 12, 0]);
  });

  it('uses the number of CPUs for a non-positive --num-threads', async () => {
    expect((await load('--num-threads=0')).options.numThreads).toBe(2);
    expect((await load('--num-threads=8')).options.numThreads).toBe(8);
  });

  it('listens on 127.0.0.1:2223 when no ng-capable listener is configured, with a warning', async () => {
    const r = await loadOptions(['--config-file=none', '-i', '127.0.0.1'], env);
    expect(r.options.listenNg).toEqual([{ address: '127.0.0.1', port: 2223, family: 'IP4' }]);
    expect(r.warnings.some((w) => w.includes('127.0.0.1:2223'))).toBe(true);
    const http = await loadOptions(['--config-file=none', '-i', '127.0.0.1', '--listen-http=127.0.0.1:9191'], env);
    expect(http.options.listenNg).toEqual([]);
    expect(http.warnings).toEqual([]);
  });

  it('clamps the log level to 0-7 and lets subsystem 0 mean "default level"', async () => {
    const r = await load('-L', '9', '--log-level-ice=0', '--log-level-http=2');
    expect(r.options.logLevel).toBe(7);
    expect(r.warnings.some((w) => /log level 9/.test(w))).toBe(true);
    expect(r.options.logLevels).toMatchObject({ ice: 7, http: 2, internals: -1 });
  });
});
