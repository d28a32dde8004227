// AEAD_AES_128_GCM / AEAD_AES_256_GCM packet protection (protocol/srtp/aes-gcm.ts) against the
// RFC 7714 examples (https://www.rfc-editor.org/rfc/rfc7714#section-16, §16 SRTP, §17 SRTCP).
// The RFC gives them with the *session* key and salt (no KDF step), so they drive AesGcm directly;
// the KDF and the SrtpContext packet handling are checked against libsrtp2 in srtp-oracle.test.ts.
//
// Provenance: the bytes below were transcribed from the RFC 7714 examples as reproduced in the
// pion/srtp test suite (srtp_cipher_aead_aes_gcm_rfc_test.go); the AES-256 SRTCP example also
// matches a second, independent transcription (IV 51 75 24 05 52 03 72 6f 20 71 70 bb, AAD
// 81c8000d 4d617273 800005d4). They were not re-read from the RFC text in this checkout.

import { describe, expect, it } from 'vitest';
import { AesGcm, GCM_TAG_LEN } from '../../protocol/srtp/aes-gcm.js';
import { SRTP_IMPLS } from './fixtures/srtp/impls.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const SALT = hex('51 75 69 64 20 70 72 6f 20 71 75 6f'); // "Quid pro quo"
const KEY128 = hex('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f');
const KEY256 = hex('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f');

// RTP: SSRC 5501a0b2, SEQ f17b, ROC 0; payload "Gallia est omnis divisa in partes tres".
const RTP = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
  69736120 696e2070 61727465 73207472 6573`);
// RTCP: SR from SSRC 4d617273, SRTCP index 0x5d4.
const RTCP = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
  deadbeef deadbeef deadbeef deadbeef deadbeef`);

const VECTORS = [
  {
    name: 'AEAD_AES_128_GCM',
    key: KEY128,
    srtp: hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
      0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`),
    srtcp: hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
      c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4`),
    srtcpAuthOnly: hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
      deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4`),
  },
  {
    name: 'AEAD_AES_256_GCM',
    key: KEY256,
    srtp: hex(`8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238
      9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13`),
    srtcp: hex(`81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50
      a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4`),
    srtcpAuthOnly: hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
      deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4`),
  },
];

const RTP_SSRC = 0x5501a0b2;
const RTP_SEQ = 0xf17b;
const RTCP_SSRC = 0x4d617273;
const RTCP_INDEX = 0x5d4;

function inBuf(p: Buffer, room = 32): Buffer {
  const b = Buffer.alloc(p.length + room, 0xee);
  p.copy(b);
  return b;
}

describe.each(VECTORS.flatMap((v) => SRTP_IMPLS.map(([impl, p]) => ({ ...v, impl, p }))))('RFC 7714 example $name ($impl primitives)', (v) => {
  it('SRTP IV (§8.1) for the example packet', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    g.setRtpIv(RTP_SSRC, 0, RTP_SEQ);
    // 00 00 55 01 a0 b2 00 00 00 00 f1 7b XOR salt
    expect(Buffer.from(g.iv).toString('hex')).toBe('51753c6580c2726f20718414');
  });

  it('SRTCP IV (§9.1) for the example packet', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    g.setRtcpIv(RTCP_SSRC, RTCP_INDEX);
    expect(Buffer.from(g.iv).toString('hex')).toBe('517524055203726f207170bb');
  });

  it('protects the RTP example byte for byte and unprotects it back', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    const b = inBuf(RTP);
    expect(g.protectRtp(b, 0, 12, RTP.length, RTP_SSRC, 0, RTP_SEQ)).toBe(v.srtp.length);
    expect(b.subarray(0, v.srtp.length).toString('hex')).toBe(v.srtp.toString('hex'));
    expect(b[v.srtp.length]).toBe(0xee);
    const c = inBuf(v.srtp);
    expect(g.unprotectRtp(c, 0, 12, RTP.length, RTP_SSRC, 0, RTP_SEQ)).toBe(true);
    expect(c.subarray(0, RTP.length).equals(RTP)).toBe(true);
  });

  it('rejects a tampered header, payload, tag, or the wrong ROC, leaving the ciphertext', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    for (const at of [1, 11, 12, v.srtp.length - GCM_TAG_LEN - 1, v.srtp.length - 1]) {
      const c = Buffer.from(v.srtp);
      c[at]! ^= 0x01;
      const before = Buffer.from(c);
      expect(g.unprotectRtp(c, 0, 12, RTP.length, RTP_SSRC, 0, RTP_SEQ), `byte ${at}`).toBe(false);
      expect(c.equals(before)).toBe(true);
    }
    expect(g.unprotectRtp(Buffer.from(v.srtp), 0, 12, RTP.length, RTP_SSRC, 1, RTP_SEQ)).toBe(false);
  });

  it('protects the SRTCP example (E = 1) byte for byte: header ‖ ciphertext ‖ tag ‖ E‖index', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    const b = inBuf(RTCP);
    expect(g.protectRtcp(b, 0, RTCP.length, RTCP_SSRC, RTCP_INDEX, true)).toBe(v.srtcp.length);
    expect(b.subarray(0, v.srtcp.length).toString('hex')).toBe(v.srtcp.toString('hex'));
    const c = inBuf(v.srtcp);
    expect(g.unprotectRtcp(c, 0, RTCP.length, RTCP_SSRC, c.readUInt32BE(v.srtcp.length - 4))).toBe(true);
    expect(c.subarray(0, RTCP.length).equals(RTCP)).toBe(true);
    const t = Buffer.from(v.srtcp);
    t[t.length - 1]! ^= 1; // the index is authenticated (AAD)
    expect(g.unprotectRtcp(t, 0, RTCP.length, RTCP_SSRC, t.readUInt32BE(t.length - 4))).toBe(false);
  });

  it('protects the unencrypted SRTCP example (E = 0, §9.3) byte for byte', () => {
    const g = new AesGcm(v.key, SALT, v.p);
    const b = inBuf(RTCP);
    expect(g.protectRtcp(b, 0, RTCP.length, RTCP_SSRC, RTCP_INDEX, false)).toBe(v.srtcpAuthOnly.length);
    expect(b.subarray(0, v.srtcpAuthOnly.length).toString('hex')).toBe(v.srtcpAuthOnly.toString('hex'));
    const c = inBuf(v.srtcpAuthOnly);
    expect(g.unprotectRtcp(c, 0, RTCP.length, RTCP_SSRC, RTCP_INDEX)).toBe(true);
    expect(c.subarray(0, RTCP.length).equals(RTCP)).toBe(true);
    const t = Buffer.from(v.srtcpAuthOnly);
    t[20]! ^= 1; // the clear payload is authenticated
    expect(g.unprotectRtcp(t, 0, RTCP.length, RTCP_SSRC, RTCP_INDEX)).toBe(false);
  });
});

describe('AesGcm arguments', () => {
  it('takes 16- or 32-byte keys and a 12-byte salt', () => {
    expect(() => new AesGcm(new Uint8Array(24), SALT)).toThrow(RangeError);
    expect(() => new AesGcm(KEY128, new Uint8Array(14))).toThrow(RangeError);
  });
});
