// RTP fixed header / extension / padding (RFC 3550 §5.1, §5.3.1, RFC 8285 one-byte elements) and
// the RTCP common header fields (RFC 3550 §6.4.1), on Buffers and plain Uint8Arrays at offsets.

import { describe, expect, it } from 'vitest';
import {
  RTP_HEADER_MIN,
  rtcpLengthBytes, rtcpPacketType, rtcpSenderSsrc,
  rtpCsrc, rtpCsrcCount, rtpExtension, rtpExtensionOffset, rtpExtensionProfile, rtpExtensionWords,
  rtpHeaderLength, rtpMarker, rtpPadding, rtpPaddingLength, rtpPayloadLength, rtpPayloadType,
  rtpSequence, rtpSsrc, rtpTimestamp, rtpVersion,
  setRtpMarker, setRtpPayloadType, setRtpSequence, setRtpSsrc, setRtpTimestamp, writeRtpHeader,
} from '../../protocol/rtp/header.js';

/**
 * V=2 P=1 X=1 CC=2, M=1 PT=111, two CSRCs, an RFC 8285 one-byte-header extension of 2 words,
 * 5 payload bytes, 3 padding bytes: 12 + 8 + 4 + 8 + 5 + 3 = 40 bytes.
 */
const FULL = [
  0xb2, 0xef, 0xab, 0xcd, // V=2 P X CC=2 | M PT=111 | seq 0xabcd
  0xde, 0xad, 0xbe, 0xef, // timestamp
  0xca, 0xfe, 0xba, 0xbe, // SSRC
  0x11, 0x11, 0x11, 0x11, // CSRC 0
  0xff, 0x00, 0x00, 0x01, // CSRC 1
  0xbe, 0xde, 0x00, 0x02, // extension: profile 0xBEDE, 2 words
  0x10, 0x7f, // ID 1, L=0 → 1 byte (audio level)
  0x32, 0x01, 0x02, 0x03, // ID 3, L=2 → 3 bytes (abs-send-time)
  0x00, 0x00, // padding inside the extension
  0x01, 0x02, 0x03, 0x04, 0x05, // payload
  0x00, 0x00, 0x03, // RTP padding, last byte = 3
];

/** One-byte-header elements (RFC 8285 §4.2) as [id, data bytes...], stopping at ID 15. */
function oneByteElements(b: Uint8Array, off: number): number[][] {
  const start = off + rtpExtensionOffset(b, off) + 4;
  const end = start + 4 * rtpExtensionWords(b, off);
  const out: number[][] = [];
  for (let p = start; p < end;) {
    const id = b[p]! >> 4;
    if (id === 0) { p++; continue; } // padding byte
    if (id === 15) break;
    const n = (b[p]! & 0x0f) + 1;
    out.push([id, ...b.subarray(p + 1, p + 1 + n)]);
    p += 1 + n;
  }
  return out;
}

