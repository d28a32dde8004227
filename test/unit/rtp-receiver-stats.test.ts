// RFC 3550 A.1/A.3/A.8 receiver statistics on synthetic streams. Expected numbers are worked out by
// hand in the comments (A.1: the first packet of a new source only starts probation; the second
// in-sequence packet re-initialises the sequence state with base = its seq and received = 1).

import { describe, expect, it } from 'vitest';
import {
  ReceiverStats, RS_JITTER, RS_RECEIVED, RS_SSRC, SEQ_BAD, SEQ_DUPLICATE, SEQ_OK, SEQ_PROBATION,
  SEQ_REORDERED, SEQ_RESTART, SNAP_EXPECTED, SNAP_JITTER, SNAP_RECEIVED, SNAPSHOT_FIELDS, STATS_STRIDE,
} from '../../protocol/rtp/receiver-stats.js';

const SSRC = 0xcafebabe;

/** Feeds seqs with a perfect 8 kHz / 20 ms clock (arrival = timestamp), returns the statuses. */
function feed(st: ReceiverStats, slot: number, seqs: number[], ssrc = SSRC): number[] {
  return seqs.map((s) => st.update(slot, ssrc, s & 0xffff, (s * 160) >>> 0, s * 160));
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('ReceiverStats sequence tracking (A.1)', () => {
  it('clean stream: probation, then no loss', () => {
    const st = new ReceiverStats(4);
    const r = feed(st, 0, range(1000, 1049));
    expect(r[0]).toBe(SEQ_PROBATION);
    expect(r.slice(1).every((x) => x === SEQ_OK)).toBe(true);
    // base = 1001 (second packet), max = 1049 → expected 49, received 49
    expect([st.valid(0), st.expected(0), st.received(0), st.lost(0), st.extendedMax(0)]).toEqual([true, 49, 49, 0, 1049]);
    expect(st.jitter(0)).toBe(0);
    // other slots untouched
    expect([st.valid(1), st.ssrc(1), st.expected(1)]).toEqual([false, -1, 0]);
  });

  it('counts losses and the A.3 interval fraction', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, range(0, 99).filter((s) => s !== 10 && s !== 20 && s !== 30));
    // base 1, max 99: expected 99; received 99 − 3 = 96; lost 3
    expect([st.expected(0), st.received(0), st.lost(0)]).toEqual([99, 96, 3]);
    // fraction = ⌊3·256/99⌋ = ⌊7.76⌋ = 7
    expect(st.takeFractionLost(0)).toBe(7);
    // next interval: 100..149 all received (50/50) → 0, cumulative still 3
    feed(st, 0, range(100, 149));
    expect(st.takeFractionLost(0)).toBe(0);
    expect(st.lost(0)).toBe(3);
    // next interval: 150..249 with 25 missing (every 4th) → ⌊25·256/100⌋ = 64
    feed(st, 0, range(150, 249).filter((s) => s % 4 !== 0));
    expect(st.takeFractionLost(0)).toBe(64);
    expect(st.lost(0)).toBe(28);
    // an interval with nothing expected reports 0
    expect(st.takeFractionLost(0)).toBe(0);
  });

  it('reordering: a late packet fills its gap', () => {
    const st = new ReceiverStats(1);
    expect(feed(st, 0, [0, 1, 2, 4, 3, 5])).toEqual([SEQ_PROBATION, SEQ_OK, SEQ_OK, SEQ_OK, SEQ_REORDERED, SEQ_OK]);
    // base 1, max 5: expected 5; received 1,2,4,3,5 = 5 → lost 0
    expect([st.expected(0), st.received(0), st.lost(0), st.reordered(0), st.duplicates(0)]).toEqual([5, 5, 0, 1, 0]);
  });

  it('duplicates are detected, counted in received as A.1 does, and can make loss negative', () => {
    const st = new ReceiverStats(1);
    expect(feed(st, 0, [0, 1, 2, 2, 3, 1])).toEqual([SEQ_PROBATION, SEQ_OK, SEQ_OK, SEQ_DUPLICATE, SEQ_OK, SEQ_DUPLICATE]);
    // expected 1..3 = 3, received 1,2,2,3,1 = 5 → lost −2
    expect([st.expected(0), st.received(0), st.lost(0), st.duplicates(0), st.reordered(0)]).toEqual([3, 5, -2, 2, 0]);
  });

  it('a late packet whose slot bit was cleared by a forward jump is late, not a duplicate', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, [0, 1, 2, 3]);
    // jump +60 (a gap, < MAX_DROPOUT), then 30 arrives late → reordered, then 30 again → duplicate
    expect(feed(st, 0, [63, 30, 30])).toEqual([SEQ_OK, SEQ_REORDERED, SEQ_DUPLICATE]);
    // jump by more than the 128-seq window clears every bit; 250 (inside the gap) then arrives late
    expect(feed(st, 0, [300, 250])).toEqual([SEQ_OK, SEQ_REORDERED]);
  });

  it('sequence number wrap increments the cycle count', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, range(65530, 65545)); // 65530..65535, 0..9 after & 0xffff
    // base 65531; max 9 with one cycle: extended 65536 + 9 = 65545; expected 65545 − 65531 + 1 = 15
    expect([st.extendedMax(0), st.expected(0), st.received(0), st.lost(0)]).toEqual([65545, 15, 15, 0]);
    // 65534 again (already seen before the wrap): a duplicate, and no extra cycle
    expect(st.update(0, SSRC, 65534, 0, 0)).toBe(SEQ_DUPLICATE);
    expect(st.extendedMax(0)).toBe(65545);
  });

  it('probation restarts on a non-sequential packet', () => {
    const st = new ReceiverStats(1);
    expect(feed(st, 0, [100, 200, 201, 202])).toEqual([SEQ_PROBATION, SEQ_PROBATION, SEQ_OK, SEQ_OK]);
    // base 201: expected 2, received 2
    expect([st.expected(0), st.received(0)]).toEqual([2, 2]);
  });

  it('a big jump is ignored once and accepted as a restart when the next packet follows it', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, range(0, 500));
    // a stray packet far ahead: not counted
    expect(feed(st, 0, [10000])).toEqual([SEQ_BAD]);
    expect(feed(st, 0, [501])).toEqual([SEQ_OK]);
    // base 1, max 501: expected 501, received 501
    expect([st.expected(0), st.received(0)]).toEqual([501, 501]);
    // a packet too far behind (> MAX_MISORDER) is treated like a jump as well
    expect(feed(st, 0, [350])).toEqual([SEQ_BAD]);
    // the sender really restarted: 20000, 20001 → restart at 20001 (base 20001, received 1)
    expect(feed(st, 0, [20000, 20001, 20002])).toEqual([SEQ_BAD, SEQ_RESTART, SEQ_OK]);
    expect([st.expected(0), st.received(0), st.lost(0)]).toEqual([2, 2, 0]);
  });

  it('an SSRC change starts the slot over', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, range(0, 9));
    expect(st.expected(0)).toBe(9);
    expect(feed(st, 0, [5000, 5001], 0x1234)).toEqual([SEQ_PROBATION, SEQ_OK]);
    expect([st.ssrc(0), st.expected(0), st.received(0)]).toEqual([0x1234, 1, 1]);
    st.clear(0);
    expect([st.ssrc(0), st.valid(0)]).toEqual([-1, false]);
  });
});

