import { describe, expect, it } from 'vitest';
import { CookieCache } from '../../daemon/control/cookie-cache.js';

describe('CookieCache (spec §1.4)', () => {
  it('returns the cached reply for 30–60 s: two generations', async () => {
    const c = new CookieCache(1_000_000);
    c.set('a', Promise.resolve(Buffer.from('r1')));
    expect((await c.get('a'))!.toString()).toBe('r1');
    c.rotate();
    expect((await c.get('a'))!.toString()).toBe('r1');
    c.rotate();
    expect(c.get('a')).toBeUndefined();
    c.close();
  });

  it('gives a duplicate the pending reply of the original', async () => {
    const c = new CookieCache(1_000_000);
    let resolve!: (b: Buffer) => void;
    c.set('x', new Promise<Buffer>((r) => { resolve = r; }));
    const dup = c.get('x')!;
    resolve(Buffer.from('once'));
    expect((await dup).toString()).toBe('once');
    c.close();
  });

  it('keeps a reply that settles after a rotation, and drops a failed one', async () => {
    const c = new CookieCache(1_000_000);
    let resolve!: (b: Buffer) => void;
    c.set('late', new Promise<Buffer>((r) => { resolve = r; }));
    c.rotate();
    resolve(Buffer.from('\xff\x00late', 'latin1'));
    await new Promise((r) => setImmediate(r));
    expect((await c.get('late'))!).toEqual(Buffer.from('\xff\x00late', 'latin1'));
    c.set('bad', Promise.reject(new Error('x')));
    await new Promise((r) => setImmediate(r));
    expect(c.get('bad')).toBeUndefined();
    c.close();
  });
});

describe('CookieCache storage', () => {
  it('keeps many replies byte-exact across chunk boundaries and reuses the chunks of an expired generation', async () => {
    const c = new CookieCache(1_000_000);
    const reply = (i: number): Buffer => Buffer.from(`${i} d6:result2:ok3:sdp${'x'.repeat(i % 3000)}\xff\x00e`, 'latin1');
    // ~3.7 MB of replies: four 1 MB chunks
    for (let i = 0; i < 2500; i++) c.set(`k${i}`, Promise.resolve(reply(i)));
    await new Promise((r) => setImmediate(r));
    for (const i of [0, 1, 349, 350, 351, 1999, 2499]) expect((await c.get(`k${i}`))!).toEqual(reply(i));
    // A returned reply is a copy: changing it does not change the cache.
    (await c.get('k1'))!.fill(0);
    expect((await c.get('k1'))!).toEqual(reply(1));
    c.rotate();
    c.rotate(); // the first generation expires: its chunks serve the next one
    expect(c.get('k0')).toBeUndefined();
    c.set('again', Promise.resolve(Buffer.from('fresh')));
    await new Promise((r) => setImmediate(r));
    expect((await c.get('again'))!.toString()).toBe('fresh');
    c.close();
  });

  it('keeps a reply larger than a chunk as it is', async () => {
    const c = new CookieCache(1_000_000);
    const big = Buffer.alloc(1_500_000, 0x61);
    c.set('big', Promise.resolve(big));
    await new Promise((r) => setImmediate(r));
    expect((await c.get('big'))!.equals(big)).toBe(true);
    c.close();
  });
});