describe('RTP header reader', () => {
  it('reads every field of a header with CSRCs, a one-byte-header extension and padding', () => {
    const b = Uint8Array.from(FULL);
    expect(RTP_HEADER_MIN).toBe(12);
    expect(rtpVersion(b, 0)).toBe(2);
    expect(rtpPadding(b, 0)).toBe(true);
    expect(rtpExtension(b, 0)).toBe(true);
    expect(rtpCsrcCount(b, 0)).toBe(2);
    expect(rtpMarker(b, 0)).toBe(true);
    expect(rtpPayloadType(b, 0)).toBe(111);
    expect(rtpSequence(b, 0)).toBe(0xabcd);
    expect(rtpTimestamp(b, 0)).toBe(0xdeadbeef);
    expect(rtpSsrc(b, 0)).toBe(0xcafebabe);
    expect(rtpCsrc(b, 0, 0)).toBe(0x11111111);
    expect(rtpCsrc(b, 0, 1)).toBe(0xff000001);
    expect(rtpExtensionOffset(b, 0)).toBe(20);
    expect(rtpExtensionProfile(b, 0)).toBe(0xbede);
    expect(rtpExtensionWords(b, 0)).toBe(2);
    expect(oneByteElements(b, 0)).toEqual([[1, 0x7f], [3, 1, 2, 3]]);

    expect(rtpHeaderLength(b, 0, 40)).toBe(32);
    expect(rtpPaddingLength(b, 0, 40, 32)).toBe(3);
    expect(rtpPayloadLength(b, 0, 40)).toBe(5);
    expect([...b.subarray(32, 32 + 5)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('u32 fields with the top bit set come out unsigned, same as Buffer.readUInt32BE', () => {
    const b = Buffer.from(FULL);
    for (const v of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678]) {
      b.writeUInt32BE(v, 4);
      b.writeUInt32BE(v, 8);
      expect(rtpTimestamp(b, 0)).toBe(v);
      expect(rtpSsrc(b, 0)).toBe(v);
      expect(rtpTimestamp(b, 0)).toBe(b.readUInt32BE(4));
    }
    b.writeUInt16BE(0xffff, 2);
    expect(rtpSequence(b, 0)).toBe(0xffff);
  });

  it('header lengths without CSRC/extension and with the maximum CSRC count', () => {
    const b = new Uint8Array(80);
    b[0] = 0x80;
    expect(rtpHeaderLength(b, 0, 12)).toBe(12);
    expect(rtpPayloadLength(b, 0, 12)).toBe(0);
    expect(rtpPayloadLength(b, 0, 80)).toBe(68);
    b[0] = 0x8f; // CC = 15
    expect(rtpHeaderLength(b, 0, 71)).toBe(-1);
    expect(rtpHeaderLength(b, 0, 72)).toBe(72);
    b[0] = 0x90; // X, empty extension (0 words) → 16
    expect(rtpHeaderLength(b, 0, 15)).toBe(-1);
    expect(rtpHeaderLength(b, 0, 16)).toBe(16);
  });

  it('truncated headers give -1 at every length short of the full header', () => {
    const b = Uint8Array.from(FULL);
    for (let len = 0; len < 32; len++) {
      expect(rtpHeaderLength(b, 0, len), `len ${len}`).toBe(-1);
      expect(rtpPayloadLength(b, 0, len), `len ${len}`).toBe(-1);
    }
    expect(rtpHeaderLength(b, 0, 32)).toBe(32);
    // Extension length field larger than the packet.
    const big = Uint8Array.from(FULL);
    big[22] = 0x00; big[23] = 0x03; // 3 words → header 36, padding byte now at 39 still 3
    expect(rtpHeaderLength(big, 0, 40)).toBe(36);
    big[23] = 0x05; // 5 words → header 44 > 40
    expect(rtpHeaderLength(big, 0, 40)).toBe(-1);
    expect(rtpPayloadLength(big, 0, 40)).toBe(-1);
  });

  it('rejects versions other than 2', () => {
    const b = Uint8Array.from(FULL);
    for (const v of [0, 1, 3]) {
      b[0] = (v << 6) | (FULL[0]! & 0x3f);
      expect(rtpVersion(b, 0)).toBe(v);
      expect(rtpHeaderLength(b, 0, 40)).toBe(-1);
      expect(rtpPayloadLength(b, 0, 40)).toBe(-1);
    }
  });

  it('padding: 0 without P, the last byte with P, -1 when it is 0 or reaches into the header', () => {
    const b = Uint8Array.from(FULL);
    b[0] = FULL[0]! & ~0x20; // clear P: last byte (3) is payload now
    expect(rtpPaddingLength(b, 0, 40, 32)).toBe(0);
    expect(rtpPayloadLength(b, 0, 40)).toBe(8);
    b[0] = FULL[0]!;
    b[39] = 0;
    expect(rtpPaddingLength(b, 0, 40, 32)).toBe(-1);
    expect(rtpPayloadLength(b, 0, 40)).toBe(-1);
    b[39] = 8; // exactly everything after the header
    expect(rtpPaddingLength(b, 0, 40, 32)).toBe(8);
    expect(rtpPayloadLength(b, 0, 40)).toBe(0);
    b[39] = 9; // one byte too many
    expect(rtpPaddingLength(b, 0, 40, 32)).toBe(-1);
    expect(rtpPayloadLength(b, 0, 40)).toBe(-1);
    // P set but nothing after the header: -1, and no read before the packet.
    const h = new Uint8Array(12);
    h[0] = 0xa0;
    expect(rtpPaddingLength(h, 0, 12, 12)).toBe(-1);
    expect(rtpPayloadLength(h, 0, 12)).toBe(-1);
  });

  it('works at an offset inside a larger buffer and on a subarray view', () => {
    const big = Buffer.alloc(100, 0x55);
    big.set(FULL, 17);
    expect(rtpHeaderLength(big, 17, 40)).toBe(32);
    expect(rtpPayloadLength(big, 17, 40)).toBe(5);
    expect(rtpSequence(big, 17)).toBe(0xabcd);
    expect(rtpSsrc(big, 17)).toBe(0xcafebabe);
    expect(rtpCsrc(big, 17, 1)).toBe(0xff000001);
    expect(rtpExtensionProfile(big, 17)).toBe(0xbede);
    const view = new Uint8Array(big.buffer, big.byteOffset + 10, 60);
    expect(rtpHeaderLength(view, 7, 40)).toBe(32);
    expect(rtpPaddingLength(view, 7, 40, 32)).toBe(3);
    expect(rtpTimestamp(view, 7)).toBe(0xdeadbeef);
  });
});

describe('RTP header writers', () => {
  it('writeRtpHeader writes exactly 12 bytes of a V=2 header at the offset', () => {
    const b = Buffer.alloc(30, 0xee);
    expect(writeRtpHeader(b, 5, 96, true, 0x1234, 0x89abcdef, 0xfedcba98)).toBe(12);
    expect([...b.subarray(5, 17)]).toEqual([
      0x80, 0xe0, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
    ]);
    expect(b[4]).toBe(0xee); // nothing before
    expect(b[17]).toBe(0xee); // nothing after
    expect(rtpHeaderLength(b, 5, 12)).toBe(12);
    expect(rtpPadding(b, 5)).toBe(false);
    expect(rtpExtension(b, 5)).toBe(false);
    expect(rtpCsrcCount(b, 5)).toBe(0);
    expect(rtpMarker(b, 5)).toBe(true);
    expect(rtpPayloadType(b, 5)).toBe(96);
    expect(rtpSequence(b, 5)).toBe(0x1234);
    expect(rtpTimestamp(b, 5)).toBe(0x89abcdef);
    expect(rtpSsrc(b, 5)).toBe(0xfedcba98);

    writeRtpHeader(b, 5, 0, false, 0, 0, 0);
    expect([...b.subarray(5, 17)]).toEqual([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('setters round-trip on a plain Uint8Array and leave neighbouring fields alone', () => {
    const b = Uint8Array.from(FULL);
    setRtpSequence(b, 0, 0xfffe);
    setRtpTimestamp(b, 0, 0x80000001);
    setRtpSsrc(b, 0, 0xffffffff);
    expect(rtpSequence(b, 0)).toBe(0xfffe);
    expect(rtpTimestamp(b, 0)).toBe(0x80000001);
    expect(rtpSsrc(b, 0)).toBe(0xffffffff);
    expect(rtpCsrc(b, 0, 0)).toBe(0x11111111); // untouched
    expect(b[0]).toBe(0xb2);
    expect(b[1]).toBe(0xef);

    // Values outside the field width wrap the way the wire does.
    setRtpSequence(b, 0, 0x10005);
    expect(rtpSequence(b, 0)).toBe(5);
    setRtpTimestamp(b, 0, 2 ** 32 + 7);
    expect(rtpTimestamp(b, 0)).toBe(7);
    setRtpTimestamp(b, 0, -1);
    expect(rtpTimestamp(b, 0)).toBe(0xffffffff);
  });

  it('payload type and marker are set independently', () => {
    const b = Uint8Array.from(FULL); // M=1 PT=111
    setRtpPayloadType(b, 0, 8);
    expect(b[1]).toBe(0x88);
    expect(rtpMarker(b, 0)).toBe(true);
    expect(rtpPayloadType(b, 0)).toBe(8);
    setRtpMarker(b, 0, false);
    expect(b[1]).toBe(0x08);
    setRtpPayloadType(b, 0, 0x7f);
    expect(b[1]).toBe(0x7f);
    expect(rtpMarker(b, 0)).toBe(false);
    setRtpMarker(b, 0, true);
    expect(b[1]).toBe(0xff);
    setRtpPayloadType(b, 0, 0x80 | 13); // the extra bit is ignored, marker kept
    expect(b[1]).toBe(0x8d);
    expect(b[0]).toBe(0xb2); // byte 0 never touched
  });
});

describe('RTCP common header', () => {
  it('packet type, length in bytes and sender SSRC', () => {
    const b = Buffer.alloc(40, 0x77);
    // Reduced-size PSFB PLI (RFC 4585 §6.3.1): 0x81, PT 206, length 2 → 12 bytes.
    b.set([0x81, 206, 0x00, 0x02, 0x90, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02], 9);
    expect(rtcpPacketType(b, 9)).toBe(206);
    expect(rtcpLengthBytes(b, 9)).toBe(12);
    expect(rtcpSenderSsrc(b, 9)).toBe(0x90000001);

    const sr = new Uint8Array([0x80, 200, 0x00, 0x06, 0xff, 0xff, 0xff, 0xfe]);
    expect(rtcpPacketType(sr, 0)).toBe(200);
    expect(rtcpLengthBytes(sr, 0)).toBe(28);
    expect(rtcpSenderSsrc(sr, 0)).toBe(0xfffffffe);

    sr[2] = 0xff; sr[3] = 0xff;
    expect(rtcpLengthBytes(sr, 0)).toBe(0x10000 * 4);
    sr[2] = 0; sr[3] = 0;
    expect(rtcpLengthBytes(sr, 0)).toBe(4);
  });
});
