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
