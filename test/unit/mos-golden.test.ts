// Reproduces the per-SSRC quality blocks ("SSRC" dict) that real rtpengine 10.5 returned in the
// golden transcripts 04-query, 08-delete and 25-kamailio-module-capture, by replaying the RTCP
// SR/RR sequence the capture scripts sent through parseRtcpInto + SsrcQuality, on simulated time.
//
// Inputs (golden/capture-scripts/s03.py, `rtcp_round`, five rounds for 04/08):
//   - A = 0x11223344 = 287454020 (caller, sends PCMU/8000), B = 0x55667788 = 1432778632 (callee,
//     PCMA/8000). RTP flowed both ways first, so both clock rates are known (8000).
//   - each round: SR from A and SR from B (28 bytes, no blocks, NTP = sender's wall clock); 60 ms
//     later RR from B about A (LSR = A's SR middle bits, DLSR = int(0.02·65536) = 1310); 10 ms later
//     RR from A about B (LSR = B's SR, DLSR = 1310); then ~1.1 s + drains until the next round.
//   - per-round (loss_a, loss_b, jitter field): (0,0,40) (0.05,0.02,80) (0,0,40) (0.10,0.01,160)
//     (0.01,0,40); RR_B carries fraction int(loss_b·256), cumulative int(loss_b·100); RR_A the same
//     with loss_a. So fractions: A 0,12,0,25,2 and B 0,5,0,2,0; cumulative A 0,5,0,10,1, B 0,2,0,1,0.
// Timing: only the exact receive-time differences matter. The leg RTT is
//   RR receive − SR receive − ⌊1310·10^6/65536⌋ (= 19989 µs),
// so we place each RR at SR + 19989 µs + the leg RTT that the golden file shows (loopback scheduling
// noise cannot be recomputed; it is the one input taken from the output). Rounds start 1.5 s apart
// at …918.6 s, which gives the golden "reported at" seconds 918, 920, 921, 923, 924.
//
// Everything else — which block gets which end-to-end RTT, the MOS-0 first block of B, jitter/loss
// conversion, MOS, lowest/highest tie rules, averages, samples, progression — is computed.

import { describe, expect, it } from 'vitest';
import { bdecode, type BValue } from '../../protocol/ng/bencode.js';
import { parseRtcpInto, RtcpScratch } from '../../protocol/rtcp/parse.js';
import { MosTotals, SsrcQuality, type QualityValue } from '../../protocol/rtcp/mos.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NTP_OFFSET = 2208988800;

function sr(ssrc: number, unixUs: number): { pkt: Buffer; middle: number } {
  const sec = Math.floor(unixUs / 1e6);
  const frac = Math.floor(((unixUs - sec * 1e6) / 1e6) * 2 ** 32);
  const b = Buffer.alloc(28);
  b.writeUInt8(0x80, 0);
  b.writeUInt8(200, 1);
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(sec + NTP_OFFSET, 8);
  b.writeUInt32BE(frac, 12);
  // rtp ts, packet count, octet count: irrelevant here
  const middle = ((((sec + NTP_OFFSET) & 0xffff) << 16) | (frac >>> 16)) >>> 0;
  return { pkt: b, middle };
}

function rr(ssrc: number, about: number, fraction: number, cum: number, jitter: number, lsr: number, dlsr: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt8(0x81, 0);
  b.writeUInt8(201, 1);
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(ssrc, 4);
  b.writeUInt32BE(about, 8);
  b.writeUInt32BE(((fraction & 0xff) << 24 | (cum & 0xffffff)) >>> 0, 12);
  b.writeUInt32BE(1000, 16);
  b.writeUInt32BE(jitter, 20);
  b.writeUInt32BE(lsr, 24);
  b.writeUInt32BE(dlsr, 28);
  return b;
}

interface Round {
  /** µs since epoch when A's SR arrives */
  t: number;
  fracA: number; cumA: number; fracB: number; cumB: number; jitter: number;
  legA: number; legB: number;
}

const DLSR = Math.trunc(0.02 * 65536); // 1310
const DLSR_US = Math.trunc((DLSR * 1e6) / 65536); // 19989

