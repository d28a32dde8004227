// The native SRTP primitives (daemon/media/native/src/srtp_crypto.c via daemon/media/srtp-native.ts)
// against the JS ones on random inputs, their argument checking (a wrong call throws, never
// crashes), close() semantics, and srtp-factory.ts's choice (RTPENGINE_TS_SRTP=js forces JS). The
// addon is optional: without it these tests are skipped locally, and fail under CI=true.

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsPrimitives, type SrtpPrimitives } from '../../protocol/srtp/primitives.js';
import { nativeSrtp } from './fixtures/srtp/impls.js';

const native = nativeSrtp.primitives as SrtpPrimitives;
const inCi = process.env.CI === 'true';

describe('native SRTP primitives load', () => {
  it.skipIf(!inCi && native === null)('the addon loads and passes its self-test', () => {
    expect(nativeSrtp.error).toBe('');
    expect(native?.name).toBe('native');
  });
});

describe.skipIf(native === null)('native SRTP primitives = JS primitives', () => {
  it('AES-CM keystream (128/192/256) for lengths 0..600 at odd offsets, counter carry included', () => {
    for (const kl of [16, 24, 32]) {
      const key = randomBytes(kl);
      const a = jsPrimitives.aesCm(key);
      const b = native.aesCm(key);
      for (const len of [0, 1, 15, 16, 17, 160, 511, 512, 513, 600]) {
        const iv = randomBytes(16);
        iv[14] = 0xff; // the block counter carries out of the low 16 bits after one block
        iv[15] = 0xff;
        a.iv.set(iv);
        b.iv.set(iv);
        const data = randomBytes(len + 7);
        const x = Uint8Array.from(data);
        const y = Uint8Array.from(data);
        a.xor(x, 3, len);
        b.xor(y, 3, len);
        expect(Buffer.from(y).equals(Buffer.from(x)), `key ${kl} len ${len}`).toBe(true);
      }
      a.close();
      b.close();
    }
  });

  it('AES-f8 keystream for lengths 0..300', () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const a = jsPrimitives.aesF8(key, salt);
    const b = native.aesF8(key, salt);
    for (const len of [0, 1, 16, 39, 172, 300]) {
      const iv = randomBytes(16);
      a.iv.set(iv);
      b.iv.set(iv);
      const data = randomBytes(len);
      const x = Uint8Array.from(data);
      const y = Uint8Array.from(data);
      a.xor(x, 0, len);
      b.xor(y, 0, len);
      expect(Buffer.from(y).equals(Buffer.from(x))).toBe(true);
    }
  });

  it('HMAC-SHA1 with and without the appended u32, short and long (> 64-byte) keys', () => {
    for (const kl of [0, 20, 64, 65, 100]) {
      const key = randomBytes(kl);
      const a = jsPrimitives.hmacSha1(key);
      const b = native.hmacSha1(key);
      for (const len of [0, 1, 55, 56, 63, 64, 172, 1000]) {
        for (const extra of [-1, 0, 0xffffffff, 0x12345678]) {
          const data = randomBytes(len + 2);
          a.mac(data, 2, len, extra);
          b.mac(data, 2, len, extra);
          expect(Buffer.from(b.out).equals(Buffer.from(a.out)), `key ${kl} len ${len} extra ${extra}`).toBe(true);
        }
      }
    }
  });

  it('AES-GCM seal matches; open verifies, decrypts, and leaves a forged packet untouched', () => {
    for (const kl of [16, 32]) {
      const key = randomBytes(kl);
      const a = jsPrimitives.aesGcm(key);
      const b = native.aesGcm(key);
      for (const [aadLen, aad2Len, txtLen] of [[12, 0, 160], [8, 4, 40], [40, 4, 0], [12, 0, 0], [12, 0, 1400]]) {
        const iv = randomBytes(12);
        a.iv.set(iv);
        b.iv.set(iv);
        const size = aadLen + txtLen + 16 + aad2Len;
        const data = randomBytes(size);
        const x = Uint8Array.from(data);
        const y = Uint8Array.from(data);
        // Layout: aad ‖ text ‖ tag ‖ aad2 (as SRTCP with GCM).
        const args = [0, aadLen, aadLen + txtLen + 16, aad2Len, aadLen, txtLen, aadLen + txtLen] as const;
        a.seal(x, ...args);
        b.seal(y, ...args);
        expect(Buffer.from(y).equals(Buffer.from(x))).toBe(true);
        const forged = Uint8Array.from(y);
        forged[aadLen + txtLen + 3]! ^= 1;
        const before = Uint8Array.from(forged);
        expect(b.open(forged, ...args)).toBe(false);
        expect(Buffer.from(forged).equals(Buffer.from(before))).toBe(true);
        expect(b.open(y, ...args)).toBe(true);
        expect(Buffer.from(y.subarray(aadLen, aadLen + txtLen)).equals(data.subarray(aadLen, aadLen + txtLen))).toBe(true);
      }
      a.close();
      b.close();
    }
  });

  it('bad calls throw (wrong key size, out-of-range offsets, use after close) instead of crashing', () => {
    expect(() => native.aesCm(new Uint8Array(15))).toThrow(RangeError);
    expect(() => native.aesGcm(new Uint8Array(24))).toThrow(RangeError);
    const c = native.aesCm(randomBytes(16));
    const buf = new Uint8Array(10);
    expect(() => c.xor(buf, 5, 6)).toThrow(RangeError);
    expect(() => c.xor(buf, -1, 2)).toThrow(RangeError);
    const h = native.hmacSha1(randomBytes(20));
    expect(() => h.mac(buf, 0, 11, -1)).toThrow(RangeError);
    const g = native.aesGcm(randomBytes(16));
    expect(() => g.seal(buf, 0, 2, 0, 0, 2, 2, 0)).toThrow(RangeError); // tag of 16 does not fit
    expect(() => g.open(buf, 0, 2, 0, 0, 2, 2, 0)).toThrow(RangeError);
    c.close();
    c.close();
    h.close();
    g.close();
    // A closed primitive's calls throw; its slot, reused by a new primitive, is not reachable from it.
    const d = native.aesCm(randomBytes(16));
    expect(() => c.xor(buf, 0, 1)).toThrow(/not open/);
    expect(() => h.mac(buf, 0, 1, -1)).toThrow(/not open/);
    d.xor(buf, 0, 10);
    d.close();
  });
});

