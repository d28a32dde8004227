/**
 * The call layer when a media worker dies (CallManager.workerDied, and binds that were under way),
 * and the ownership chain that closes each socket once. Runs the real CallManager on a FakeWorkerPool.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CallManager } from '../../daemon/call/call-manager.js';
import { MediaContext } from '../../daemon/call/media-context.js';
import type { BindRequest, BindResult } from '../../daemon/media/messages.js';
import { LocalInterfaces } from '../../daemon/net/interfaces.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { phoneSdp } from '../helpers/sdp-fixtures.js';
import { bindAll, FakeWorkerPool } from './fixtures/call/fake-worker-pool.js';

function setup(opts: { workers?: number; portMin?: number; portMax?: number } = {}) {
  const pool = new FakeWorkerPool(opts.workers ?? 2);
  const interfaces = new LocalInterfaces([{ name: 'default', address: '127.0.0.1', family: 'IP4' }], opts.portMin ?? 30000, opts.portMax ?? 30099);
  const ctx = new MediaContext(pool.asPool, interfaces, {
    deleteDelay: 0, timeout: 60, silentTimeout: 3600, offerTimeout: 3600, finalTimeout: 0, endpointLearning: 'delayed',
    sipSource: false, maxSessions: -1, tos: undefined, mosType: 'CQ', instanceId: '0123456789ab',
  });
  const lines: { level: number; msg: string; callId?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const calls = new CallManager(ctx, log);
  const ports = interfaces.all[0]!.pool;
  const offer = (callId: string) => calls.offer(request({ 'call-id': callId, 'from-tag': 'caller', sdp: phoneSdp('alice', 5000) }));
  return { pool, calls, ports, lines, offer };
}

function request(d: Record<string, string>) {
  return parseCallOptions(new Map(Object.entries(d).map(([k, v]) => [k, Buffer.from(v, 'latin1')])));
}

/** An offer makes both sides' media: two RTP/RTCP pairs, four slots and four ports. */
const PER_CALL = 4;

describe('CallManager.workerDied', () => {
  it('deletes every call on that worker as a forced end, and only those', async () => {
    const { pool, calls, ports, lines, offer } = setup();
    for (const id of ['c0', 'c1', 'c2', 'c3']) await offer(id); // workers 0, 1, 0, 1
    expect(pool.used(0)).toBe(2 * PER_CALL);

    expect(calls.workerDied(0)).toBe(2);
    expect(calls.list(10)).toEqual(['c1', 'c3']);
    expect(calls.counters).toMatchObject({ forced: 2, managed: 2 });
    expect(pool.used(0)).toBe(0);
    expect(pool.used(1)).toBe(2 * PER_CALL);
    expect(ports.usedCount).toBe(2 * PER_CALL);
    const warned = lines.filter((l) => l.msg === 'Call deleted: media worker died');
    expect(warned.map((l) => [l.level, l.callId])).toEqual([[40, 'c0'], [40, 'c2']]);
    expect(() => calls.query(request({ 'call-id': 'c0' }))).toThrow('Unknown call-id');

    expect(calls.workerDied(0)).toBe(0);
  });
});

describe('ownership: closing a call', () => {
  it('closes each media once (one command for its pair), however often the call is ended', async () => {
    const { pool, calls, ports, offer } = setup();
    await offer('c');
    await calls.delete(request({ 'call-id': 'c' }));
    await calls.close();
    expect(calls.workerDied(0)).toBe(0);
    expect(pool.closes.map((c) => c.slots.length)).toEqual([2, 2]);
    expect(ports.usedCount).toBe(0);
    expect(calls.counters).toMatchObject({ regular: 1, forced: 0, managed: 1 });
  });
});

describe('binds under way', () => {
  it('a worker that died during them: "Ran out of ports", every port and slot back, none marked foreign', async () => {
    // Two port pairs in all: a call needs both, so a port wrongly marked foreign fails the next offer.
    const { pool, calls, ports, offer } = setup({ workers: 1, portMin: 30000, portMax: 30003 });
    pool.binder = async (_w, binds) => binds.map((b, i) => (i === 0 ? { slot: b.slot, ok: true } : { slot: b.slot, ok: false, code: 'EWORKERDIED' }));
    await expect(offer('x')).rejects.toMatchObject({ reason: 'Ran out of ports' });
    expect(pool.used(0)).toBe(0);
    expect(ports.usedCount).toBe(0);
    expect(calls.list(10)).toEqual([]);

    pool.binder = bindAll;
    await offer('y');
    expect(ports.usedCount).toBe(PER_CALL);
  });

  it('a call deleted meanwhile: "Unknown call-id", the bound sockets closed, every port and slot back', async () => {
    const { pool, calls, ports, offer } = setup({ workers: 1 });
    let answer!: (r: BindResult[]) => void;
    let asked!: (binds: BindRequest[]) => void;
    const binding = new Promise<BindRequest[]>((resolve) => { asked = resolve; });
    pool.binder = (_w, binds) => new Promise((resolve) => { answer = resolve; asked(binds); });
    const pending = offer('z');
    const binds = await binding;

    expect(calls.workerDied(0)).toBe(1);
    answer(binds.map((b) => ({ slot: b.slot, ok: true })));
    await expect(pending).rejects.toMatchObject({ reason: 'Unknown call-id' });
    expect(pool.closes.flatMap((c) => c.slots).sort((a, b) => a - b)).toEqual(binds.map((b) => b.slot).sort((a, b) => a - b));
    expect(pool.used(0)).toBe(0);
    expect(ports.usedCount).toBe(0);
    expect(calls.counters).toMatchObject({ forced: 1, managed: 1 });
  });
});
