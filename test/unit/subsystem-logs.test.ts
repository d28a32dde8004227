/**
 * SubsystemLogs: per-subsystem levels at start, shifted by SIGUSR1/2, and set at run time
 * (rtpengine-ctl `set loglevel [sub] N` → apply()).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SubsystemLogs } from '../../daemon/log.js';

function capture(): { root: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const out = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { root: pino({ level: 'info', base: undefined }, out), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('SubsystemLogs', () => {
  it('gives each subsystem its own level and tags its lines', async () => {
    const { root, lines } = capture();
    const logs = new SubsystemLogs(root, 6, { core: 6, control: 7 });
    logs.get('core').debug('core debug');
    logs.get('control').debug('control debug');
    await flush();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ sub: 'control', msg: 'control debug' });
  });

  it('apply() changes the level of an existing subsystem logger at once', async () => {
    const { root, lines } = capture();
    const logs = new SubsystemLogs(root, 6, { core: 6, control: 6 });
    const control = logs.get('control');
    control.debug('hidden');
    logs.apply({ core: 6, control: 7 });
    control.debug('shown');
    logs.apply({ core: 3 });
    logs.get('core').warn('hidden too');
    logs.get('core').error('shown too');
    await flush();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown', 'shown too']);
  });

  it('shift() moves every level by one, clamped to 0..7', async () => {
    const { root, lines } = capture();
    const logs = new SubsystemLogs(root, 6, { core: 6 });
    const core = logs.get('core');
    logs.shift(+1);
    core.debug('now shown');
    logs.shift(-5);
    core.warn('now hidden');
    await flush();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['now shown']);
  });
});