describe('srtp-factory primitives choice', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('RTPENGINE_TS_SRTP=js forces the JS primitives', async () => {
    vi.stubEnv('RTPENGINE_TS_SRTP', 'js');
    vi.resetModules();
    const f = await import('../../daemon/media/srtp-factory.js');
    expect(f.srtpPrimitives().primitives.name).toBe('js');
    const ctx = f.createSrtpContext({
      suite: 'AES_CM_128_HMAC_SHA1_80', key: randomBytes(16), salt: randomBytes(14), mki: null, kdr: 0,
      unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
    });
    expect(ctx.primitivesName).toBe('js');
    ctx.close();
  });

  it.skipIf(native === null)('uses the native primitives when the addon loads', async () => {
    vi.stubEnv('RTPENGINE_TS_SRTP', '');
    vi.resetModules();
    const f = await import('../../daemon/media/srtp-factory.js');
    const ctx = f.createSrtpContext({
      suite: 'AEAD_AES_128_GCM', key: randomBytes(16), salt: randomBytes(12), mki: Uint8Array.of(1, 2), kdr: 0,
      unencryptedSrtp: false, unencryptedSrtcp: true, unauthenticatedSrtp: false,
    });
    expect(ctx.primitivesName).toBe('native');
    expect(ctx.srtpOverhead).toBe(2 + 16);
    ctx.close();
  });

  it('sameSrtpParams compares every field, bytes by value', async () => {
    const { sameSrtpParams } = await import('../../daemon/media/srtp-factory.js');
    const base = {
      suite: 'AES_CM_128_HMAC_SHA1_80', key: Uint8Array.of(1, 2), salt: Uint8Array.of(3), mki: null as Uint8Array | null,
      kdr: 0, unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
    };
    expect(sameSrtpParams(base, { ...base, key: Uint8Array.of(1, 2), salt: Uint8Array.of(3) })).toBe(true);
    expect(sameSrtpParams(null, null)).toBe(true);
    expect(sameSrtpParams(base, null)).toBe(false);
    for (const change of [
      { suite: 'AES_CM_128_HMAC_SHA1_32' }, { key: Uint8Array.of(1, 3) }, { salt: Uint8Array.of(3, 0) },
      { mki: Uint8Array.of(1) }, { kdr: 1 }, { unencryptedSrtp: true }, { unencryptedSrtcp: true },
      { unauthenticatedSrtp: true },
    ]) {
      expect(sameSrtpParams(base, { ...base, ...change }), JSON.stringify(change)).toBe(false);
    }
  });
});
