// AES-f8 (RFC 3711 §4.1.2) for F8_128_HMAC_SHA1_80/_32: the RFC 3711 Appendix B.1 test vector for
// both primitive implementations, and the SRTP/SRTCP IV layouts of §4.1.2.2 / §4.1.2.3 through a
// context. libsrtp2 has no f8; interop with rtpengine 10.5 is test/dev/srtp-suites-probe.mjs.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { SRTP_IMPLS } from './fixtures/srtp/impls.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 3711 Appendix B.1.
const B1 = {
  header: '806e5cba50681de55c621599',
  payload: '70736575646f72616e646f6d6e657373 20697320746865206e65787420626573 74207468696e67',
  roc: 0xd462564a,
  key: '234829008467be186c3de14aae72d62c',
  salt: '32f2870d',
  iv: '006e5cba50681de55c621599d462564a',
  ciphertext: '019ce7a26e7854014a6366aa95d4eefd 1ad4172a14f9faf455b7f1d4b62bd08f 562c0eef7c4802',
};

describe.each(SRTP_IMPLS)('AES-f8 (%s primitives)', (_impl, prims) => {
  it('RFC 3711 Appendix B.1: keystream over the example payload', () => {
    const f8 = prims.aesF8(hex(B1.key), hex(B1.salt));
    f8.iv.set(hex(B1.iv));
    const buf = new Uint8Array(64).fill(0xaa);
    const pt = hex(B1.payload);
    buf.set(pt, 5);
    f8.xor(buf, 5, pt.length);
    expect(toHex(buf.subarray(5, 5 + pt.length))).toBe(toHex(hex(B1.ciphertext)));
    expect(buf[4]).toBe(0xaa);
    expect(buf[5 + pt.length]).toBe(0xaa);
    // Decryption is the same operation.
    f8.xor(buf, 5, pt.length);
    expect(toHex(buf.subarray(5, 5 + pt.length))).toBe(toHex(pt));
    f8.close();
    f8.close();
  });

  it('is a chained mode: the keystream of a longer message starts like the shorter one', () => {
    const f8 = prims.aesF8(randomBytes(16), randomBytes(14));
    f8.iv.set(randomBytes(16));
    const a = new Uint8Array(1500);
    const b = new Uint8Array(17);
    f8.xor(a, 0, a.length);
    f8.xor(b, 0, b.length);
    expect(toHex(a.subarray(0, 17))).toBe(toHex(b));
    f8.close();
  });

  it('SRTP packets use IV = 0x00 ‖ M ‖ PT ‖ SEQ ‖ TS ‖ SSRC ‖ ROC (§4.1.2.2)', () => {
    // Two packets that differ only in the marker bit, same SSRC, SEQ and ROC: their keystreams
    // differ because M is part of the f8 IV (the AES-CM IV of §4.1.1 would give the same one).
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const tx = new SrtpContext('F8_128_HMAC_SHA1_80', key, salt, { primitives: prims });
    const mk = (m: number) => {
      const b = new Uint8Array(100);
      b.set(hex(B1.header));
      b[1] = (b[1]! & 0x7f) | (m << 7);
      return b;
    };
    const p0 = mk(0);
    const p1 = mk(1);
    tx.setTxRoc(0x5c621599, 7);
    tx.protectRtp(p0, 0, 60);
    tx.setTxRoc(0x5c621599, 7);
    tx.protectRtp(p1, 0, 60);
    expect(toHex(p0.subarray(12, 60))).not.toBe(toHex(p1.subarray(12, 60)));
  });

  it('F8_128_HMAC_SHA1_32 round trip through contexts, RTP and SRTCP', () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const tx = new SrtpContext('F8_128_HMAC_SHA1_32', key, salt, { primitives: prims });
    const rx = new SrtpContext('F8_128_HMAC_SHA1_32', key, salt, { primitives: prims });
    const p = new Uint8Array(300);
    p.set(hex(B1.header));
    p.set(hex(B1.payload), 12);
    const len = 12 + 39;
    const n = tx.protectRtp(p, 0, len);
    expect(n).toBe(len + 4);
    expect(rx.unprotectRtp(p, 0, n)).toBe(len);
    expect(toHex(p.subarray(12, len))).toBe(toHex(hex(B1.payload)));
    const c = new Uint8Array(100);
    c.set(hex('81c90007deadbeef'));
    for (let i = 8; i < 32; i++) c[i] = i;
    const orig = c.slice(0, 32);
    const cn = tx.protectRtcp(c, 0, 32);
    expect(cn).toBe(32 + 4 + 10);
    expect(toHex(c.subarray(8, 32))).not.toBe(toHex(orig.subarray(8)));
    expect(rx.unprotectRtcp(c, 0, cn)).toBe(32);
    expect(toHex(c.subarray(0, 32))).toBe(toHex(orig));
  });
});
