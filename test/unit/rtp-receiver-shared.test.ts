import { describe, expect, it } from 'vitest';
import { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';

/** Receiver statistics set up exactly as the daemon does: main owns the buffer, the worker writes. */
describe('ReceiverStats over a SharedArrayBuffer (main initialises, worker writes)', () => {
  it('the writing view detects duplicates; the reading view sees the counters', () => {
    const sab = new SharedArrayBuffer(ReceiverStats.bytes(4));
    const reader = new ReceiverStats(4, sab, true, false);
    const writer = new ReceiverStats(4, sab, false, true);
    // seq 10, 11, 12, 12 (duplicate), 13, 11 (duplicate of an old one)
    for (const [i, seq] of [10, 11, 12, 12, 13, 11].entries()) writer.update(2, 0xabc, seq, seq * 160, i * 160);
    expect(reader.duplicates(2)).toBe(2);
    expect(reader.expected(2)).toBe(3); // probation: base_seq 11, max 13 → 11..13
    // RFC 3550 A.3: received counts duplicates too, so lost = 3 - 5 = -2 ("lost can be negative").
    expect(reader.lost(2)).toBe(-2);
  });
});
