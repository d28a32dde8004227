// Bad input at the SRTP entry points (issue 12 "Bad input"): random garbage, truncated, extended and
// bit-flipped packets, odd offsets and lengths go through SrtpContext's protect/unprotect for every
// suite on every primitive implementation. Nothing may throw (a throw in a media worker is a dead
// worker), a damaged packet must never unprotect successfully, and the context must still work for
// genuine packets afterwards. Seeded, so a failure reproduces.

import { describe, expect, it } from 'vitest';
import { ERR_AUTH, ERR_REPLAY, ERR_SHORT, SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { SRTP_SUITES } from '../../protocol/srtp/suites.js';
import { SRTP_IMPLS } from './fixtures/srtp/impls.js';

/** xorshift32: deterministic bytes and numbers. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

const ERRS = [ERR_SHORT, ERR_AUTH, ERR_REPLAY];

describe.each(SRTP_SUITES.flatMap((s) => SRTP_IMPLS.map(([impl, p]) => [s.name, impl, p] as const)))(
  'SRTP fuzz %s (%s primitives)',
  (suite, _impl, primitives) => {
    const s = SRTP_SUITES.find((x) => x.name === suite)!;
    it.each([null, Uint8Array.of(7, 7)])('garbage and damaged packets never pass, never throw (MKI %j)', (mki) => {
      const r = rng(suite.length * 7919 + (mki ? 1 : 0));
      const key = r.bytes(s.masterKeyLen);
      const salt = r.bytes(s.masterSaltLen);
      const tx = new SrtpContext(suite, key, salt, { primitives, mki });
      const rx = new SrtpContext(suite, key, salt, { primitives, mki });
      // Pure garbage, also at odd offsets, negative offsets and lengths beyond the buffer.
      for (let i = 0; i < 400; i++) {
        const buf = r.bytes(r.int(200));
        if (buf.length > 0) buf[0] = (buf[0]! & 0x3f) | 0x80; // often look like version 2
        const off = r.int(4) === 0 ? -r.int(3) : r.int(Math.max(1, buf.length));
        const len = r.int(4) === 0 ? buf.length + r.int(10) : r.int(Math.max(1, buf.length - Math.max(0, off) + 1));
        const a = rx.unprotectRtp(buf, off, len);
        const b = rx.unprotectRtcp(buf, off, len);
        expect(ERRS).toContain(a);
        expect(ERRS).toContain(b);
        const p = tx.protectRtp(buf, off, len);
        const q = tx.protectRtcp(buf, off, len);
        expect(p === ERR_SHORT || p === len + tx.srtpOverhead).toBe(true);
        expect(q === ERR_SHORT || q === len + tx.srtcpOverhead).toBe(true);
      }
      // Damaged genuine packets: one bit flipped anywhere, truncated, or with bytes appended.
      for (let seq = 1; seq <= 60; seq++) {
        const buf = new Uint8Array(300);
        buf[0] = 0x80;
        buf[2] = seq >>> 8;
        buf[3] = seq & 0xff;
        buf.set([0x11, 0x22, 0x33, 0x44], 8);
        buf.set(r.bytes(100), 12);
        const n = tx.protectRtp(buf, 0, 112);
        expect(n).toBe(112 + tx.srtpOverhead);
        const good = buf.slice(0, n);
        const bad = buf.slice(0, n + 5);
        const kind = seq % 3;
        let badLen = n;
        if (kind === 0) {
          const bit = r.int(n * 8);
          bad[bit >>> 3]! ^= 1 << (bit & 7);
        } else if (kind === 1) badLen = n - 1 - r.int(Math.min(n - 1, 20));
        else badLen = n + 1 + r.int(4);
        const res = rx.unprotectRtp(bad, 0, badLen);
        // A flipped bit in the SRTP header's sequence number can make it a replay of nothing yet
        // seen, never a success; a flipped bit in the (unauthenticated) MKI fails the MKI check.
        expect(ERRS, `seq ${seq} kind ${kind}`).toContain(res);
        // The genuine packet still unprotects afterwards.
        const g = Uint8Array.from(good);
        expect(rx.unprotectRtp(g, 0, n)).toBe(112);

        const c = new Uint8Array(200);
        c.set([0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44]);
        c.set(r.bytes(24), 8);
        const cn = tx.protectRtcp(c, 0, 32);
        const cbad = c.slice(0, cn + 3);
        const bit = r.int(cn * 8);
        cbad[bit >>> 3]! ^= 1 << (bit & 7);
        expect(ERRS).toContain(rx.unprotectRtcp(cbad, 0, cn));
        expect(rx.unprotectRtcp(c, 0, cn)).toBe(32);
      }
      tx.close();
      rx.close();
    });
  },
);
