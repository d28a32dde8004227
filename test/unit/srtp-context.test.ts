import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../protocol/srtp/replay-window.js';
import {
  ERR_AUTH,
  ERR_REPLAY,
  ERR_SHORT,
  estimateRoc,
  SrtpContext,
} from '../../protocol/srtp/srtp-context.js';
import type { SrtpPrimitives } from '../../protocol/srtp/primitives.js';
import { findSrtpSuite, SRTP_SUITES } from '../../protocol/srtp/suites.js';
import { SRTP_IMPLS } from './fixtures/srtp/impls.js';

const SSRC = 0xdecafbad;

/** An RTP packet in a buffer with 32 spare bytes; optional CSRCs, extension words, padding. */
/** A 32-byte RTCP RR (RC 1, length 7) with a patterned body, in a 100-byte buffer (room for the trailer). */
function rtcp32(): Uint8Array {
  const buf = new Uint8Array(100);
  buf[0] = 0x81;
  buf[1] = 201;
  buf[3] = 7;
  for (let k = 8; k < 32; k++) buf[k] = k;
  return buf;
}

function rtp(seq: number, payloadLen: number, opts: { csrc?: number; extWords?: number; pad?: number } = {}) {
  const cc = opts.csrc ?? 0;
  const ext = opts.extWords;
  const pad = opts.pad ?? 0;
  const h = 12 + 4 * cc + (ext !== undefined ? 4 + 4 * ext : 0);
  const len = h + payloadLen + pad;
  const buf = new Uint8Array(len + 64);
  buf[0] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext !== undefined ? 0x10 : 0) | cc;
  buf[1] = 0x08;
  buf[2] = seq >>> 8;
  buf[3] = seq & 0xff;
  new DataView(buf.buffer).setUint32(4, seq * 160);
  new DataView(buf.buffer).setUint32(8, SSRC);
  for (let i = 0; i < cc; i++) new DataView(buf.buffer).setUint32(12 + 4 * i, 0x11111111 * (i + 1));
  if (ext !== undefined) {
    const p = 12 + 4 * cc;
    buf[p] = 0xbe;
    buf[p + 1] = 0xde;
    buf[p + 3] = ext;
    for (let i = 0; i < 4 * ext; i++) buf[p + 4 + i] = 0xe0 + i;
  }
  for (let i = 0; i < payloadLen; i++) buf[h + i] = (i * 7 + seq) & 0xff;
  if (pad > 0) buf[len - 1] = pad;
  return { buf, len, h };
}

function pairOf(suite = 'AES_CM_128_HMAC_SHA1_80', primitives?: SrtpPrimitives) {
  const key = randomBytes(findSrtpSuite(suite)!.masterKeyLen);
  const salt = randomBytes(findSrtpSuite(suite)!.masterSaltLen);
  return {
    tx: new SrtpContext(suite, key, salt, { primitives }),
    rx: new SrtpContext(suite, key, salt, { primitives }),
    key,
    salt,
  };
}

