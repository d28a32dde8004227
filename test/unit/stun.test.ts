// STUN codec (protocol/stun) against the RFC 5769 test vectors: parse, MESSAGE-INTEGRITY and
// FINGERPRINT checks, and byte-identical re-encoding; plus malformed and tampered messages.
import { describe, expect, it } from 'vitest';
import { HmacSha1 } from '../../protocol/srtp/hmac-sha1.js';
import {
  ATTR_PRIORITY, ATTR_SOFTWARE, ATTR_USERNAME, BINDING_ERROR, BINDING_REQUEST, BINDING_SUCCESS, checkFingerprint,
  checkIntegrity, parseStun, ROLE_CONTROLLED, ROLE_CONTROLLING, StunScratch, StunWriter, usernameEquals,
} from '../../protocol/stun/stun.js';
import { crc32 } from '../../protocol/stun/crc32.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1-2.3 (https://www.rfc-editor.org/rfc/rfc5769#section-2).
const PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');
const REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const RESPONSE_V4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
const RESPONSE_V6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);

const hmac = new HmacSha1(PASSWORD);
const mac = new Uint8Array(20);

describe('STUN codec (RFC 5389) on the RFC 5769 vectors', () => {
  it('CRC-32 is the V.42 / zlib one', () => {
    expect(crc32(Buffer.from('123456789'), 0, 9)).toBe(0xcbf43926);
  });

  it('parses the sample request: ICE attributes, integrity and fingerprint verify', () => {
    const s = new StunScratch();
    expect(parseStun(REQUEST, 0, REQUEST.length, s)).toBe(true);
    expect(s.type).toBe(BINDING_REQUEST);
    expect(s.priority).toBe(0x6e0001ff);
    expect(s.role).toBe(ROLE_CONTROLLED);
    expect([s.tieHi, s.tieLo]).toEqual([0x932ff9b1, 0x51263b36]);
    expect(usernameEquals(REQUEST, s, Buffer.from('evtj:h6vY'))).toBe(true);
    expect(usernameEquals(REQUEST, s, Buffer.from('evtj:h6vX'))).toBe(false);
    expect(s.useCandidate).toBe(false);
    expect(checkFingerprint(REQUEST, 0, s)).toBe(true);
    expect(checkIntegrity(REQUEST, 0, s, hmac, mac)).toBe(true);
    expect(checkIntegrity(REQUEST, 0, s, new HmacSha1(Buffer.from('wrong')), mac)).toBe(false);
    expect(REQUEST.readUInt16BE(2)).toBe(0x58); // the length field patched for the HMAC is restored
  });

  it('parses the IPv4 and IPv6 responses: XOR-MAPPED-ADDRESS decodes', () => {
    const s = new StunScratch();
    expect(parseStun(RESPONSE_V4, 0, RESPONSE_V4.length, s)).toBe(true);
    expect(s.type).toBe(BINDING_SUCCESS);
    expect(s.mappedFamily).toBe(4);
    expect(s.mappedPort).toBe(32853);
    expect([...s.mappedAddr.subarray(0, 4)]).toEqual([192, 0, 2, 1]);
    expect(checkIntegrity(RESPONSE_V4, 0, s, hmac, mac)).toBe(true);
    expect(checkFingerprint(RESPONSE_V4, 0, s)).toBe(true);
    expect(parseStun(RESPONSE_V6, 0, RESPONSE_V6.length, s)).toBe(true);
    expect(s.mappedFamily).toBe(6);
    expect(s.mappedPort).toBe(32853);
    expect(Buffer.from(s.mappedAddr).toString('hex')).toBe('20010db81234567800112233445566770'.slice(0, 32));
    expect(checkIntegrity(RESPONSE_V6, 0, s, hmac, mac)).toBe(true);
    expect(checkFingerprint(RESPONSE_V6, 0, s)).toBe(true);
  });

  it('re-encodes the three vectors byte for byte', () => {
    const txid = REQUEST.subarray(8, 20);
    const w = new StunWriter();
    const out = Buffer.alloc(200);
    let n = w.begin(out, 0, BINDING_REQUEST, txid, 0)
      .bytes(ATTR_SOFTWARE, Buffer.from('STUN test client'))
      .u32(ATTR_PRIORITY, 0x6e0001ff)
      .role(false, 0x932ff9b1, 0x51263b36)
      .bytes(ATTR_USERNAME, Buffer.from('evtj:h6vY'), 0x20)
      .finish(hmac);
    expect(out.subarray(0, n).toString('hex')).toBe(REQUEST.toString('hex'));
    n = w.begin(out, 0, BINDING_SUCCESS, txid, 0).bytes(ATTR_SOFTWARE, Buffer.from('test vector'), 0x20)
      .xorMappedAddress(4, 32853, Buffer.from([192, 0, 2, 1])).finish(hmac);
    expect(out.subarray(0, n).toString('hex')).toBe(RESPONSE_V4.toString('hex'));
    n = w.begin(out, 0, BINDING_SUCCESS, txid, 0).bytes(ATTR_SOFTWARE, Buffer.from('test vector'), 0x20)
      .xorMappedAddress(6, 32853, hex('20010db8123456780011223344556677')).finish(hmac);
    expect(out.subarray(0, n).toString('hex')).toBe(RESPONSE_V6.toString('hex'));
  });

  it('writes error responses and role attributes that parse back', () => {
    const w = new StunWriter();
    const out = Buffer.alloc(200);
    const n = w.begin(out, 4, BINDING_ERROR, REQUEST, 8).errorCode(487, Buffer.from('Role Conflict'))
      .role(true, 1, 2).flag(0x0025).finish(hmac);
    const s = new StunScratch();
    expect(parseStun(out, 4, n, s)).toBe(true);
    expect(s.errorCode).toBe(487);
    expect(s.role).toBe(ROLE_CONTROLLING);
    expect(s.useCandidate).toBe(true);
    expect(checkIntegrity(out, 4, s, hmac, mac)).toBe(true);
    expect(checkFingerprint(out, 4, s)).toBe(true);
  });

  it('rejects malformed messages and detects tampering', () => {
    const s = new StunScratch();
    expect(parseStun(REQUEST, 0, 19, s)).toBe(false); // shorter than a header
    expect(parseStun(REQUEST, 0, REQUEST.length - 4, s)).toBe(false); // length field mismatch
    const badCookie = Buffer.from(REQUEST); badCookie[4] = 0;
    expect(parseStun(badCookie, 0, badCookie.length, s)).toBe(false);
    const rtpLike = Buffer.from(REQUEST); rtpLike[0] = 0x80;
    expect(parseStun(rtpLike, 0, rtpLike.length, s)).toBe(false);
    const overrun = Buffer.from(REQUEST); overrun.writeUInt16BE(0x00ff, 22); // SOFTWARE runs past the end
    expect(parseStun(overrun, 0, overrun.length, s)).toBe(false);
    const badPriority = Buffer.from(REQUEST); badPriority.writeUInt16BE(5, 42);
    expect(parseStun(badPriority, 0, badPriority.length, s)).toBe(false);
    const flipped = Buffer.from(REQUEST); flipped[53] ^= 1; // inside the tie-breaker
    expect(parseStun(flipped, 0, flipped.length, s)).toBe(true);
    expect(checkIntegrity(flipped, 0, s, hmac, mac)).toBe(false);
    expect(checkFingerprint(flipped, 0, s)).toBe(false);
    // Random bytes never throw.
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(Math.random() * 120);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(Math.random() * 256);
      if (len >= 8) { b[0] &= 0x3f; b.writeUInt16BE((len - 20) & 0xfffc, 2); b.writeUInt32BE(0x2112a442, 4); }
      if (parseStun(b, 0, len, s)) { checkFingerprint(b, 0, s); checkIntegrity(b, 0, s, hmac, mac); }
    }
  });

  it('collects unknown comprehension-required attributes (for a 420 reply)', () => {
    const w = new StunWriter();
    const out = Buffer.alloc(100);
    const n = w.begin(out, 0, BINDING_REQUEST, REQUEST, 8).u32(0x0033, 1).u32(0x8033, 1).finish(null);
    const s = new StunScratch();
    expect(parseStun(out, 0, n, s)).toBe(true);
    expect(s.unknownCount).toBe(1);
    expect(s.unknownTypes[0]).toBe(0x0033);
  });
});
