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
import { findSrtpSuite, SRTP_SUITES } from '../../protocol/srtp/suites.js';

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

function pair(suite = 'AES_CM_128_HMAC_SHA1_80', key = randomBytes(findSrtpSuite(suite)!.masterKeyLen)) {
  const salt = randomBytes(findSrtpSuite(suite)!.masterSaltLen);
  return { tx: new SrtpContext(suite, key, salt), rx: new SrtpContext(suite, key, salt), key, salt };
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
    expect(() => new SrtpContext('F8_128_HMAC_SHA1_80', randomBytes(16), randomBytes(14))).toThrow(/not implemented/);
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

describe.each(SRTP_SUITES.filter((s) => s.implemented).map((s) => s.name))('SrtpContext %s', (suite) => {
  const tagLen = findSrtpSuite(suite)!.srtpTagLen;

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
