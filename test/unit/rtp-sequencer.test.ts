import { describe, expect, test } from 'vitest';
import { RtpSequencer } from '../../transcode/rtp-sequencer.js';

/** Feeds input sequence numbers, each giving `outs[i]` packets; returns the numbers sent. */
function feed(s: RtpSequencer, ins: number[], outs: number[], contiguous: boolean[] = []): number[][] {
  return ins.map((seq, i) => {
    s.begin(seq, contiguous[i] ?? false);
    const got: number[] = [];
    for (let k = 0; k < outs[i]!; k++) got.push(s.next());
    s.end();
    return got;
  });
}

describe('RtpSequencer', () => {
  test('one out per in: output = input, gaps and late packets kept', () => {
    const s = new RtpSequencer();
    expect(feed(s, [10, 11, 13, 12, 14], [1, 1, 1, 1, 1])).toEqual([[10], [11], [13], [12], [14]]);
  });

  test('inputs that give nothing or two keep the numbers consecutive, then frame for frame goes on', () => {
    const s = new RtpSequencer();
    expect(feed(s, [1, 2, 3, 4, 5, 6, 7], [0, 1, 1, 0, 2, 1, 1])).toEqual([[], [2], [3], [], [4, 5], [6], [7]]);
  });

  test('an injected packet between inputs takes the next number and shifts the rest', () => {
    const s = new RtpSequencer();
    feed(s, [100, 101], [1, 1]);
    expect(s.next()).toBe(102);
    expect(feed(s, [102, 103], [1, 1])).toEqual([[103], [104]]);
    expect(s.last).toBe(104);
  });

  test('a late packet after injections fills its own hole; one that gives two does not reuse numbers', () => {
    const s = new RtpSequencer();
    feed(s, [1, 2, 4], [1, 1, 1]);
    expect(feed(s, [3], [1])).toEqual([[3]]);
    const again = feed(s, [3], [2]);
    expect(again[0]![0]).toBe(3);
    expect(again[0]![1]).toBe(5);
  });

  test('wraps at 2^16', () => {
    const s = new RtpSequencer();
    expect(feed(s, [0xfffe, 0xffff, 0, 1], [1, 2, 1, 1])).toEqual([[0xfffe], [0xffff, 0], [1], [2]]);
  });

  test('contiguous: a skipped input number does not make a gap', () => {
    const s = new RtpSequencer();
    expect(feed(s, [1, 2, 4, 5], [1, 0, 1, 1], [false, true, true, true])).toEqual([[1], [], [2], [3]]);
  });

  test('a jump back beyond the misorder window is a restart', () => {
    const s = new RtpSequencer();
    feed(s, [5000, 5001], [1, 1]);
    expect(feed(s, [100, 101], [1, 1])).toEqual([[100], [101]]);
  });
});
