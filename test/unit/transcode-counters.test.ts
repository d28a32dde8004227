/**
 * daemon/media/transcode-counters.ts: the workers' per-chain transcoding counters (rtpengine's
 * rtpengine_transcode_{packets,bytes,samples}_total{chain}) and the main thread's totals, which must
 * never go backwards when a slot closes, is reconfigured or reused.
 */
import { describe, expect, it } from 'vitest';
import { ChainTotals, SlotChainCounter, chainIndexes, chainLabel } from '../../daemon/media/transcode-counters.js';
import { StreamTable } from '../../daemon/media/stream-table.js';
import type { CodecSpec, DirectionConfig } from '../../transcode/types.js';
import { rtpPacket } from '../helpers/rtp-peer.js';

const codec = (name: string, clock = 8000, channels = 1, ptime = 20): CodecSpec => ({ name, clock, channels, bitrate: 0, fmtp: '', ptime });

function cfg(over: Partial<DirectionConfig> = {}): DirectionConfig {
  return {
    decoders: [{ pt: 0, codec: codec('PCMU') }, { pt: 9, codec: codec('G722') }, { pt: 8, codec: codec('PCMA') }],
    encoder: { pt: 8, codec: codec('PCMA') },
    passthrough: [8], dtmfIn: [], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1,
    ...over,
  };
}

/** What the worker does per packet in pipeline.ts transcode(): input(), then decoded() if the transcoder took it. */
function feed(c: SlotChainCounter, pkts: Buffer[], took = true): void {
  for (const p of pkts) {
    const k = c.input(p, 0, p.length);
    if (took && k >= 0) c.decoded(k);
  }
}

const stream = (pt: number, n: number, step = 160, ssrc = 0x1234, from = 0): Buffer[] =>
  Array.from({ length: n }, (_, i) => rtpPacket(pt, from + i, (from + i) * step, ssrc));

describe('transcode counters', () => {
  it('labels chains as rtpengine (opus with its channels) and gives passthrough PTs none', () => {
    expect(chainLabel(codec('PCMU'), codec('opus', 48000, 2))).toBe('PCMU/8000 -> opus/48000/2');
    expect(chainIndexes(cfg())).toEqual([0, 1, -1]);
    // A PT listed twice counts under its first decoder, as the transcoder decodes it.
    expect(chainIndexes(cfg({ decoders: [{ pt: 0, codec: codec('PCMU') }, { pt: 0, codec: codec('PCMA') }] }))).toEqual([0, -1]);
  });

  it('counts input packets, payload bytes and samples at the encoder\'s rate, per chain', () => {
    const t = StreamTable.create(4);
    const c = new SlotChainCounter(t.f64, t.xcIndex(2, 0), cfg({ encoder: { pt: 96, codec: codec('opus', 48000, 2) }, passthrough: [] }));
    feed(c, stream(0, 100)); // rtpPacket: 160-byte payload
    feed(c, stream(8, 3)); // PCMA is a chain too here
    feed(c, [rtpPacket(101, 1, 0, 0x1234)]); // not a decoder: not counted
    const at = (k: number, f: number): number => t.f64[t.xcIndex(2, k) + f]!;
    expect([at(0, 0), at(0, 1), at(0, 2)]).toEqual([100, 16000, 100 * 960]);
    expect([at(2, 0), at(2, 1), at(2, 2)]).toEqual([3, 480, 3 * 960]);
    expect(at(1, 0)).toBe(0);
    // Other slots untouched.
    expect(t.f64.slice(t.xcIndex(0, 0), t.xcIndex(2, 0)).every((v) => v === 0)).toBe(true);
  });

  it('counts samples from the timestamp step (40 ms packets), and packets the transcoder refused only on the way in', () => {
    const t = StreamTable.create(1);
    const c = new SlotChainCounter(t.f64, t.xcIndex(0, 0), cfg());
    feed(c, stream(0, 10, 320));
    expect(t.f64[t.xcIndex(0, 0) + 2]).toBe(160 + 9 * 320); // first packet: its announced 20 ms
    feed(c, stream(0, 5, 160, 0x99), false);
    expect(t.f64[t.xcIndex(0, 0)]).toBe(15);
    expect(t.f64[t.xcIndex(0, 0) + 2]).toBe(160 + 9 * 320);
    // G.722 → PCMA: 8000 Hz RTP clock, encoder at 8000.
    feed(c, stream(9, 2));
    expect(t.f64[t.xcIndex(0, 1) + 2]).toBe(320);
  });

  it('keeps totals across closes, reconfiguration and slot reuse (never backwards)', () => {
    const t = StreamTable.create(2);
    const totals = new ChainTotals();
    const w = totals.track(t);
    const pcmu = 'PCMU/8000 -> PCMA/8000';
    const g722 = 'G722/8000 -> PCMA/8000';
    w.set(1, cfg());
    expect(totals.snapshot().get(pcmu)).toEqual({ packets: 0, bytes: 0, samples: 0 });
    let c = new SlotChainCounter(t.f64, t.xcIndex(1, 0), cfg());
    feed(c, stream(0, 10));
    expect(totals.snapshot().get(pcmu)!.packets).toBe(10);
    // Re-negotiated: chain 0 is now G.722; what was counted stays PCMU's.
    const swapped = cfg({ decoders: [{ pt: 9, codec: codec('G722') }] });
    w.set(1, swapped);
    c = new SlotChainCounter(t.f64, t.xcIndex(1, 0), swapped);
    feed(c, stream(9, 4));
    let s = totals.snapshot();
    expect(s.get(pcmu)!.packets).toBe(10);
    expect(s.get(g722)!.packets).toBe(4);
    // Closed, then reused by a call without transcoding, then by one with: nothing lost, nothing twice.
    w.set(1, null);
    t.reset(1);
    s = totals.snapshot();
    expect([s.get(pcmu)!.packets, s.get(g722)!.packets]).toEqual([10, 4]);
    w.set(1, cfg());
    c = new SlotChainCounter(t.f64, t.xcIndex(1, 0), cfg());
    feed(c, stream(0, 5));
    s = totals.snapshot();
    expect([s.get(pcmu)!.packets, s.get(pcmu)!.bytes, s.get(g722)!.packets]).toEqual([15, 2400, 4]);
    // A second worker's slots add up under the same chain.
    const t2 = StreamTable.create(1);
    totals.track(t2).set(0, cfg());
    feed(new SlotChainCounter(t2.f64, t2.xcIndex(0, 0), cfg()), stream(0, 2));
    expect(totals.snapshot().get(pcmu)!.packets).toBe(17);
  });
});
