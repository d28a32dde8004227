import { describe, expect, it } from 'vitest';
import {
  ntpMiddle, parseRtcp, parseRtcpInto, RtcpScratch,
  SEEN_APP, SEEN_BYE, SEEN_FB, SEEN_RR, SEEN_SDES, SEEN_SR, SEEN_XR,
} from '../../protocol/rtcp/parse.js';

/** Builds bytes from 8/16/32-bit big-endian words: [bits, value] pairs. */
function bytes(...parts: [8 | 16 | 32, number][]): Buffer {
  const len = parts.reduce((n, [b]) => n + b / 8, 0);
  const out = Buffer.alloc(len);
  let p = 0;
  for (const [b, v] of parts) {
    if (b === 8) out.writeUInt8(v, p);
    else if (b === 16) out.writeUInt16BE(v, p);
    else out.writeUInt32BE(v >>> 0, p);
    p += b / 8;
  }
  return out;
}
const w = (v: number): [32, number] => [32, v];

/** SR from 0x11111111 with 2 report blocks (RFC 3550 §6.4.1): 28 + 48 = 76 bytes, length field 18. */
const SR2 = bytes(
  [8, 0x82], [8, 200], [16, 18], w(0x11111111),
  w(0xe8000001), w(0x80000000), w(160000), w(1000), w(160000), // NTP sec/frac, RTP ts, packets, octets
  // block 1: about 0x22222222, fraction 64 (25 %), cumulative 0x000102 = 258
  w(0x22222222), w(0x40000102), w(0x0001_03e8), w(37), w(0xabcd1234), w(65536),
  // block 2: cumulative lost 0xffffff (−1 as a signed 24-bit number)
  w(0x33333333), w(0x00ffffff), w(5), w(0), w(0), w(0),
);

/** RR from 0x44444444 with one block. */
const RR1 = bytes([8, 0x81], [8, 201], [16, 7], w(0x44444444), w(0x11111111), w(0x05000002), w(1100), w(80), w(0x12345678), w(1310));

/** SDES: one chunk, CNAME "abc" (2+3 = 5 item bytes, + null, padded: 4+4+8 = 16 bytes, length 3). */
const SDES = bytes([8, 0x81], [8, 202], [16, 3], w(0x11111111), [8, 1], [8, 3], [8, 0x61], [8, 0x62], [8, 0x63], [8, 0], [8, 0], [8, 0]);

/** BYE for two SSRCs with reason "bye" (1+3 bytes). */
const BYE = bytes([8, 0x82], [8, 203], [16, 3], w(0x11111111), w(0x22222222), [8, 3], [8, 0x62], [8, 0x79], [8, 0x65]);

/** APP: name "TEST", 4 bytes of data. */
const APP = bytes([8, 0x80], [8, 204], [16, 3], w(0x11111111), w(0x54455354), w(0xdeadbeef));

/** XR from 0x55555555: RRTR, DLRR with one sub-block, VoIP metrics (RFC 3611 §4.4, §4.5, §4.7). */
const XR = bytes(
  [8, 0x80], [8, 207], [16, 1 + 3 + 4 + 9], w(0x55555555),
  // RRTR: BT 4, length 2
  [8, 4], [8, 0], [16, 2], w(0xe8000002), w(0x40000000),
  // DLRR: BT 5, length 3
  [8, 5], [8, 0], [16, 3], w(0x66666666), w(0x00020000), w(0x00008000),
  // VoIP metrics: BT 7, length 8
  [8, 7], [8, 0], [16, 8], w(0x77777777),
  [8, 12], [8, 3], [8, 40], [8, 2], // loss, discard, burst density, gap density
  [16, 120], [16, 5000], // burst duration, gap duration
  [16, 95], [16, 140], // round trip delay, end system delay
  [8, 0xe6], [8, 0xb0], [8, 127], [8, 16], // signal −26 dB, noise −80 dB, RERL, Gmin
  [8, 88], [8, 127], [8, 41], [8, 40], // R, ext R, MOS-LQ 4.1, MOS-CQ 4.0
  [8, 0x80], [8, 0], [16, 40], // RX config, reserved, JB nominal
  [16, 80], [16, 200], // JB max, JB abs max
);

