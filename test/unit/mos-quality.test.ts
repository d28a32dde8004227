// MOS formula (spec §5.3), RTT from LSR/DLSR, the per-SSRC store rules (1-second discard, lowest /
// highest / average, progression with interval > 0, CQ vs LQ, XR RTT) and the estimated quality
// without RTCP. Numbers are worked out in the comments.

import { describe, expect, it } from 'vitest';
import {
  computeMos, estimateMos, estimateQuality, jitterMs, legRtt, lossPercent, mosFromInputs, MosTotals,
  SsrcQuality, type QualityValue,
} from '../../protocol/rtcp/mos.js';
import { ReceiverStats, SNAPSHOT_FIELDS } from '../../protocol/rtp/receiver-stats.js';

type Dict = Map<string, QualityValue>;
const T0 = 1_700_000_000e6; // µs

describe('MOS formula', () => {
  it('worked examples of spec §5.3', () => {
    // 90.5 ms, 20 ms jitter, 9 %: eff = 90 + 40 + 10 = 140; R = 93.2 − 3.5 − 22.5 = 67.2;
    // MOS = 1 + 2.352 + 0.000007·67.2·7.2·32.8 = 3.463 → 34
    expect(computeMos(90_500, 20, 9)).toBe(34);
    // 90 ms, 5 ms, 0 %: eff = 110; R = 93.2 − 2.75 = 90.45; MOS = 1 + 3.16575 + 0.000007·90.45·30.45·9.55 = 4.35 → 43
    expect(computeMos(90_000, 5, 0)).toBe(43);
  });

  it('eff ≥ 160 uses the steeper branch', () => {
    // 300 ms, 0 jitter, 0 loss: eff 310 → R = 93.2 − 19 = 74.2;
    // MOS = 1 + 2.597 + 0.000007·74.2·14.2·25.8 = 3.787 → 37
    expect(computeMos(300_000, 0, 0)).toBe(37);
    // eff exactly 160 (150 ms): R = 93.2 − 4 = 89.2 → 1 + 3.122 + 0.000007·89.2·29.2·10.8 = 4.319 → 43
    expect(computeMos(150_000, 0, 0)).toBe(43);
  });

  it('RTT is truncated to whole ms before use', () => {
    // 169.999 ms → 169: eff 179 → R = 87.3 → 4.289… → 42; 170 ms → eff 180 → R = 87.2 → 4.285 → 42
    expect(mosFromInputs(169_999, 0, 0)).toBe(mosFromInputs(169_000, 0, 0));
  });

  it('MOS below 1.0 becomes 0, negative R gives exactly 1.0', () => {
    // R = 93.2 − 0.25 − 2.5·35 = 5.45: MOS = 1 + 0.19075 + 0.000007·5.45·(−54.55)·94.55 = 0.99 → 9 → 0
    expect(mosFromInputs(0, 0, 35)).toBe(0);
    // R < 0 (loss 40 %): MOS 1.0 → 10
    expect(mosFromInputs(0, 0, 40)).toBe(10);
  });

  it('CQ gives no MOS without RTT; LQ computes it with RTT 0 and still adds a known RTT (10.5 quirk)', () => {
    expect(computeMos(0, 5, 0, 'CQ')).toBe(0);
    // LQ, RTT 0: eff 20 → R = 92.7 → 1 + 3.2445 + 0.000007·92.7·32.7·7.3 (= 0.1549) = 4.3995 → 43
    expect(computeMos(0, 5, 0, 'LQ')).toBe(43);
    expect(computeMos(90_000, 5, 0, 'LQ')).toBe(43);
  });

  it('unit conversions', () => {
    expect(jitterMs(160, 8000)).toBe(20);
    expect(jitterMs(100, 8000)).toBe(12); // 12.5 truncated
    expect(jitterMs(960, 48000)).toBe(20);
    expect(jitterMs(77, 0)).toBe(77);
    expect(lossPercent(25)).toBe(9); // 9.77
    expect(lossPercent(255)).toBe(99);
    expect(lossPercent(2)).toBe(0);
  });

  it('leg RTT = now − SR receive − DLSR, valid only in (0, 10 s]', () => {
    // DLSR 1310 = 19989.01 µs → 19989
    expect(legRtt(T0 + 60_267, T0, 1310)).toBe(40_278);
    expect(legRtt(T0 + 19_989, T0, 1310)).toBe(0);
    expect(legRtt(T0 + 10_000_000, T0, 0)).toBe(10_000_000);
    expect(legRtt(T0 + 10_000_001, T0, 0)).toBe(0);
  });
});

