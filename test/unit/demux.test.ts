// First-byte demultiplexing of a media socket datagram (RFC 7983 §7), RTP vs RTCP by byte 1
// (RFC 5761 §4), STUN magic cookie (RFC 5389 §6), minimum lengths per class.

import { describe, expect, it } from 'vitest';
import {
  PKT_DTLS, PKT_RTCP, PKT_RTP, PKT_STUN, PKT_TURN_CHANNEL, PKT_UNKNOWN, PKT_ZRTP,
  classifyPacket, packetClassName,
} from '../../protocol/demux.js';

const COOKIE = [0x21, 0x12, 0xa4, 0x42];

/** A `len`-byte datagram with the given first two bytes and the STUN magic cookie at 4..7. */
function pkt(b0: number, b1: number, len = 64, cookie = true): Uint8Array {
  const b = new Uint8Array(len);
  if (len > 0) b[0] = b0;
  if (len > 1) b[1] = b1;
  if (cookie && len >= 8) b.set(COOKIE, 4);
  return b;
}

function classify(b: Uint8Array): number {
  return classifyPacket(b, 0, b.length);
}

describe('classifyPacket', () => {
  it('constants have the agreed values', () => {
    expect([PKT_UNKNOWN, PKT_STUN, PKT_ZRTP, PKT_DTLS, PKT_TURN_CHANNEL, PKT_RTP, PKT_RTCP]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('every first-byte range boundary (RFC 7983 §7)', () => {
    const cases: [number, number][] = [
      [0, PKT_STUN], [3, PKT_STUN],
      [4, PKT_UNKNOWN], [15, PKT_UNKNOWN],
      [16, PKT_ZRTP], [19, PKT_ZRTP],
      [20, PKT_DTLS], [63, PKT_DTLS],
      [64, PKT_TURN_CHANNEL], [79, PKT_TURN_CHANNEL],
      [80, PKT_UNKNOWN], [127, PKT_UNKNOWN],
      [128, PKT_RTP], [191, PKT_RTP],
      [192, PKT_UNKNOWN], [255, PKT_UNKNOWN],
    ];
    for (const [b0, want] of cases) {
      // byte 1 = 0: PT 0 for RTP; the cookie is present for the STUN cases.
      expect(classify(pkt(b0, 0)), `first byte ${b0}`).toBe(want);
    }
  });

  it('all 256 first bytes fall into the expected counts per class', () => {
    const counts = [0, 0, 0, 0, 0, 0, 0];
    for (let b0 = 0; b0 < 256; b0++) counts[classify(pkt(b0, 0))]!++;
    // unknown: 4..15 (12) + 80..127 (48) + 192..255 (64)
    expect(counts).toEqual([124, 4, 4, 44, 16, 64, 0]);
  });

  it('STUN needs 20 bytes and the magic cookie (RFC 5389 §6)', () => {
    expect(classify(pkt(0x00, 0x01, 20))).toBe(PKT_STUN); // binding request header only
    expect(classify(pkt(0x01, 0x01, 20))).toBe(PKT_STUN); // binding success
    expect(classify(pkt(0x00, 0x01, 19))).toBe(PKT_UNKNOWN);
    expect(classify(pkt(0x00, 0x01, 20, false))).toBe(PKT_UNKNOWN); // RFC 3489 style, no cookie
    for (let i = 4; i < 8; i++) {
      const b = pkt(0x00, 0x01, 20);
      b[i]! ^= 0x01; // one bit off in each cookie byte
      expect(classify(b), `cookie byte ${i}`).toBe(PKT_UNKNOWN);
    }
  });

  it('DTLS needs a full 13-byte record header', () => {
    expect(classify(pkt(22, 0xfe, 13))).toBe(PKT_DTLS); // handshake, DTLS 1.x
    expect(classify(pkt(22, 0xfe, 12))).toBe(PKT_UNKNOWN);
    expect(classify(pkt(23, 0xfe, 100))).toBe(PKT_DTLS); // application data
  });

  it('RTCP packet types 200..207 and the 192..223 window (RFC 5761 §4)', () => {
    for (let pt = 200; pt <= 207; pt++) {
      expect(classify(pkt(0x80, pt, 28)), `PT ${pt}`).toBe(PKT_RTCP);
      expect(classify(pkt(0x81, pt, 8)), `PT ${pt} minimal`).toBe(PKT_RTCP);
    }
    expect(classify(pkt(0x80, 191))).toBe(PKT_RTP); // marker + PT 63
    expect(classify(pkt(0x80, 192))).toBe(PKT_RTCP);
    expect(classify(pkt(0x80, 223))).toBe(PKT_RTCP);
    expect(classify(pkt(0x80, 224))).toBe(PKT_RTP); // marker + PT 96
    expect(classify(pkt(0x80, 0xff))).toBe(PKT_RTP); // marker + PT 127
    expect(classify(pkt(0x80, 96))).toBe(PKT_RTP); // PT 96, no marker
    expect(classify(pkt(0x80, 72))).toBe(PKT_RTP); // PT 72 without marker is not in the RTCP window
    expect(classify(pkt(0x80, 0))).toBe(PKT_RTP); // PCMU
  });

  it('reduced-size RTCP (RFC 5506) is RTCP: lone PSFB PLI and RTPFB NACK', () => {
    // PSFB (206) FMT 1 = PLI, length 2: header, sender SSRC, media SSRC
    const pli = Uint8Array.from([0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(classify(pli)).toBe(PKT_RTCP);
    // RTPFB (205) FMT 1 = generic NACK with one FCI
    const nack = Uint8Array.from([0x81, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x10, 0x00, 0x00]);
    expect(classify(nack)).toBe(PKT_RTCP);
  });

  it('minimum lengths: RTCP 8, RTP 12, and nothing for an empty datagram', () => {
    expect(classify(pkt(0x80, 200, 7))).toBe(PKT_UNKNOWN);
    expect(classify(pkt(0x80, 200, 8))).toBe(PKT_RTCP);
    expect(classify(pkt(0x80, 0, 11))).toBe(PKT_UNKNOWN);
    expect(classify(pkt(0x80, 0, 12))).toBe(PKT_RTP);
    expect(classify(pkt(0x80, 0, 1))).toBe(PKT_UNKNOWN);
    expect(classify(new Uint8Array(0))).toBe(PKT_UNKNOWN);
    const b = pkt(0x80, 0, 64);
    expect(classifyPacket(b, 0, 0)).toBe(PKT_UNKNOWN); // len governs, not the buffer size
    expect(classifyPacket(b, 0, -1)).toBe(PKT_UNKNOWN);
  });

  it('classifies at an offset inside a larger Buffer, ignoring the bytes around it', () => {
    const big = Buffer.alloc(200, 0x00);
    // Put a valid STUN header at 0 so a reader that ignored `off` would say STUN.
    big.set([0x00, 0x01, 0x00, 0x00, ...COOKIE], 0);
    const off = 37;
    big.set([0x80, 0x60, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 9], off);
    expect(classifyPacket(big, 0, 20)).toBe(PKT_STUN);
    expect(classifyPacket(big, off, 12)).toBe(PKT_RTP);
    expect(classifyPacket(big, off, 11)).toBe(PKT_UNKNOWN);
    big[off + 1] = 201;
    expect(classifyPacket(big, off, 8)).toBe(PKT_RTCP);
    big[off] = 0x01;
    big.set(COOKIE, off + 4);
    expect(classifyPacket(big, off, 20)).toBe(PKT_STUN);
    big[off] = 0x40; // TURN ChannelData, channel 0x4000
    expect(classifyPacket(big, off, 20)).toBe(PKT_TURN_CHANNEL);
    big[off] = 0x14; // DTLS ChangeCipherSpec
    expect(classifyPacket(big, off, 13)).toBe(PKT_DTLS);
    big[off] = 0x10;
    expect(classifyPacket(big, off, 20)).toBe(PKT_ZRTP);
    // a subarray view: offset 0 of the view is `off` of the buffer
    big[off] = 0x80; big[off + 1] = 0xe0;
    expect(classifyPacket(big.subarray(off, off + 12), 0, 12)).toBe(PKT_RTP);
  });
});

describe('packetClassName', () => {
  it('names each class, unknown for anything else', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(packetClassName)).toEqual([
      'unknown', 'stun', 'zrtp', 'dtls', 'turn-channel', 'rtp', 'rtcp',
    ]);
    expect(packetClassName(7)).toBe('unknown');
    expect(packetClassName(-1)).toBe('unknown');
  });
});