describe('suites table', () => {
  it('has the rtpengine suites with their lengths', () => {
    expect(SRTP_SUITES.map((s) => s.name)).toEqual([
      'AES_CM_128_HMAC_SHA1_80',
      'AES_CM_128_HMAC_SHA1_32',
      'AES_192_CM_HMAC_SHA1_80',
      'AES_192_CM_HMAC_SHA1_32',
      'AES_256_CM_HMAC_SHA1_80',
      'AES_256_CM_HMAC_SHA1_32',
      'AEAD_AES_128_GCM',
      'AEAD_AES_256_GCM',
      'F8_128_HMAC_SHA1_80',
      'F8_128_HMAC_SHA1_32',
      'NULL_HMAC_SHA1_80',
      'NULL_HMAC_SHA1_32',
    ]);
    expect(findSrtpSuite('aes_cm_128_hmac_sha1_32')).toMatchObject({ srtpTagLen: 4, srtcpTagLen: 10, masterKeyLen: 16 });
    expect(findSrtpSuite('AEAD_AES_256_GCM')).toMatchObject({
      masterKeyLen: 32,
      masterSaltLen: 12,
      sessionSaltLen: 12,
      srtpTagLen: 16,
      srtcpTagLen: 16,
      implemented: true,
    });
    expect(findSrtpSuite('AEAD_AES_128_GCM')).toMatchObject({ masterKeyLen: 16, masterSaltLen: 12, implemented: true });
    expect(findSrtpSuite('NOPE')).toBeUndefined();
    expect(SRTP_SUITES.every((x) => x.implemented)).toBe(true);
    expect(() => new SrtpContext('NOPE', randomBytes(16), randomBytes(14))).toThrow(/unknown SRTP suite/);
    expect(() => new SrtpContext('AEAD_AES_128_GCM', randomBytes(16), randomBytes(14))).toThrow(RangeError);
    expect(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', randomBytes(32), randomBytes(14))).toThrow(RangeError);
  });
});

describe('ROC estimation (RFC 3711 Appendix A)', () => {
  it('guesses ROC-1, ROC, ROC+1', () => {
    expect(estimateRoc(1, 5, 65530)).toBe(0);
    expect(estimateRoc(1, 5, 6)).toBe(1);
    expect(estimateRoc(0, 65530, 3)).toBe(1);
    expect(estimateRoc(0, 65530, 65531)).toBe(0);
    expect(estimateRoc(0, 100, 40000)).toBe(-1);
  });
});

describe('replay window', () => {
  it('rejects duplicates and too-old indices, accepts late ones inside', () => {
    const w = new ReplayWindow(64);
    w.accept(100);
    expect(w.check(100)).toBe(false);
    expect(w.check(99)).toBe(true);
    expect(w.check(37)).toBe(true);
    expect(w.check(36)).toBe(false);
    w.accept(99);
    expect(w.check(99)).toBe(false);
    w.accept(300); // big jump clears everything
    expect(w.check(299)).toBe(true);
    expect(w.check(237)).toBe(true);
    expect(w.check(236)).toBe(false);
  });
});

const SUITE_IMPLS = SRTP_SUITES.flatMap((s) => SRTP_IMPLS.map(([name, p]) => [s.name, name, p] as const));

describe.each(SUITE_IMPLS)('SrtpContext %s (%s primitives)', (suite, _impl, prims) => {
  const tagLen = findSrtpSuite(suite)!.srtpTagLen;
  const pair = (s: string) => pairOf(s, prims);

  it('round trip across the 65535→0 wrap (ROC 0→1), with reordering across the wrap', () => {
    const { tx, rx } = pair(suite);
    const seqs: number[] = [];
    for (let s = 65500; s < 65536; s++) seqs.push(s);
    for (let s = 0; s < 40; s++) seqs.push(s);
    // Deliver 65535 and 0 swapped, and 65534 after 1.
    const protectedPkts = seqs.map((seq) => {
      const p = rtp(seq, 160 + (seq % 3));
      const orig = p.buf.slice(0, p.len);
      const n = tx.protectRtp(p.buf, 0, p.len);
      expect(n).toBe(p.len + tagLen);
      if (suite.startsWith('NULL')) expect(p.buf.subarray(0, p.len)).toEqual(orig);
      else expect(p.buf.subarray(p.h, p.len)).not.toEqual(orig.subarray(p.h));
      expect(p.buf.subarray(0, 12)).toEqual(orig.subarray(0, 12));
      return { seq, buf: p.buf, n, orig };
    });
    expect(tx.txRoc(SSRC)).toBe(1);
    const order = protectedPkts.slice();
    const i65534 = seqs.indexOf(65534);
    const i65535 = seqs.indexOf(65535);
    const i0 = seqs.indexOf(0);
    const i1 = seqs.indexOf(1);
    [order[i65535], order[i0]] = [order[i0]!, order[i65535]!];
    const late = order.splice(i65534, 1)[0]!;
    order.splice(i1, 0, late);
    for (const p of order) {
      const m = rx.unprotectRtp(p.buf, 0, p.n);
      expect(m, `seq ${p.seq}`).toBe(p.n - tagLen);
      expect(p.buf.subarray(0, m)).toEqual(p.orig);
    }
    expect(rx.rxRoc(SSRC)).toBe(1);
  });

  it('CSRCs, header extension and padding stay in clear and round-trip', () => {
    const { tx, rx } = pair(suite);
    for (const [i, opts] of [{ csrc: 2 }, { extWords: 3 }, { csrc: 1, extWords: 1, pad: 3 }, { extWords: 0 }].entries()) {
      const p = rtp(1000 + i, 33, opts);
      const orig = p.buf.slice(0, p.len);
      const n = tx.protectRtp(p.buf, 0, p.len);
      expect(p.buf.subarray(0, p.h)).toEqual(orig.subarray(0, p.h));
      expect(rx.unprotectRtp(p.buf, 0, n)).toBe(p.len);
      expect(p.buf.subarray(0, p.len)).toEqual(orig);
    }
  });

  it('works at an offset inside a larger buffer and leaves bytes around it alone', () => {
    const { tx, rx } = pair(suite);
    const p = rtp(7, 50);
    const big = new Uint8Array(p.len + 100).fill(0xa5);
    big.set(p.buf.subarray(0, p.len), 20);
    const n = tx.protectRtp(big, 20, p.len);
    expect(rx.unprotectRtp(big, 20, n)).toBe(p.len);
    expect(big.subarray(20, 20 + p.len)).toEqual(p.buf.subarray(0, p.len));
    expect(big.subarray(0, 20).every((b) => b === 0xa5)).toBe(true);
  });

  it('tamper → ERR_AUTH (state unchanged), replay → ERR_REPLAY, short → ERR_SHORT', () => {
    const { tx, rx } = pair(suite);
    const p = rtp(10, 20);
    const n = tx.protectRtp(p.buf, 0, p.len);
    const copy = p.buf.slice();
    for (const at of [1, 3, 12, n - 1]) {
      const t = copy.slice();
      t[at]! ^= 0x40;
      expect(rx.unprotectRtp(t, 0, n)).toBe(ERR_AUTH);
    }
    expect(rx.unprotectRtp(p.buf, 0, n)).toBe(p.len);
    const again = copy.slice();
    expect(rx.unprotectRtp(again, 0, n)).toBe(ERR_REPLAY);
    expect(rx.unprotectRtp(new Uint8Array(40), 0, 11 + tagLen)).toBe(ERR_SHORT);
    // No room for the tag.
    const q = rtp(11, 20);
    expect(tx.protectRtp(q.buf.subarray(0, q.len + tagLen - 1), 0, q.len)).toBe(ERR_SHORT);
    // Wrong key.
    const other = new SrtpContext(
      suite,
      randomBytes(findSrtpSuite(suite)!.masterKeyLen),
      randomBytes(findSrtpSuite(suite)!.masterSaltLen),
      { primitives: prims },
    );
    const r = rtp(12, 20);
    const rn = tx.protectRtp(r.buf, 0, r.len);
    expect(other.unprotectRtp(r.buf, 0, rn)).toBe(ERR_AUTH);
  });

  it('packets older than the window are replays', () => {
    const { tx, rx } = pair(suite);
    const pkts = [];
    for (let s = 0; s < 200; s++) {
      const p = rtp(s, 10);
      pkts.push({ buf: p.buf, n: tx.protectRtp(p.buf, 0, p.len) });
    }
    expect(rx.unprotectRtp(pkts[199]!.buf, 0, pkts[199]!.n)).toBeGreaterThan(0);
    // Default window 128: 199 − 71 = 128 is outside, 199 − 72 = 127 inside.
    expect(rx.unprotectRtp(pkts[71]!.buf, 0, pkts[71]!.n)).toBe(ERR_REPLAY);
    expect(rx.unprotectRtp(pkts[72]!.buf, 0, pkts[72]!.n)).toBe(22);
    expect(rx.unprotectRtp(pkts[150]!.buf, 0, pkts[150]!.n)).toBe(22);
  });

  it('SRTCP round trip, index and E flag, tamper, replay', () => {
    const { tx, rx } = pair(suite);
    const tlen = findSrtpSuite(suite)!.srtcpTagLen;
    for (let i = 0; i < 5; i++) {
      const buf = new Uint8Array(200);
      const len = 52 + 4 * i; // SR + a bit of compound
      buf[0] = 0x80;
      buf[1] = 200;
      buf[3] = len / 4 - 1;
      new DataView(buf.buffer).setUint32(4, SSRC);
      for (let k = 8; k < len; k++) buf[k] = k ^ i;
      const orig = buf.slice(0, len);
      const n = tx.protectRtcp(buf, 0, len);
      expect(n).toBe(len + 4 + tlen);
      // RFC 3711 §3.4: E‖index before the tag; RFC 7714 §9 (GCM): behind it.
      const eword = new DataView(buf.buffer).getUint32(suite.startsWith('AEAD') ? len + tlen : len);
      expect(eword).toBe((0x80000000 | i) >>> 0);
      expect(buf.subarray(0, 8)).toEqual(orig.subarray(0, 8));
      if (!suite.startsWith('NULL')) expect(buf.subarray(8, len)).not.toEqual(orig.subarray(8));
      const saved = buf.slice();
      const t = buf.slice();
      t[10]! ^= 1;
      expect(rx.unprotectRtcp(t, 0, n)).toBe(ERR_AUTH);
      expect(rx.unprotectRtcp(buf, 0, n)).toBe(len);
      expect(buf.subarray(0, len)).toEqual(orig);
      expect(rx.unprotectRtcp(saved, 0, n)).toBe(ERR_REPLAY);
    }
    expect(rx.unprotectRtcp(new Uint8Array(30), 0, 8 + 4 + tlen - 1)).toBe(ERR_SHORT);
  });
});

describe('SRTCP options', () => {
  it.each(['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'])('%s unencryptedSrtcp: E=0 behind the tag, payload authenticated in clear', (suite) => {
    const key = randomBytes(findSrtpSuite(suite)!.masterKeyLen);
    const salt = randomBytes(12);
    const tx = new SrtpContext(suite, key, salt, { unencryptedSrtcp: true });
    const rx = new SrtpContext(suite, key, salt);
    const buf = rtcp32();
    const orig = buf.slice(0, 32);
    const n = tx.protectRtcp(buf, 0, 32);
    expect(n).toBe(32 + 16 + 4);
    expect(buf.subarray(0, 32)).toEqual(orig);
    expect(new DataView(buf.buffer).getUint32(48)).toBe(0);
    const t = buf.slice();
    t[20]! ^= 1;
    expect(rx.unprotectRtcp(t, 0, n)).toBe(ERR_AUTH);
    expect(rx.unprotectRtcp(buf, 0, n)).toBe(32);
    expect(buf.subarray(0, 32)).toEqual(orig);
  });

  it('unencryptedSrtcp sends E=0 and the payload in clear; the receiver accepts it', () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_32', key, salt, { unencryptedSrtcp: true });
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_32', key, salt);
    const buf = rtcp32();
    const orig = buf.slice(0, 32);
    const n = tx.protectRtcp(buf, 0, 32);
    expect(n).toBe(32 + 4 + 10);
    expect(buf.subarray(0, 32)).toEqual(orig);
    expect(new DataView(buf.buffer).getUint32(32)).toBe(0);
    expect(rx.unprotectRtcp(buf, 0, n)).toBe(32);
    expect(buf.subarray(0, 32)).toEqual(orig);
  });
});