/** Runs the capture script's sequence; `first` is who sends its RR first ('B' in both captures). */
function replay(ssrcA: number, ssrcB: number, rounds: Round[], totals?: MosTotals): SsrcQuality {
  const q = new SsrcQuality({ totals });
  const scratch = new RtcpScratch();
  const clock = (): number => 8000;
  const feed = (pkt: Buffer, at: number): void => {
    expect(parseRtcpInto(pkt, pkt.length, scratch)).toBe(true);
    q.ingest(scratch, at, clock);
  };
  for (const r of rounds) {
    const srA = sr(ssrcA, r.t - 120); // sender clock: sent 120 µs before it arrives
    const srB = sr(ssrcB, r.t + 30);
    feed(srA.pkt, r.t);
    feed(srB.pkt, r.t + 150);
    feed(rr(ssrcB, ssrcA, r.fracB, r.cumB, r.jitter, srA.middle, DLSR), r.t + DLSR_US + r.legB);
    feed(rr(ssrcA, ssrcB, r.fracA, r.cumA, r.jitter, srB.middle, DLSR), r.t + 150 + DLSR_US + r.legA);
  }
  return q;
}

/** Ordered plain form of Maps (ours and decoded bencode alike) so key order is compared too. */
type Ordered = number | string | Ordered[] | { dict: [string, Ordered][] };
function ordered(v: QualityValue | BValue): Ordered {
  if (typeof v === 'number') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return (v as (QualityValue | BValue)[]).map(ordered);
  return { dict: [...(v as Map<string, QualityValue | BValue>)].map(([k, x]) => [k, ordered(x)] as [string, Ordered]) };
}

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

/** Undoes the transcripts' escaping of raw wire bytes (\r, \n, doubled backslash). */
function unescapeRaw(line: string): Buffer {
  return Buffer.from(line.replace(/\\(\\|r|n)/g, (_x, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : '\\')), 'latin1');
}

/** The decoded `SSRC` dict of a raw `<cookie> <bencode>` reply, or undefined. */
function ssrcOf(raw: Buffer): Ordered | undefined {
  const v = bdecode(raw.subarray(raw.indexOf(0x20) + 1));
  if (!(v instanceof Map) || !(v.get('SSRC') instanceof Map) || (v.get('SSRC') as Map<string, BValue>).size === 0) return undefined;
  return ordered(v.get('SSRC')!);
}

/** SSRC dict of the reply of exchange `n` in a standard transcript (04, 08). */
function goldenSsrc(file: string, n: number): Ordered {
  const text = readFileSync(GOLDEN_DIR + file, 'latin1');
  const blk = text.split(/\nEXCHANGE (?=\d+: )/).find((b) => b.startsWith(`${n}: `))!;
  const m = /--- response \(raw wire bytes, \\r \\n escaped\) ---\n(.*)\n/.exec(blk)!;
  return ssrcOf(unescapeRaw(m[1]!))!;
}

const A04 = 0x11223344; // 287454020
const B04 = 0x55667788; // 1432778632
const BASE04 = 1795360000e6;
const ROUNDS04: Round[] = [
  // t: round start; legs from the golden "round-trip time leg" values
  { t: BASE04 + 918.6e6, fracA: 0, cumA: 0, fracB: 0, cumB: 0, jitter: 40, legA: 50399, legB: 40278 },
  { t: BASE04 + 920.1e6, fracA: 12, cumA: 5, fracB: 5, cumB: 2, jitter: 80, legA: 50394, legB: 40245 },
  { t: BASE04 + 921.6e6, fracA: 0, cumA: 0, fracB: 0, cumB: 0, jitter: 40, legA: 50270, legB: 40187 },
  { t: BASE04 + 923.1e6, fracA: 25, cumA: 10, fracB: 2, cumB: 1, jitter: 160, legA: 50304, legB: 40206 },
  { t: BASE04 + 924.6e6, fracA: 2, cumA: 1, fracB: 0, cumB: 0, jitter: 40, legA: 50322, legB: 40198 },
];