describe('parseRtcpInto', () => {
  it('reads SR sender info and its report blocks', () => {
    const s = new RtcpScratch();
    expect(parseRtcpInto(SR2, SR2.length, s)).toBe(true);
    expect(s.packets).toBe(1);
    expect(s.typesSeen).toBe(SEEN_SR);
    expect(s.srCount).toBe(1);
    expect([s.srSsrc[0], s.srNtpSec[0], s.srNtpFrac[0], s.srRtpTs[0], s.srPacketCount[0], s.srOctetCount[0]])
      .toEqual([0x11111111, 0xe8000001, 0x80000000, 160000, 1000, 160000]);
    // middle 32 bits: low 16 of seconds (0x0001) and high 16 of the fraction (0x8000)
    expect(s.srNtpMiddle(0)).toBe(0x00018000);
    expect(s.blockCount).toBe(2);
    expect([s.blockReporter[0], s.blockSource[0], s.blockFraction[0], s.blockCumLost[0], s.blockHighestSeq[0], s.blockJitter[0], s.blockLsr[0], s.blockDlsr[0]])
      .toEqual([0x11111111, 0x22222222, 64, 258, 0x103e8, 37, 0xabcd1234, 65536]);
    expect(s.blockCumLost[1]).toBe(0xffffff);
    expect(s.cumulativeLostSigned(1)).toBe(-1);
    expect(s.cumulativeLostSigned(0)).toBe(258);
  });

  it('walks a compound SR + SDES + RR + BYE + APP + XR packet', () => {
    const all = Buffer.concat([SR2, SDES, RR1, BYE, APP, XR]);
    const s = new RtcpScratch();
    expect(parseRtcpInto(all, all.length, s)).toBe(true);
    expect(s.packets).toBe(6);
    expect(s.typesSeen).toBe(SEEN_SR | SEEN_SDES | SEEN_RR | SEEN_BYE | SEEN_APP | SEEN_XR);
    expect(s.blockCount).toBe(3);
    expect([s.blockReporter[2], s.blockSource[2], s.blockFraction[2], s.blockCumLost[2], s.blockLsr[2], s.blockDlsr[2]])
      .toEqual([0x44444444, 0x11111111, 5, 2, 0x12345678, 1310]);
    expect(s.cnameCount).toBe(1);
    expect(all.subarray(s.cnameOffset[0]!, s.cnameOffset[0]! + s.cnameLength[0]!).toString()).toBe('abc');
    expect([...s.byeSsrc.subarray(0, s.byeCount)]).toEqual([0x11111111, 0x22222222]);
    expect([s.rrtrCount, s.rrtrReporter[0], s.rrtrNtpSec[0], s.rrtrNtpFrac[0]]).toEqual([1, 0x55555555, 0xe8000002, 0x40000000]);
    expect([s.dlrrCount, s.dlrrSsrc[0], s.dlrrLrr[0], s.dlrrDlrr[0]]).toEqual([1, 0x66666666, 0x20000, 0x8000]);
    expect(s.vmCount).toBe(1);
    expect([s.vmReporter[0], s.vmSource[0], s.vmLossRate[0], s.vmRoundTripDelay[0], s.vmEndSystemDelay[0], s.vmSignalLevel[0], s.vmNoiseLevel[0], s.vmMosLq[0], s.vmMosCq[0], s.vmJbAbsMax[0]])
      .toEqual([0x55555555, 0x77777777, 12, 95, 140, -26, -80, 41, 40, 200]);
  });

  it('honours an offset and a length inside a larger buffer', () => {
    const big = Buffer.alloc(200, 0xee);
    RR1.copy(big, 13);
    const s = new RtcpScratch();
    expect(parseRtcpInto(big, RR1.length, s, 13)).toBe(true);
    expect(s.blockCount).toBe(1);
    // SDES chunk alignment is relative to the packet, not to the buffer
    SDES.copy(big, 13 + RR1.length);
    expect(parseRtcpInto(big, RR1.length + SDES.length, s, 13)).toBe(true);
    expect(s.cnameCount).toBe(1);
    expect(big.subarray(s.cnameOffset[0]!, s.cnameOffset[0]! + 3).toString()).toBe('abc');
  });

  it('accepts padding on the last packet and reduced-size (non SR/RR first) RTCP', () => {
    // RR with 0 blocks + 4 padding bytes: length 2 (12 bytes), P bit, last octet = 4
    const padded = bytes([8, 0xa0], [8, 201], [16, 2], w(0x01020304), [8, 0], [8, 0], [8, 0], [8, 4]);
    const s = new RtcpScratch();
    expect(parseRtcpInto(padded, padded.length, s)).toBe(true);
    expect(s.blockCount).toBe(0);
    // a lone PSFB (PLI) packet
    const pli = bytes([8, 0x81], [8, 206], [16, 2], w(1), w(2));
    expect(parseRtcpInto(pli, pli.length, s)).toBe(true);
    expect(s.typesSeen).toBe(SEEN_FB);
  });

  it('counts blocks beyond capacity as overflow but still parses', () => {
    const s = new RtcpScratch(1);
    expect(parseRtcpInto(SR2, SR2.length, s)).toBe(true);
    expect([s.blockCount, s.blockOverflow, s.blockSource[0]]).toEqual([1, 1, 0x22222222]);
  });

  it('rejects lying or inconsistent framing', () => {
    const s = new RtcpScratch();
    const bad = (b: Buffer, len = b.length): boolean => parseRtcpInto(b, len, s);
    expect(bad(Buffer.alloc(0))).toBe(false);
    expect(bad(RR1.subarray(0, 3))).toBe(false);
    // version 1
    expect(bad(Buffer.from([0x41, 201, 0, 1, 0, 0, 0, 1]))).toBe(false);
    // length field says 8 words, only 7 present
    const long = Buffer.from(RR1);
    long.writeUInt16BE(8, 2);
    expect(bad(long)).toBe(false);
    // RC = 2 but room for one block
    const rc = Buffer.from(RR1);
    rc[0] = 0x82;
    expect(bad(rc)).toBe(false);
    // trailing bytes that are not a packet
    expect(bad(Buffer.concat([RR1, Buffer.from([0x80, 201])]))).toBe(false);
    // len larger than the buffer
    expect(bad(RR1, RR1.length + 4)).toBe(false);
    // padding count 0 or larger than the packet
    const p0 = bytes([8, 0xa0], [8, 201], [16, 1], w(1), [8, 0], [8, 0], [8, 0], [8, 0]);
    expect(bad(p0)).toBe(false);
    const p9 = bytes([8, 0xa0], [8, 201], [16, 1], w(1), [8, 0], [8, 0], [8, 0], [8, 9]);
    expect(bad(p9)).toBe(false);
    // SDES item running past the packet
    const sd = Buffer.from(SDES);
    sd[9] = 40;
    expect(bad(sd)).toBe(false);
    // XR block longer than the packet; VoIP metrics with the wrong block length
    const xr = Buffer.from(XR);
    xr.writeUInt16BE(200, 10);
    expect(bad(xr)).toBe(false);
    const vm = Buffer.from(XR);
    vm.writeUInt16BE(7, 8 + 12 + 16 + 2);
    expect(bad(vm)).toBe(false);
    // negative / fractional arguments
    expect(parseRtcpInto(RR1, RR1.length, s, -1)).toBe(false);
    expect(parseRtcpInto(RR1, 31.5, s)).toBe(false);
  });

  it('never throws on random garbage or on mutated valid packets (fuzz)', () => {
    // Deterministic xorshift so failures are reproducible.
    let x = 0x9e3779b9;
    const rnd = (): number => {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      return x;
    };
    const s = new RtcpScratch(4, 1, 2);
    const base = Buffer.concat([SR2, SDES, RR1, BYE, APP, XR]);
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < 20000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.alloc(rnd() % 120);
        for (let k = 0; k < b.length; k++) b[k] = rnd() & 0xff;
        if (b.length > 0 && i % 4 === 0) b[0] = 0x80 | (b[0]! & 0x3f); // make the version right more often
      } else {
        b = Buffer.from(base.subarray(0, rnd() % (base.length + 1)));
        const flips = 1 + (rnd() % 4);
        for (let k = 0; k < flips && b.length > 0; k++) b[rnd() % b.length] = rnd() & 0xff;
      }
      const len = i % 7 === 0 ? b.length + (rnd() % 9) - 4 : b.length;
      // A throw fails the test by itself; plain checks keep 20000 rounds fast.
      if (parseRtcpInto(b, len, s, i % 11 === 0 ? rnd() % 5 : 0)) {
        ok++;
        // whatever parsed must stay within capacities and the buffer
        if (s.blockCount > 4) bad++;
        for (let k = 0; k < s.cnameCount; k++) if (s.cnameOffset[k]! + s.cnameLength[k]! > b.length) bad++;
      }
      if (i % 10 === 0) parseRtcp(b);
    }
    expect(bad).toBe(0);
    expect(ok).toBeGreaterThan(0);
  });
});