describe.each(SRTP_IMPLS)('SrtpContext session options (%s primitives)', (_impl, primitives) => {
  const KEY = randomBytes(16);
  const SALT = randomBytes(14);

  it.each(['AES_CM_128_HMAC_SHA1_80', 'F8_128_HMAC_SHA1_32', 'NULL_HMAC_SHA1_80', 'AEAD_AES_128_GCM'])(
    '%s MKI (RFC 3711 §3.1): carried in every packet, a different MKI fails as ERR_AUTH',
    (suite) => {
      const s = findSrtpSuite(suite)!;
      const key = randomBytes(s.masterKeyLen);
      const salt = randomBytes(s.masterSaltLen);
      const mki = Uint8Array.of(0xde, 0xad, 0x01);
      const tx = new SrtpContext(suite, key, salt, { mki, primitives });
      const rx = new SrtpContext(suite, key, salt, { mki, primitives });
      const wrong = new SrtpContext(suite, key, salt, { mki: Uint8Array.of(0xde, 0xad, 0x02), primitives });
      expect(tx.srtpOverhead).toBe(3 + s.srtpTagLen);
      expect(tx.srtcpOverhead).toBe(4 + 3 + s.srtcpTagLen);
      const p = rtp(5, 40);
      const orig = p.buf.slice(0, p.len);
      const n = tx.protectRtp(p.buf, 0, p.len);
      expect(n).toBe(p.len + 3 + s.srtpTagLen);
      // AES-CM/f8/NULL: MKI between payload and tag; AEAD: behind the tag (as libsrtp 2).
      const mkiAt = s.cipher === 'aes-gcm' ? p.len + 16 : p.len;
      expect(p.buf.subarray(mkiAt, mkiAt + 3)).toEqual(mki);
      expect(wrong.unprotectRtp(p.buf.slice(), 0, n)).toBe(ERR_AUTH);
      expect(rx.unprotectRtp(p.buf, 0, n)).toBe(p.len);
      expect(p.buf.subarray(0, p.len)).toEqual(orig);

      const c = rtcp32();
      const corig = c.slice(0, 32);
      const cn = tx.protectRtcp(c, 0, 32);
      expect(cn).toBe(32 + 4 + 3 + s.srtcpTagLen);
      const cMkiAt = s.cipher === 'aes-gcm' ? 32 + 16 + 4 : 32 + 4;
      expect(c.subarray(cMkiAt, cMkiAt + 3)).toEqual(mki);
      expect(wrong.unprotectRtcp(c.slice(), 0, cn)).toBe(ERR_AUTH);
      expect(rx.unprotectRtcp(c, 0, cn)).toBe(32);
      expect(c.subarray(0, 32)).toEqual(corig);
      // A context without MKI reads the MKI as part of the tag: fails.
      const none = new SrtpContext(suite, key, salt, { primitives });
      const q = rtp(6, 40);
      const qn = tx.protectRtp(q.buf, 0, q.len);
      expect(none.unprotectRtp(q.buf, 0, qn)).toBe(ERR_AUTH);
    },
  );

  it('rejects an MKI of 0 or more than 128 bytes', () => {
    expect(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { mki: new Uint8Array(0), primitives })).toThrow(RangeError);
    expect(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { mki: new Uint8Array(129), primitives })).toThrow(RangeError);
  });

  it('unencryptedSrtp (RFC 4568 §6.3.5): payload in clear, still authenticated', () => {
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { unencryptedSrtp: true, primitives });
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { unencryptedSrtp: true, primitives });
    const enc = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { primitives });
    const p = rtp(9, 40);
    const orig = p.buf.slice(0, p.len);
    const n = tx.protectRtp(p.buf, 0, p.len);
    expect(n).toBe(p.len + 10);
    expect(p.buf.subarray(0, p.len)).toEqual(orig);
    const t = p.buf.slice();
    t[20]! ^= 1;
    expect(rx.unprotectRtp(t, 0, n)).toBe(ERR_AUTH);
    // The tag is the same as with encryption off on both sides: an encrypting receiver would
    // authenticate it and then "decrypt" the clear payload.
    const e = p.buf.slice();
    expect(enc.unprotectRtp(e, 0, n)).toBe(p.len);
    expect(e.subarray(12, p.len)).not.toEqual(orig.subarray(12));
    expect(rx.unprotectRtp(p.buf, 0, n)).toBe(p.len);
    expect(p.buf.subarray(0, p.len)).toEqual(orig);
    // SRTCP stays encrypted unless unencryptedSrtcp too.
    const c = rtcp32();
    const cn = tx.protectRtcp(c, 0, 32);
    expect(new DataView(c.buffer).getUint32(32) >>> 31).toBe(1);
    expect(rx.unprotectRtcp(c, 0, cn)).toBe(32);
  });

  it('unauthenticatedSrtp (RFC 4568 §6.3.6): no SRTP tag, payload encrypted; SRTCP keeps its tag', () => {
    const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { unauthenticatedSrtp: true, primitives });
    const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', KEY, SALT, { unauthenticatedSrtp: true, primitives });
    expect(tx.srtpTagLen).toBe(0);
    expect(tx.srtpOverhead).toBe(0);
    expect(tx.srtcpOverhead).toBe(14);
    const p = rtp(9, 40);
    const orig = p.buf.slice(0, p.len);
    expect(tx.protectRtp(p.buf, 0, p.len)).toBe(p.len);
    expect(p.buf.subarray(12, p.len)).not.toEqual(orig.subarray(12));
    expect(rx.unprotectRtp(p.buf, 0, p.len)).toBe(p.len);
    expect(p.buf.subarray(0, p.len)).toEqual(orig);
    const c = rtcp32();
    const cn = tx.protectRtcp(c, 0, 32);
    expect(cn).toBe(32 + 14);
    const t = c.slice();
    t[9]! ^= 1;
    expect(rx.unprotectRtcp(t, 0, cn)).toBe(ERR_AUTH);
    expect(rx.unprotectRtcp(c, 0, cn)).toBe(32);
  });

  it('AEAD suites ignore unencryptedSrtp / unauthenticatedSrtp (the GCM tag covers the payload)', () => {
    const k = randomBytes(16);
    const s = randomBytes(12);
    const tx = new SrtpContext('AEAD_AES_128_GCM', k, s, { unencryptedSrtp: true, unauthenticatedSrtp: true, primitives });
    const rx = new SrtpContext('AEAD_AES_128_GCM', k, s, { primitives });
    expect(tx.srtpOverhead).toBe(16);
    const p = rtp(1, 40);
    const orig = p.buf.slice(0, p.len);
    const n = tx.protectRtp(p.buf, 0, p.len);
    expect(p.buf.subarray(12, p.len)).not.toEqual(orig.subarray(12));
    expect(rx.unprotectRtp(p.buf, 0, n)).toBe(p.len);
  });

  it('close() is idempotent; a closed context refuses work with ERR_SHORT', () => {
    const { tx, rx } = pairOf('AES_CM_128_HMAC_SHA1_80', primitives);
    const p = rtp(1, 40);
    const n = tx.protectRtp(p.buf, 0, p.len);
    rx.close();
    rx.close();
    expect(rx.unprotectRtp(p.buf, 0, n)).toBe(ERR_SHORT);
    expect(rx.unprotectRtcp(p.buf, 0, n)).toBe(ERR_SHORT);
    tx.close();
    expect(tx.protectRtp(p.buf, 0, p.len)).toBe(ERR_SHORT);
    expect(tx.protectRtcp(rtcp32(), 0, 32)).toBe(ERR_SHORT);
  });
});