describe('golden 04-query / 08-delete SSRC blocks', () => {
  const q = replay(A04, B04, ROUNDS04);

  it('B (1432778632): first block has no MOS because A had not reported yet', () => {
    const b = q.replyBlock(B04)!;
    const prog = b.get('MOS progression') as Map<string, QualityValue>;
    const first = (prog.get('entries') as Map<string, QualityValue>[])[0]!;
    // end-to-end RTT unknown → 0 → no MOS under CQ; the leg RTT is still shown
    expect(first.get('MOS')).toBe(0);
    expect(first.get('round-trip time')).toBe(0);
    expect(first.get('round-trip time leg')).toBe(40278);
  });

  it('hand-computed values of A (287454020)', () => {
    const a = q.replyBlock(A04)!;
    // cumulative loss: A's last RR said int(0.01·100) = 1
    expect(a.get('cumulative loss')).toBe(1);
    const avg = a.get('average MOS') as Map<string, QualityValue>;
    // A's end-to-end RTTs: legA_k + legB_k (B reports first in every round):
    //   50399+40278=90677, 50394+40245=90639, 50270+40187=90457, 50304+40206=90510, 50322+40198=90520
    // MOS: round 4 (jitter 160/8 = 20 ms, loss 25·100/256 = 9 %, RTT 90 ms): eff 140,
    //   R = 93.2 − 3.5 − 22.5 = 67.2, MOS = 1 + 2.352 + 0.000007·67.2·7.2·32.8 = 3.463 → 34;
    //   round 2 (10 ms, 12·100/256 = 4 %): eff 120, R = 90.2 − 10 = 80.2 → 4.07 → 40; others 43.
    // average: MOS (43+40+43+34+43)/5 = 40, RTT 452803/5 = 90560, leg 251689/5 = 50337,
    //   jitter (5+10+5+20+5)/5 = 9, loss (0+4+0+9+0)/5 = 2
    expect([...avg]).toEqual([['MOS', 40], ['round-trip time', 90560], ['round-trip time leg', 50337], ['jitter', 9], ['packet loss', 2], ['samples', 5]]);
    expect((a.get('lowest MOS') as Map<string, QualityValue>).get('MOS')).toBe(34);
    // highest: 43 first reached in round 1 (ties keep the first)
    expect((a.get('highest MOS') as Map<string, QualityValue>).get('reported at')).toBe(1795360918);
  });

  it('hand-computed values of B (1432778632)', () => {
    const b = q.replyBlock(B04)!;
    expect(b.get('cumulative loss')).toBe(0);
    // B's end-to-end RTTs from round 2: legB_k + legA_(k−1): 90644, 90581, 90476, 90502
    // MOS 42 (10 ms, 5·100/256 = 1 %: eff 120, R = 87.7 → 4.28), then 43, 43, 43
    // average over the 4 MOS blocks: MOS 171/4 = 42, RTT 362203/4 = 90550, leg 160836/4 = 40209,
    //   jitter 40/4 = 10, loss 1/4 = 0
    const avg = b.get('average MOS') as Map<string, QualityValue>;
    expect([...avg]).toEqual([['MOS', 42], ['round-trip time', 90550], ['round-trip time leg', 40209], ['jitter', 10], ['packet loss', 0], ['samples', 4]]);
    // lowest ignores the MOS-0 block; highest 43 first in round 3
    expect((b.get('lowest MOS') as Map<string, QualityValue>).get('reported at')).toBe(1795360920);
    expect((b.get('highest MOS') as Map<string, QualityValue>).get('reported at')).toBe(1795360921);
  });

  it('the whole SSRC dict equals 04 exchange 1 (query with both tags: callee first)', () => {
    expect(ordered(q.replyDict([B04, A04]))).toEqual(goldenSsrc('04-query.txt', 1));
  });

  it('equals 08 exchanges 1-3 (delete, query during delete-delay, second delete)', () => {
    const ours = ordered(q.replyDict([A04, B04]));
    // 08's dict lists A first: delete with from-tag = caller
    for (const n of [1, 2, 3]) expect(ours).toEqual(goldenSsrc('08-delete.txt', n));
  });

  it('global counters match golden 06 mos group (9 samples, total 37.4, total² 156.14)', () => {
    const totals = new MosTotals();
    replay(A04, B04, ROUNDS04, totals);
    const s = totals.summary();
    expect(s.samples).toBe(9);
    expect(s.total).toBeCloseTo(37.4, 9);
    expect(s.total2).toBeCloseTo(156.14, 9);
    expect(s.average.toFixed(6)).toBe('4.155556');
    expect(s.stddev.toFixed(6)).toBe('0.283279');
  });
});