describe('ReceiverStats interarrival jitter (A.8)', () => {
  it('alternating 10 ms delay: D = 80 units each packet, J_k = 80·(1 − (15/16)^k)', () => {
    const st = new ReceiverStats(1);
    // packet i sent at 160·i, arrives at 160·i + (i odd ? 80 : 0) (8 kHz: 80 units = 10 ms)
    const arr = (i: number): number => i * 160 + (i % 2 ? 80 : 0);
    const J: number[] = [];
    for (let i = 0; i < 4; i++) {
      st.update(0, SSRC, i, i * 160, arr(i));
      J.push(st.f[RS_JITTER]!);
    }
    // first packet: no previous transit → 0; then 80/16 = 5; 5 + 75/16 = 9.6875; 9.6875 + 70.3125/16 = 14.08203125
    expect(J).toEqual([0, 5, 9.6875, 14.08203125]);
    expect(st.jitter(0)).toBe(14);
    for (let i = 4; i < 400; i++) st.update(0, SSRC, i, i * 160, arr(i));
    // converges to 80 (never reaches it: truncated report 79)
    expect(st.jitter(0)).toBe(79);
  });

  it('constant network delay gives zero jitter, also across an RTP timestamp wrap', () => {
    const st = new ReceiverStats(1);
    const ts0 = 0xffffff00;
    for (let i = 0; i < 20; i++) st.update(0, SSRC, i, (ts0 + i * 160) >>> 0, 123456 + i * 160);
    expect(st.f[RS_JITTER]).toBe(0);
  });

  it('duplicates do not feed the jitter estimate', () => {
    const st = new ReceiverStats(1);
    for (let i = 0; i < 10; i++) st.update(0, SSRC, i, i * 160, i * 160);
    // same packet again 500 ms later
    expect(st.update(0, SSRC, 9, 9 * 160, 9 * 160 + 4000)).toBe(SEQ_DUPLICATE);
    expect(st.jitter(0)).toBe(0);
  });
});

describe('ReceiverStats plumbing', () => {
  it('LSR/DLSR from the last SR', () => {
    const st = new ReceiverStats(1);
    expect([st.lsr(0), st.dlsr(0, 5000)]).toEqual([0, 0]);
    st.onSenderReport(0, 0x12345678, 1000);
    // 500 ms later: 0.5·65536 = 32768
    expect([st.lsr(0), st.dlsr(0, 1500)]).toEqual([0x12345678, 32768]);
  });

  it('lives on a SharedArrayBuffer that another view can read', () => {
    const sab = new SharedArrayBuffer(ReceiverStats.bytes(3));
    const st = new ReceiverStats(3, sab);
    feed(st, 2, range(0, 10));
    const raw = new Float64Array(sab);
    expect(raw[2 * STATS_STRIDE + RS_SSRC]).toBe(SSRC);
    expect(raw[2 * STATS_STRIDE + RS_RECEIVED]).toBe(10);
    // a non-initialising view (main thread) reads the same numbers without clobbering them
    const view = new ReceiverStats(3, sab, false);
    expect([view.ssrc(2), view.expected(2), view.received(2), view.ssrc(0)]).toEqual([SSRC, 10, 10, -1]);
    expect(st.ssrc(2)).toBe(SSRC);
  });

  it('snapshot records the cumulative counters', () => {
    const st = new ReceiverStats(1);
    feed(st, 0, range(0, 20).filter((s) => s !== 5));
    const snap = new Float64Array(SNAPSHOT_FIELDS);
    st.snapshot(0, snap);
    // base 1, max 20: expected 20, received 19
    expect([snap[SNAP_EXPECTED], snap[SNAP_RECEIVED], snap[SNAP_JITTER]]).toEqual([20, 19, 0]);
  });
});
