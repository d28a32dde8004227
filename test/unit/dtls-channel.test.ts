/**
 * The worker → main DTLS channel (daemon/media/dtls-channel.ts): records arrive intact and in
 * order, the per-slot token bucket caps a flood and refills with time, a full ring drops (counted)
 * instead of blocking, and the main thread's reader wakes on its own when the writer notifies.
 */
import { describe, expect, it } from 'vitest';
import { C_FULL_DROPS, C_QUEUED, C_RATE_DROPS, createDtlsChannel, DtlsChannelReader, DtlsChannelWriter } from '../../daemon/media/dtls-channel.js';

describe('DTLS channel', () => {
  it('carries slot, source and bytes in order; the reader wakes by itself', async () => {
    const bufs = createDtlsChannel();
    const w = new DtlsChannelWriter(bufs, 8);
    const r = new DtlsChannelReader(bufs);
    const got: [number, string, string, number][] = [];
    r.start((slot, data, address, port) => got.push([slot, data.toString('hex'), address, port]), (e) => { throw e; });
    const pkt = Buffer.from('00000016fefd0000000000000001000d010000', 'hex');
    expect(w.admit(3, 1000)).toBe(true);
    expect(w.write(3, pkt, 3, pkt.length - 3, '2001:db8::1', 5004)).toBe(true);
    expect(w.admit(5, 1000)).toBe(true);
    expect(w.write(5, pkt, 0, 0, '10.0.0.7', 1)).toBe(true);
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((res) => setTimeout(res, 5));
    expect(got).toEqual([[3, pkt.subarray(3).toString('hex'), '2001:db8::1', 5004], [5, '', '10.0.0.7', 1]]);
    expect(r.counters[C_QUEUED]).toBe(2);
    r.close();
  });

  it('limits each slot to a burst, refilled over time, without touching other slots', () => {
    const bufs = createDtlsChannel();
    const w = new DtlsChannelWriter(bufs, 4);
    const counters = new Float64Array(bufs.counters);
    let admitted = 0;
    for (let i = 0; i < 1000; i++) if (w.admit(1, 5000)) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(16);
    expect(admitted).toBeLessThanOrEqual(64);
    expect(counters[C_RATE_DROPS]).toBe(1000 - admitted);
    expect(w.admit(2, 5000)).toBe(true); // another slot has its own bucket
    // One second later the flooded slot has tokens again, but not a full burst's worth per ms.
    let later = 0;
    for (let i = 0; i < 1000; i++) if (w.admit(1, 6000)) later++;
    expect(later).toBeGreaterThan(5);
    expect(later).toBeLessThan(admitted);
    w.reset(1);
    expect(w.admit(1, 6000)).toBe(true);
  });

  it('drops (and counts) records when the main thread does not keep up; nothing blocks', () => {
    const bufs = createDtlsChannel();
    const w = new DtlsChannelWriter(bufs, 2);
    const r = new DtlsChannelReader(bufs);
    const big = Buffer.alloc(1400, 0x16);
    let ok = 0;
    for (let i = 0; i < 500; i++) if (w.write(0, big, 0, big.length, '127.0.0.1', 9)) ok++;
    expect(ok).toBeGreaterThan(10);
    expect(ok).toBeLessThan(500);
    expect(r.counters[C_FULL_DROPS]).toBe(500 - ok);
    const seen: number[] = [];
    r.start((slot, data) => seen.push(data.length), (e) => { throw e; });
    expect(r.drain() + seen.length).toBeGreaterThanOrEqual(ok);
    expect(seen.every((n) => n === 1400)).toBe(true);
    // Room again after the drain.
    expect(w.write(0, big, 0, big.length, '127.0.0.1', 9)).toBe(true);
    r.close();
  });
});