/** 25 has its own layout ("NG DATAGRAM n: rtpengine -> kamailio", raw line escaped as in 04). */
function readReplies25(): Ordered[] {
  const text = readFileSync(`${GOLDEN_DIR}25-kamailio-module-capture.txt`, 'latin1');
  const out: Ordered[] = [];
  for (const blk of text.split(/\nNG DATAGRAM \d+: /).slice(1)) {
    if (!blk.startsWith('rtpengine -> kamailio')) continue;
    const m = /--- raw wire bytes \(\\r \\n escaped\) ---\n(.*)\n/.exec(blk);
    const d = m ? ssrcOf(unescapeRaw(m[1]!)) : undefined;
    if (d !== undefined) out.push(d);
  }
  return out;
}
const replies25 = readReplies25();

// Golden 25: Kamailio-driven call, three rounds. No capture script is published for the media part;
// the RTCP inputs below are read off the reply (jitter 5/10/20 ms = fields 40/80/160 at 8 kHz, B's
// losses 0/1/0 % = fractions 0/5/0, A's 0/4/9 % = fractions 0/12/25, cumulative 0), with the same
// shape as s03.py (callee B reports first each round). Leg RTTs as in the golden file.
const A25 = 168430090; // caller (label caller)
const B25 = 185273099; // callee
const BASE25 = 1795361000e6;
const ROUNDS25: Round[] = [
  { t: BASE25 + 337.3e6, fracA: 0, cumA: 0, fracB: 0, cumB: 0, jitter: 40, legA: 50294, legB: 40328 },
  { t: BASE25 + 338.35e6, fracA: 12, cumA: 0, fracB: 5, cumB: 0, jitter: 80, legA: 50356, legB: 40173 },
  { t: BASE25 + 339.4e6, fracA: 25, cumA: 0, fracB: 0, cumB: 0, jitter: 160, legA: 50817, legB: 40255 },
];

describe('golden 25-kamailio-module-capture SSRC blocks', () => {
  const q = replay(A25, B25, ROUNDS25);

  it('equals every rtpengine reply in the capture that carries SSRC data (query, delete)', () => {
    expect(replies25.length).toBe(3); // $rtpestat query, rtpengine_query, delete
    for (const golden of replies25) {
      const keys = (golden as { dict: [string, Ordered][] }).dict.map(([k]) => Number(k));
      expect(ordered(q.replyDict(keys))).toEqual(golden);
    }
  });

  it("gives Kamailio's logged averages (spec §5.4): mos_avg=4.0 pl=2 jit=13 rtt=90640 samples=2", () => {
    // Kamailio: over SSRCs with average MOS > 0, sum each field and divide by the number of SSRCs.
    const avgs = [A25, B25].map((s) => q.replyBlock(s)!.get('average MOS') as Map<string, number>);
    const f = (k: string): number => Math.trunc(avgs.reduce((acc, m) => acc + m.get(k)!, 0) / avgs.length);
    // (39+42)/2 = 40 → "4.0"; (4+0)/2 = 2; (11+15)/2 = 13; (90741+90539)/2 = 90640; (3+2)/2 = 2
    expect([f('MOS'), f('packet loss'), f('jitter'), f('round-trip time'), f('samples')]).toEqual([40, 2, 13, 90640, 2]);
    // min: lowest MOS 34 (A, 3 s after created 1795361336) with rtt 91072; max: first 43 among
    // highest blocks in dict order (B's, rtt 90611)
    const lowA = q.replyBlock(A25)!.get('lowest MOS') as Map<string, number>;
    expect([lowA.get('MOS'), lowA.get('reported at')! - 1795361336, lowA.get('round-trip time')]).toEqual([34, 3, 91072]);
    const highB = q.replyBlock(B25)!.get('highest MOS') as Map<string, number>;
    expect([highB.get('MOS'), highB.get('round-trip time')]).toEqual([43, 90611]);
  });
});