/** A report-block shortcut: 8 kHz, jitter field j, fraction f. */
function block(f: number, j: number, lsr = 0, dlsr = 0, cum = 0) {
  return { fractionLost: f, cumulativeLost: cum, jitter: j, lsr, dlsr };
}

describe('SsrcQuality', () => {
  const A = 1111;
  const B = 2222;

  /** One SR/RR round like the golden capture: both SR at t, B's RR at t+60 ms, A's at t+70 ms. */
  function round(q: SsrcQuality, t: number, jitterField = 40, fracA = 0, fracB = 0): void {
    q.onSenderReport(A, 0xa000 + t / 1e6, t);
    q.onSenderReport(B, 0xb000 + t / 1e6, t);
    q.onReportBlock(B, A, block(fracB, jitterField, 0xa000 + t / 1e6, 1310), t + 60_000, 8000);
    q.onReportBlock(A, B, block(fracA, jitterField, 0xb000 + t / 1e6, 1310), t + 70_000, 8000);
  }

  it('end-to-end RTT adds the other side\'s last leg; the first reporter gets a MOS-0 block', () => {
    const q = new SsrcQuality();
    round(q, T0);
    // B's leg: 60000 − 19989 = 40011, no RTT from A yet → e2e 0 → no MOS
    // A's leg: 70000 − 19989 = 50011, e2e = 50011 + 40011 = 90022
    expect(q.peek(B)!.blocks[0]).toMatchObject({ mos: 0, rttUs: 0, rttLegUs: 40011 });
    expect(q.peek(A)!.blocks[0]).toMatchObject({ mos: 43, rttUs: 90022, rttLegUs: 50011, jitterMs: 5 });
    // B has a block but no MOS sample → not listed
    expect(q.replyBlock(B)).toBeUndefined();
    expect(q.hasQuality(A)).toBe(true);
    expect([...q.replyDict([B, A, A]).keys()]).toEqual([String(A)]);
  });

  it('drops a block less than 1 s after the previous one of the same reporter', () => {
    const q = new SsrcQuality();
    round(q, T0);
    // 0.5 s later A reports again (with 50 % loss): discarded
    expect(q.onReportBlock(A, B, block(128, 40), T0 + 570_000, 8000)).toBe('too-soon');
    // 1 s after the first: accepted
    expect(q.onReportBlock(A, B, block(128, 40), T0 + 1_070_000, 8000)).toBe('stored');
    expect(q.peek(A)!.blocks.length).toBe(2);
  });

  it('ignores blocks about a source with no known clock rate', () => {
    const q = new SsrcQuality();
    expect(q.onReportBlock(A, B, block(0, 40), T0, undefined)).toBe('no-clock-rate');
    expect(q.peek(A)).toBeUndefined();
  });

  it('LSR must match one of the last 10 SRs of the source', () => {
    const q = new SsrcQuality();
    for (let i = 0; i < 11; i++) q.onSenderReport(A, 100 + i, T0 + i * 1e6);
    // SR 100 fell out of the history (11 SRs), SR 101 is still there
    q.onReportBlock(B, A, block(0, 40, 100, 1310), T0 + 11e6, 8000);
    expect(q.peek(A)!.lastRttUs).toBe(0);
    q.onReportBlock(B, A, block(0, 40, 101, 1310), T0 + 12e6, 8000);
    // 12 s − 1 s − 19989 µs = 10.98 s > 10 s → invalid
    expect(q.peek(A)!.lastRttUs).toBe(0);
    q.onReportBlock(B, A, block(0, 40, 110, 1310), T0 + 13e6, 8000);
    // 13 s − 10 s − 19989 µs
    expect(q.peek(A)!.lastRttUs).toBe(3e6 - 19989);
    // LSR 0 or DLSR 0 → no RTT, the remembered one stays
    q.onReportBlock(B, A, block(0, 40, 110, 0), T0 + 14e6, 8000);
    expect(q.peek(A)!.lastRttUs).toBe(3e6 - 19989);
  });

  it('XR VoIP metrics round trip delay replaces the end-to-end RTT', () => {
    const q = new SsrcQuality();
    round(q, T0);
    q.onVoipMetrics(A, B, 300);
    q.onReportBlock(A, B, block(0, 40), T0 + 2e6, 8000);
    // e2e 300 ms, jitter 5: eff 320 → R = 93.2 − 20 = 73.2 → 3.74 → 37
    expect(q.peek(A)!.blocks[1]).toMatchObject({ rttUs: 300_000, mos: 37 });
  });

  it('progression with an interval: one entry per interval seconds from the first block', () => {
    const q = new SsrcQuality();
    // A reports every 2 s for 40 s (21 blocks at +0, +2, … +40 s); B once so A has an e2e RTT
    q.onSenderReport(A, 1, T0);
    q.onReportBlock(B, A, block(0, 40, 1, 1310), T0 + 60_000, 8000);
    for (let i = 0; i <= 20; i++) {
      q.onSenderReport(B, 1000 + i, T0 + i * 2e6);
      q.onReportBlock(A, B, block(i === 7 ? 128 : 0, 40, 1000 + i, 1310), T0 + i * 2e6 + 70_000, 8000);
    }
    const d = q.replyBlock(A)!;
    const prog = d.get('MOS progression') as Dict;
    // interval = (40 − 0) / 10 = 4 s; entries at blocks with second ≥ next step: 0, 4, 8, … 40 → 11
    expect(prog.get('interval')).toBe(4);
    const at = (prog.get('entries') as Dict[]).map((e) => (e.get('reported at') as number) - T0 / 1e6);
    expect(at).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    // the 50 % loss block (i = 7, 14 s) is the lowest: loss 50 %, R < 0 → MOS 1.0 = 10
    const low = d.get('lowest MOS') as Dict;
    expect([low.get('MOS'), low.get('packet loss'), (low.get('reported at') as number) - T0 / 1e6]).toEqual([10, 50, 14]);
    expect((d.get('average MOS') as Dict).get('samples')).toBe(21);
    expect([...d.keys()]).toEqual(['cumulative loss', 'average MOS', 'lowest MOS', 'highest MOS', 'MOS progression']);
    expect([...low.keys()]).toEqual(['MOS', 'round-trip time', 'round-trip time leg', 'jitter', 'packet loss', 'reported at']);
  });

  it('LQ produces a MOS for the first reporter without RTT', () => {
    const q = new SsrcQuality({ mosType: 'LQ' });
    round(q, T0);
    // B: RTT 0 → eff = 0 + 10 + 10 = 20 → 4.3995 → 43 (CQ would give 0)
    expect(q.peek(B)!.blocks[0]!.mos).toBe(43);
  });

  it('feeds daemon-wide totals only with blocks that have a MOS', () => {
    const totals = new MosTotals();
    const q = new SsrcQuality({ totals });
    round(q, T0);
    expect([totals.samples, totals.sum10]).toEqual([1, 43]);
    expect(totals.summary()).toMatchObject({ total: 4.3, samples: 1, average: 4.3, stddev: 0 });
  });
});

