// RTCP generation (RFC 3550 §6.4.1/§6.4.2/§6.5.1) from receiver statistics, checked by parsing the
// output back with our parser.

import { describe, expect, it } from 'vitest';
import {
  buildReceiverReport, buildSdesCname, buildSenderReport, ntpFromUnixMs, writeReportBlock,
} from '../../protocol/rtcp/build.js';
import { parseRtcp } from '../../protocol/rtcp/parse.js';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';

function stream(st: ReceiverStats, slot: number, ssrc: number, from: number, to: number, skip: (s: number) => boolean): void {
  for (let s = from; s <= to; s++) if (!skip(s)) st.update(slot, ssrc, s & 0xffff, s * 160, s * 160);
}

describe('RTCP builders', () => {
  it('RR with one block per valid source, A.3 fraction per interval', () => {
    const st = new ReceiverStats(3);
    stream(st, 0, 0xaaaa0001, 0, 99, (s) => s === 10 || s === 20 || s === 30); // 3 of 99 lost
    stream(st, 1, 0xaaaa0002, 65500, 65600, () => false); // wraps, no loss
    st.update(2, 0xaaaa0003, 5, 0, 0); // still in probation → no block
    st.onSenderReport(0, 0x11223344, 1000);
    const buf = Buffer.alloc(200);
    const n = buildReceiverReport(buf, 4, 0x5eeded, st, [0, 1, 2], 3, 1250);
    expect(n).toBe(8 + 2 * 24);
    const r = parseRtcp(buf.subarray(4, 4 + n))!;
    expect(r.reportBlocks).toEqual([
      // fraction ⌊3·256/99⌋ = 7; cumulative 3; highest 99; LSR from the SR; DLSR 250 ms = 16384
      { reporterSsrc: 0x5eeded, sourceSsrc: 0xaaaa0001, fractionLost: 7, cumulativeLost: 3, highestSeq: 99, jitter: 0, lsr: 0x11223344, dlsr: 16384 },
      // base 65501, extended highest 65536 + 64 = 65600 (one cycle)
      { reporterSsrc: 0x5eeded, sourceSsrc: 0xaaaa0002, fractionLost: 0, cumulativeLost: 0, highestSeq: 65600, jitter: 0, lsr: 0, dlsr: 0 },
    ]);
    // second report right away: new interval with nothing expected → fraction 0, cumulative stays
    const n2 = buildReceiverReport(buf, 0, 0x5eeded, st, [0], 1, 1300);
    expect(parseRtcp(buf.subarray(0, n2))!.reportBlocks[0]).toMatchObject({ fractionLost: 0, cumulativeLost: 3 });
  });

  it('negative cumulative loss is written as a signed 24-bit field', () => {
    const st = new ReceiverStats(1);
    for (const s of [0, 1, 2, 2, 3, 1]) st.update(0, 9, s, s * 160, s * 160); // lost −2
    const buf = Buffer.alloc(32);
    writeReportBlock(buf, 0, st, 0, 0);
    expect(buf.readUInt32BE(4) & 0xffffff).toBe(0xfffffe);
  });

  it('SR + SDES compound', () => {
    const st = new ReceiverStats(1);
    stream(st, 0, 0xbbbb, 0, 50, () => false);
    const ntp = new Uint32Array(2);
    ntpFromUnixMs(1_700_000_000_500, ntp);
    // 1700000000 + 2208988800 = 3908988800; .5 s = 0x80000000
    expect([...ntp]).toEqual([3908988800, 0x80000000]);
    const buf = Buffer.alloc(200);
    let n = buildSenderReport(buf, 0, 0xcccc, ntp[0]!, ntp[1]!, 8000, 50, 8000, st, [0], 1, 0);
    expect(n).toBe(28 + 24);
    const cname = Buffer.from('rtpengine-ts');
    const m = buildSdesCname(buf, n, 0xcccc, cname);
    // 4 + 4 + 2 + 12 + 1 = 23 → 24
    expect(m).toBe(24);
    n += m;
    const r = parseRtcp(buf.subarray(0, n))!;
    expect(r.senderReports).toEqual([{ ssrc: 0xcccc, ntpSec: 3908988800, ntpFrac: 0x80000000, ntpMiddle: ((3908988800 & 0xffff) << 16 | 0x8000) >>> 0, rtpTimestamp: 8000, packetCount: 50, octetCount: 8000 }]);
    expect(r.reportBlocks.map((b) => [b.sourceSsrc, b.highestSeq, b.cumulativeLost])).toEqual([[0xbbbb, 50, 0]]);
    expect(r.cnames).toEqual([{ ssrc: 0xcccc, cname: 'rtpengine-ts' }]);
  });

  it('SR byte layout (RFC 3550 §6.4.1) as generate-RTCP sends it: 76 bytes with a 12-character CNAME, like rtpengine 10.5', () => {
    const st = new ReceiverStats(2);
    stream(st, 0, 0x11223344, 100, 150, () => false);
    st.update(1, 0x99, 7, 0, 0); // in probation: no block
    const buf = Buffer.alloc(100, 0xee);
    // counts past 2^32 are written modulo 2^32, as the 32-bit fields wrap
    const n = buildSenderReport(buf, 0, 0x55667788, 0xe0000001, 0x80000000, 0xfffffff0, 2 ** 32 + 5, 2 ** 32 + 172, st, [0], 1, 0);
    expect(n).toBe(52);
    expect(buf.subarray(0, 28).toString('hex')).toBe([
      '81', 'c8', '000c', // V=2 P=0 RC=1, PT 200, 13 words − 1
      '55667788', // SSRC of sender
      'e0000001', '80000000', // NTP timestamp
      'fffffff0', '00000005', '000000ac', // RTP timestamp, packet count, octet count
    ].join(''));
    expect(buf.readUInt32BE(28)).toBe(0x11223344); // the one report block's source
    expect(buf.readUInt32BE(36)).toBe(150); // extended highest sequence number
    const m = buildSdesCname(buf, n, 0x55667788, Buffer.from('0123456789ab'));
    expect(n + m).toBe(76);
    expect(buf.subarray(52, 76).toString('hex')).toBe(`81ca000555667788010c${Buffer.from('0123456789ab').toString('hex')}0000`);
    // A source still in probation gives an SR without blocks: 28 bytes, RC 0.
    const z = buildSenderReport(buf, 0, 1, 0, 0, 0, 0, 0, st, [1], 1, 0);
    expect(z).toBe(28);
    expect(buf.readUInt16BE(0)).toBe(0x80c8);
    expect(buf.readUInt16BE(2)).toBe(6);
    expect(buildSenderReport(Buffer.alloc(51), 0, 1, 0, 0, 0, 0, 0, st, [0], 1, 0)).toBe(-1);
  });

  it('caps at 31 blocks and refuses a buffer that is too small', () => {
    const st = new ReceiverStats(40);
    const slots: number[] = [];
    for (let i = 0; i < 40; i++) {
      stream(st, i, 1000 + i, 0, 3, () => false);
      slots.push(i);
    }
    const buf = Buffer.alloc(2000);
    const n = buildReceiverReport(buf, 0, 1, st, slots, slots.length, 0);
    expect(n).toBe(8 + 31 * 24);
    expect(parseRtcp(buf.subarray(0, n))!.reportBlocks.length).toBe(31);
    expect(buildReceiverReport(Buffer.alloc(40), 0, 1, st, slots, 2, 0)).toBe(-1);
    expect(buildSdesCname(Buffer.alloc(8), 0, 1, Buffer.from('x'))).toBe(-1);
  });
});
