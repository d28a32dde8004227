import { describe, expect, it } from 'vitest';
import { PortPool } from '../../daemon/ports/port-pool.js';

describe('PortPool (spec §4.7)', () => {
  it('hands out even/odd pairs inside the range, never twice', () => {
    const pool = new PortPool(30000, 30099);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const p = pool.allocate(2)!;
      expect(p).toBeDefined();
      expect(p % 2).toBe(0);
      expect(p).toBeGreaterThanOrEqual(30000);
      expect(p + 1).toBeLessThanOrEqual(30099);
      expect(seen.has(p)).toBe(false);
      seen.add(p);
    }
    expect(pool.usedCount).toBe(100);
    expect(pool.allocate(2)).toBeUndefined();
  });

  it('steps 6..19 (rounded to even) past the last allocation', () => {
    const pool = new PortPool(30000, 30999, () => 0.5);
    const a = pool.allocate(2)!;
    const b = pool.allocate(2)!;
    expect(b - a).toBeGreaterThanOrEqual(6);
    expect(b - a).toBeLessThanOrEqual(20);
  });

  it('reuses released ports and skips foreign ones', () => {
    const pool = new PortPool(40000, 40003);
    const a = pool.allocate(2)!;
    const b = pool.allocate(2)!;
    expect(new Set([a, b])).toEqual(new Set([40000, 40002]));
    expect(pool.allocate(2)).toBeUndefined();
    pool.release(a, 2);
    expect(pool.allocate(2)).toBe(a);
    pool.release(40000, 2);
    pool.release(40002, 2);
    pool.markForeign(40001);
    expect(pool.allocate(2)).toBe(40002);
    expect(pool.allocate(2)).toBeUndefined();
  });

  it('handles an odd port-min by starting at the next even port', () => {
    const pool = new PortPool(30001, 30004);
    expect(pool.allocate(2)).toBe(30002);
  });
});
