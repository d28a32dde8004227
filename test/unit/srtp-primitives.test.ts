import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesCm, srtpIv } from '../../protocol/srtp/aes-cm.js';
import { HmacSha1, sha1 } from '../../protocol/srtp/hmac-sha1.js';
import {
  deriveKey,
  deriveSessionKeys,
  LABEL_RTP_AUTH,
  LABEL_RTP_ENCRYPTION,
  LABEL_RTP_SALT,
} from '../../protocol/srtp/kdf.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

function hmac(key: Uint8Array, data: Uint8Array): string {
  const out = new Uint8Array(20);
  new HmacSha1(key).mac(data, 0, data.length, -1, out, 0);
  return toHex(out);
}

describe('SHA-1 / HMAC-SHA1', () => {
  it('SHA-1 of "abc" and the empty string (FIPS 180-4 examples)', () => {
    expect(toHex(sha1(ascii('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(toHex(sha1(new Uint8Array(0)))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });

  // RFC 2202 §3 test cases 1-7.
  const cases: [Uint8Array, Uint8Array, string][] = [
    [new Uint8Array(20).fill(0x0b), ascii('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
    [ascii('Jefe'), ascii('what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
    [new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
    [
      hex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
      new Uint8Array(50).fill(0xcd),
      '4c9007f4026250c6bc8414f9bf50c86c2d7235da',
    ],
    [new Uint8Array(20).fill(0x0c), ascii('Test With Truncation'), '4c1a03424b55e07fe7f27be1d58bb9324a9a5a04'],
    [
      new Uint8Array(80).fill(0xaa),
      ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
      'aa4ae5e15272d00e95705637ce8a3b55ed402112',
    ],
    [
      new Uint8Array(80).fill(0xaa),
      ascii('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
      'e8e99d0f45237d786d6bbaa7965c7808bbff1a91',
    ],
  ];
  it.each(cases.map((c, i) => [i + 1, ...c] as const))('RFC 2202 test case %i', (_n, key, data, want) => {
    expect(hmac(key, data)).toBe(want);
  });

  it('truncated output (RFC 2202 case 5, 96 bits)', () => {
    const out = new Uint8Array(14).fill(0xee);
    const data = ascii('Test With Truncation');
    new HmacSha1(new Uint8Array(20).fill(0x0c)).mac(data, 0, data.length, -1, out, 2, 12);
    expect(toHex(out)).toBe('eeee' + '4c1a03424b55e07fe7f27be1');
  });

  it('equals node:crypto createHmac for every length 0..300, with and without a ROC, at offsets', () => {
    const key = randomBytes(20);
    const h = new HmacSha1(key);
    const buf = randomBytes(320);
    const out = new Uint8Array(20);
    for (let len = 0; len <= 300; len++) {
      const off = len % 7;
      const data = buf.subarray(off, off + len);
      h.mac(buf, off, len, -1, out, 0);
      expect(toHex(out)).toBe(createHmac('sha1', key).update(data).digest('hex'));
      const roc = (len * 0x01010101 + 0x80000000) >>> 0;
      h.mac(buf, off, len, roc, out, 0);
      const rocBytes = Buffer.alloc(4);
      rocBytes.writeUInt32BE(roc);
      expect(toHex(out)).toBe(createHmac('sha1', key).update(data).update(rocBytes).digest('hex'));
    }
  });

  it('equals createHmac for random keys of many lengths (incl. > 64 bytes)', () => {
    for (const klen of [1, 16, 20, 63, 64, 65, 100, 200]) {
      const key = randomBytes(klen);
      const data = randomBytes(1000 + klen);
      expect(hmac(key, data)).toBe(createHmac('sha1', key).update(data).digest('hex'));
    }
  });
});

describe('AES-CM (RFC 3711 §4.1.1)', () => {
  it('RFC 3711 Appendix B.2 keystream: first and last three blocks of 65282', () => {
    const cm = new AesCm(hex('2B7E151628AED2A6ABF7158809CF4F3C'));
    const iv = new Uint8Array(16);
    srtpIv(iv, hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), 0, 0, 0);
    expect(toHex(iv)).toBe('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
    const ks = cm.keystream(iv, 65282 * 16);
    expect(toHex(ks.subarray(0, 48))).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0',
    );
    expect(toHex(ks.subarray(ks.length - 48))).toBe(
      'ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae6a2cc3787889374fbeb4c81b17ba6c44',
    );
  });

  it('AES-192/256-CM keystreams (RFC 6188 §7.1, §7.3): first and last three blocks', () => {
    const iv = new Uint8Array(16);
    srtpIv(iv, hex('f0f1f2f3f4f5f6f7f8f9fafbfcfd'), 0, 0, 0);
    const k256 = new AesCm(hex('57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98'));
    let ks = k256.keystream(iv, 65282 * 16);
    expect(toHex(ks.subarray(0, 48))).toBe(
      '92bdd28a93c3f52511c677d08b5515a49da71b2378a854f67050756ded165bac63c4868b7096d88421b563b8c94c9a31',
    );
    expect(toHex(ks.subarray(ks.length - 48))).toBe(
      'cea518c90fd91ced9cbb18c078a547113dbc4814f4da5f00a08772b63c6a046d6eb246913062a16891433e97dd01a57f',
    );
    const k192 = new AesCm(hex('eab234764e517b2d3d160d587d8c86219740f65f99b6bcf7'));
    ks = k192.keystream(iv, 65282 * 16);
    expect(toHex(ks.subarray(0, 48))).toBe(
      '35096cba4610028dc1b57503804ce37c5de986291dcce161d5165ec4568f5c9a474a40c77894bc17180202272a4c264d',
    );
    expect(toHex(ks.subarray(ks.length - 48))).toBe(
      'd108d1a31a00bad6367ec23eb044b415c8f57129fdeb970b59f917b257662d4ca5dab625811034e8cebdfeb6dc158dd3',
    );
  });

  it('IV layout: SSRC at bytes 4..7, 48-bit index at bytes 8..13', () => {
    const iv = new Uint8Array(16);
    srtpIv(iv, new Uint8Array(14), 0x12345678, 0x9abc, 0xdef00203);
    expect(toHex(iv)).toBe('00000000123456789abcdef002030000');
  });

  it('xor in place equals node aes-128-ctr for odd lengths, and a carry out of the low 16 bits', () => {
    const key = randomBytes(16);
    const cm = new AesCm(key, 16);
    for (const [len, ivHex] of [
      [1, '000102030405060708090a0b0c0d0000'],
      [173, 'f0f1f2f3f4f5f6f7f8f9fafbfcfd0000'],
      [5000, 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfff0'],
      [64, 'ffffffffffffffffffffffffffffffff'],
    ] as const) {
      const iv = hex(ivHex);
      const data = randomBytes(len + 3);
      const mine = Uint8Array.from(data);
      cm.xor(iv, mine, 3, len);
      const ref = createCipheriv('aes-128-ctr', key, iv).update(data.subarray(3));
      expect(toHex(mine.subarray(3))).toBe(toHex(ref));
      expect(toHex(mine.subarray(0, 3))).toBe(toHex(data.subarray(0, 3)));
    }
  });
});

describe('key derivation (RFC 3711 §4.3)', () => {
  it('RFC 3711 Appendix B.3 vectors', () => {
    const mk = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const ms = hex('0EC675AD498AFEEBB6960B3AABE6');
    const prf = new AesCm(mk);
    expect(toHex(deriveKey(prf, ms, LABEL_RTP_ENCRYPTION, 16))).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(toHex(deriveKey(prf, ms, LABEL_RTP_SALT, 14))).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(toHex(deriveKey(prf, ms, LABEL_RTP_AUTH, 94))).toBe(
      'cebe321f6ff7716b6fd4ab49af256a156d38baa48f0a0acf3c34e2359e6cdbce' +
        'e049646c43d9327ad175578ef72270986371c10c9a369ac2f94a8c5fbcdddc25' +
        '6d6e919a48b610ef17c2041e474035766b68642c59bbfc2f34db60dbdfb2',
    );
    const keys = deriveSessionKeys(mk, ms);
    expect(toHex(keys.rtpKey)).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(toHex(keys.rtpSalt)).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(toHex(keys.rtpAuthKey)).toBe('cebe321f6ff7716b6fd4ab49af256a156d38baa4');
    expect(keys.rtcpKey.length).toBe(16);
    expect(keys.rtcpAuthKey.length).toBe(20);
    expect(keys.rtcpSalt.length).toBe(14);
  });

  it('AES-256 master key (RFC 6188 §7.2)', () => {
    const keys = deriveSessionKeys(
      hex('f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6'),
      hex('3b04803de51ee7c96423ab5b78d2'),
    );
    expect(toHex(keys.rtpKey)).toBe('5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4');
    expect(toHex(keys.rtpSalt)).toBe('fa31791685ca444a9e07c6c64e93');
    expect(toHex(keys.rtpAuthKey)).toBe('fd9c32d39ed5fbb5a9dc96b30818454d1313dc05');
  });

  it('AES-192 master key gives 24-byte session keys', () => {
    const keys = deriveSessionKeys(randomBytes(24), randomBytes(14));
    expect(keys.rtpKey.length).toBe(24);
    expect(keys.rtcpKey.length).toBe(24);
  });

  it('rejects bad key/salt lengths', () => {
    expect(() => deriveSessionKeys(new Uint8Array(15), new Uint8Array(14))).toThrow(RangeError);
    expect(() => deriveSessionKeys(new Uint8Array(16), new Uint8Array(12))).toThrow(RangeError);
  });
});