describe('estimated quality without RTCP', () => {
  it('uses RTT 0 explicitly and marks the result as estimated', () => {
    // jitter 20 ms, 0 %, RTT 0: eff 50 → R = 91.95 → 1 + 3.21825 + 0.000007·91.95·31.95·8.05 = 4.38 → 43
    expect(estimateMos(20, 0)).toBe(43);
    expect(estimateMos(20, 0, 90_000)).toBe(computeMos(90_000, 20, 0));
  });

  it('from two snapshots of the receiver statistics', () => {
    const st = new ReceiverStats(1);
    const prev = new Float64Array(SNAPSHOT_FIELDS);
    const cur = new Float64Array(SNAPSHOT_FIELDS);
    for (let s = 0; s <= 100; s++) st.update(0, 7, s, s * 160, s * 160);
    st.snapshot(0, prev);
    // next 100 packets (101..200), 10 lost (105, 115, … 195), delay alternating 0/80 units → jitter ≈ 80 units = 10 ms
    for (let s = 101; s <= 200; s++) if (s % 10 !== 5) st.update(0, 7, s, s * 160, s * 160 + (s % 2 ? 80 : 0));
    st.snapshot(0, cur);
    const e = estimateQuality(prev, cur, 8000)!;
    // expected 100, lost 10 → fraction ⌊2560/100⌋ = 25 → ⌊2500/256⌋ = 9 %
    expect(e).toMatchObject({ estimated: true, rttUs: 0, expected: 100, lost: 10, lossPercent: 9 });
    // jitter: every pair differs by 80 except around the gaps; the estimate is between 60 and 80 units
    expect(e.jitterMs).toBeGreaterThanOrEqual(7);
    expect(e.jitterMs).toBeLessThanOrEqual(10);
    expect(e.mos).toBe(estimateMos(e.jitterMs, 9));
    // nothing expected → null
    expect(estimateQuality(cur, cur, 8000)).toBeNull();
    // since the start: expected 200, lost 10 → ⌊2560/200⌋ = 12 → 4 %
    expect(estimateQuality(null, cur, 8000)!.lossPercent).toBe(4);
  });
});