describe.each(SRTP_IMPLS)('ROC across wraps, reordering and gaps (RFC 3711 Appendix A, %s primitives)', (_impl, primitives) => {
  /** Protects `seqs` in sending order on tx; returns the packets by their position. */
  function send(tx: SrtpContext, seqs: number[]) {
    return seqs.map((seq) => {
      const p = rtp(seq, 30);
      const orig = p.buf.slice(0, p.len);
      return { seq, buf: p.buf, n: tx.protectRtp(p.buf, 0, p.len), orig, len: p.len };
    });
  }
  function deliver(rx: SrtpContext, pkts: ReturnType<typeof send>, order: number[]): number[] {
    return order.map((i) => {
      const p = pkts[i]!;
      const r = rx.unprotectRtp(p.buf, 0, p.n);
      if (r > 0) expect(p.buf.subarray(0, r)).toEqual(p.orig);
      return r;
    });
  }

  it('late packets from before the wrap arrive after several from after it (ROC − 1 guess)', () => {
    const { tx, rx } = pairOf('AES_CM_128_HMAC_SHA1_80', primitives);
    const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5];
    const pkts = send(tx, seqs);
    // 65533..65535 held back behind 0..5, then a duplicate of 65534.
    const order = [0, 1, 2, 6, 7, 8, 9, 10, 11, 3, 4, 5, 4];
    const r = deliver(rx, pkts, order);
    expect(r.slice(0, 12).every((x) => x === 42)).toBe(true);
    expect(r[12]).toBe(ERR_REPLAY);
    expect(rx.rxRoc(SSRC)).toBe(1);
  });

  it('the sender keeps the ROC of packets it forwards reordered across the wrap', () => {
    const { tx, rx } = pairOf('AES_CM_128_HMAC_SHA1_80', primitives);
    // A relay forwards 0 and 1 before 65535: the sender must still use ROC 0 for 65535.
    const pkts = send(tx, [65534, 0, 1, 65535, 2]);
    expect(tx.txRoc(SSRC)).toBe(1);
    expect(deliver(rx, pkts, [0, 3, 1, 2, 4])).toEqual([42, 42, 42, 42, 42]);
  });

  it('a gap of up to 2^15 − 1 packets, across the wrap, keeps both sides in step', () => {
    const { tx, rx } = pairOf('AES_CM_128_HMAC_SHA1_80', primitives);
    // 60000 → 25000 (+30536, wraps) → 55000 (+30000) → 20000 (+30536, wraps again): ROC 2.
    const pkts = send(tx, [60000, 60001, 25000, 55000, 20000, 20001]);
    expect(tx.txRoc(SSRC)).toBe(2);
    expect(deliver(rx, pkts, [0, 1, 2, 3, 4, 5])).toEqual([42, 42, 42, 42, 42, 42]);
    expect(rx.rxRoc(SSRC)).toBe(2);
  });

  it('many wraps in order (ROC 0 → 3), each sequence number once', () => {
    const { tx, rx } = pairOf('AEAD_AES_128_GCM', primitives);
    const seqs: number[] = [];
    for (let i = 0; i < 3 * 65536 + 300; i += 257) seqs.push(i & 0xffff);
    const pkts = send(tx, seqs);
    expect(deliver(rx, pkts, pkts.map((_, i) => i)).every((x) => x === 42)).toBe(true);
    expect(rx.rxRoc(SSRC)).toBe(3);
    expect(tx.txRoc(SSRC)).toBe(3);
  });

  it('a packet from "before the first wrap" while ROC is 0 is a replay, not a crash', () => {
    const { tx, rx } = pairOf('AES_CM_128_HMAC_SHA1_80', primitives);
    const pkts = send(tx, [100, 40000]);
    // 40000 after 100: estimated as ROC −1 (Appendix A), which does not exist.
    expect(deliver(rx, pkts, [0, 1])).toEqual([42, ERR_REPLAY]);
    expect(rx.rxRoc(SSRC)).toBe(0);
  });
});
