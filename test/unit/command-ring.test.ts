import { describe, expect, it } from 'vitest';
import {
  CommandReader, CommandWriter, createRing, EP_NONE, EP_OTHER, EP_V4, EP_V6, type CommandSink, type RingConfig,
} from '../../daemon/media/command-ring.js';
import type { SlotConfig } from '../../daemon/media/messages.js';

type Seen = ['adopt', number, number, number] | ['configure', Omit<RingConfig, 'ep'> & { ep: number[] }] | ['close', number, number[]];

function recorder(): { sink: CommandSink; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: {
      adopt: (slot, family, fd) => seen.push(['adopt', slot, family, fd]),
      configure: (c) => seen.push(['configure', { ...c, ep: [...c.ep] }]),
      close: (id, slots, from, count) => seen.push(['close', id, Array.from(slots.subarray(from, from + count))]),
    },
  };
}

function config(slot: number, address: string | null): SlotConfig {
  return {
    slot, sink: slot + 1, rtcpSink: -1, endpoint: address === null ? null : { address, port: 30000 + slot },
    learning: 'heuristic', asymmetric: false, strictSource: true, component: 2, clockRate: 48000,
    generateRtcp: true, rtcpSlot: 7, tos: 184,
  };
}

describe('main → worker command ring', () => {
  it('carries adopt, configure and close in order, with endpoints as numbers', () => {
    const bufs = createRing(64);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    expect(w.adopt({ slot: 3, family: 6, fd: 41 })).toBe(true);
    expect(w.configure(config(3, '10.1.2.255'))).toBe(true);
    expect(r.drain(sink)).toBe(2);
    expect(w.configure(config(4, '2001:db8::ff:1'))).toBe(true);
    expect(w.configure(config(5, 'sip.example.org'))).toBe(true);
    expect(w.close(9, [3, 4])).toBe(true);
    expect(r.drain(sink)).toBe(3);
    expect(r.drain(sink)).toBe(0);

    expect(seen[0]).toEqual(['adopt', 3, 6, 41]);
    const c3 = seen[1]![1] as RingConfig;
    expect(c3).toMatchObject({
      slot: 3, sink: 4, rtcpSink: -1, port: 30003, learning: 'heuristic', asymmetric: false, strictSource: true,
      component: 2, clockRate: 48000, generateRtcp: true, rtcpSlot: 7, tos: 184, epKind: EP_V4,
    });
    expect(c3.ep[0]).toBe(0x0a0102ff);
    const c4 = seen[2]![1] as RingConfig;
    expect(c4.epKind).toBe(EP_V6);
    expect(c4.ep).toEqual([0x20010db8, 0, 0, 0x00ff0001]);
    expect((seen[3]![1] as RingConfig).epKind).toBe(EP_OTHER);
    expect(seen[4]).toEqual(['close', 9, [3, 4]]);
  });

  it('consumes a command whose sink throws, so the commands after it still run', () => {
    const bufs = createRing(64);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    const failing: CommandSink = { ...sink, adopt: () => { throw new Error('bad adopt'); } };
    w.adopt({ slot: 1, family: 4, fd: 40 });
    w.close(2, [1]);
    expect(() => r.drain(failing)).toThrow('bad adopt');
    expect(r.drain(sink)).toBe(1);
    expect(seen).toEqual([['close', 2, [1]]]);
  });

  it('wraps with a pad record, refuses writes when full and accepts them once drained', () => {
    const bufs = createRing(64);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    // 18 words per configure: three fit (54 words), the fourth does not.
    for (let i = 0; i < 3; i++) expect(w.configure(config(i, null))).toBe(true);
    expect(w.configure(config(3, null))).toBe(false);
    expect(w.adopt({ slot: 1, family: 4, fd: 5 })).toBe(true); // 4 words still fit: 58
    expect(r.drain(sink)).toBe(4);
    // 6 words left before the end: the next configure pads and starts over at 0.
    for (let round = 0; round < 20; round++) {
      expect(w.configure(config(round, round % 2 ? '127.0.0.1' : null))).toBe(true);
      expect(w.close(round, [round])).toBe(true);
      expect(r.drain(sink)).toBe(2);
    }
    expect(seen.length).toBe(4 + 40);
    expect((seen[4]![1] as RingConfig).epKind).toBe(EP_NONE);
    expect(seen.at(-1)).toEqual(['close', 19, [19]]);
    expect(() => createRing(100)).toThrow(RangeError);
  });
});