describe('parseRtcp (allocating)', () => {
  it('returns plain objects for a compound packet', () => {
    const r = parseRtcp(Buffer.concat([SR2, SDES, XR]))!;
    expect(r.senderReports).toEqual([{ ssrc: 0x11111111, ntpSec: 0xe8000001, ntpFrac: 0x80000000, ntpMiddle: 0x18000, rtpTimestamp: 160000, packetCount: 1000, octetCount: 160000 }]);
    expect(r.reportBlocks[0]).toEqual({ reporterSsrc: 0x11111111, sourceSsrc: 0x22222222, fractionLost: 64, cumulativeLost: 258, highestSeq: 0x103e8, jitter: 37, lsr: 0xabcd1234, dlsr: 65536 });
    expect(r.cnames).toEqual([{ ssrc: 0x11111111, cname: 'abc' }]);
    expect(r.voipMetrics[0]!.roundTripDelay).toBe(95);
    expect(r.dlrr).toEqual([{ reporterSsrc: 0x55555555, ssrc: 0x66666666, lrr: 0x20000, dlrr: 0x8000 }]);
    expect(parseRtcp(Buffer.from([1, 2, 3, 4]))).toBeNull();
  });

  it('ntpMiddle takes the low 16 bits of the seconds and the high 16 of the fraction', () => {
    expect(ntpMiddle(0xdeadbeef, 0x12345678)).toBe(0xbeef1234);
    expect(ntpMiddle(0xffffffff, 0xffffffff)).toBe(0xffffffff);
  });
});
