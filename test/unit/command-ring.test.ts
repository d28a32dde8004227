import { describe, expect, it } from 'vitest';
import {
  CommandReader, CommandWriter, createRing, EP_NONE, EP_OTHER, EP_V4, EP_V6, type CommandSink, type RingConfig,
} from '../../daemon/media/command-ring.js';
import type { BindRequest, SlotConfig, SrtpParams } from '../../daemon/media/messages.js';

type Seen = ['transcode', number, unknown] | ['adopt', number, number, number] | ['configure', Omit<RingConfig, 'ep'> & { ep: number[] }] | ['close', number, number[]]
  | ['bind', number, BindRequest[]] | ['srtp', number, SrtpParams | null, SrtpParams | null] | ['shutdown'] | ['crash'] | ['send', number, string, number, string];

function recorder(): { sink: CommandSink; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: {
      adopt: (slot, family, fd) => seen.push(['adopt', slot, family, fd]),
      configure: (c) => seen.push(['configure', { ...c, ep: [...c.ep] }]),
      close: (id, slots, from, count) => seen.push(['close', id, Array.from(slots.subarray(from, from + count))]),
      bind: (id, binds) => seen.push(['bind', id, binds]),
      srtp: (slot, rx, tx) => seen.push(['srtp', slot, rx, tx]),
      shutdown: () => seen.push(['shutdown']),
      crash: () => seen.push(['crash']),
      send: (slot, address, port, data) => seen.push(['send', slot, address, port, data.toString('hex')]),
      transcode: (slot, cfg) => seen.push(['transcode', slot, cfg]),
    },
  };
}

function config(slot: number, address: string | null): SlotConfig {
  return {
    slot, sink: slot + 1, rtcpSink: -1, endpoint: address === null ? null : { address, port: 30000 + slot },
    learning: 'heuristic', asymmetric: false, strictSource: true, component: 2, clockRate: 48000,
    generateRtcp: true, rtcpSlot: 7, tos: 184, srtp: null, dtls: true, ice: true,
  };
}

describe('main → worker command ring', () => {
  it('carries adopt, configure and close in order, with endpoints as numbers', () => {
    const bufs = createRing(128);
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
      component: 2, clockRate: 48000, generateRtcp: true, rtcpSlot: 7, tos: 184, dtls: true, epKind: EP_V4,
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
    // 21 words per configure (2 header words + 19): three fit (63 words), the fourth does not.
    for (let i = 0; i < 3; i++) expect(w.configure(config(i, null))).toBe(true);
    expect(w.configure(config(3, null))).toBe(false);
    expect(w.adopt({ slot: 1, family: 4, fd: 5 })).toBe(false); // 5 words do not fit either
    expect(w.shutdown()).toBe(false); // nor 2: one word is left
    expect(r.drain(sink)).toBe(3);
    // One word left before the end: the next record pads it and starts over at 0.
    for (let round = 0; round < 20; round++) {
      expect(w.configure(config(round, round % 2 ? '127.0.0.1' : null))).toBe(true);
      expect(w.close(round, [round])).toBe(true);
      expect(r.drain(sink)).toBe(2);
    }
    expect(seen.length).toBe(3 + 40);
    expect((seen[3]![1] as RingConfig).epKind).toBe(EP_NONE);
    expect(seen.at(-1)).toEqual(['close', 19, [19]]);
    expect(() => createRing(100)).toThrow(RangeError);
  });

  it('carries variable-length bind records (addresses as byte strings), shutdown and crash', () => {
    const bufs = createRing(128);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    const binds: BindRequest[] = [
      { slot: 0, address: '127.0.0.1', port: 30000, family: 4 },
      { slot: 1, address: '2001:db8:4321::1', port: 30001, family: 6 },
      { slot: 2, address: '0.0.0.0', port: 65535, family: 4 },
    ];
    expect(w.bind(7, binds)).toBe(true);
    expect(w.close(8, [0, 1, 2])).toBe(true);
    expect(w.shutdown()).toBe(true);
    expect(w.crash()).toBe(true);
    expect(r.pending()).toBe(true);
    expect(r.drain(sink)).toBe(4);
    expect(r.pending()).toBe(false);
    expect(seen).toEqual([['bind', 7, binds], ['close', 8, [0, 1, 2]], ['shutdown'], ['crash']]);
  });

  it('carries SRTP keys of both directions (key, salt, MKI, kdr, session parameters) and a clear', () => {
    const bufs = createRing(128);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    const rx: SrtpParams = {
      suite: 'AES_CM_128_HMAC_SHA1_80', key: Uint8Array.from({ length: 16 }, (_, i) => i), salt: new Uint8Array(14).fill(0xee),
      mki: null, kdr: 0, unencryptedSrtp: false, unencryptedSrtcp: true, unauthenticatedSrtp: false,
    };
    const tx: SrtpParams = {
      suite: 'AEAD_AES_256_GCM', key: new Uint8Array(32).fill(0xa5), salt: new Uint8Array(12).fill(3),
      mki: Uint8Array.of(0, 0, 1), kdr: 24, unencryptedSrtp: true, unencryptedSrtcp: false, unauthenticatedSrtp: true,
    };
    expect(w.srtp(9, { rx, tx })).toBe(true);
    expect(w.srtp(10, { rx: null, tx })).toBe(true);
    expect(w.srtp(9, null)).toBe(true);
    expect(r.drain(sink)).toBe(3);
    expect(seen).toEqual([['srtp', 9, rx, tx], ['srtp', 10, null, tx], ['srtp', 9, null, null]]);
  });

  it('refuses a record larger than half the ring instead of blocking it for good', () => {
    const w = new CommandWriter(createRing(64));
    expect(() => w.close(1, Array.from({ length: 40 }, (_, i) => i))).toThrow(RangeError);
  });

  it('pads a tail of a single word (a record header needs two), and any other tail', () => {
    const bufs = createRing(64);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    // 11 adopts (5 words each) and a close of 4 slots (8 words): 63 of 64 words, 1 left at the end.
    for (let i = 0; i < 11; i++) expect(w.adopt({ slot: i, family: 4, fd: 100 + i })).toBe(true);
    expect(w.close(0, [1, 2, 3, 4])).toBe(true);
    expect(r.drain(sink)).toBe(12);
    expect(w.shutdown()).toBe(true); // pads the one word, starts over at 0
    expect(r.drain(sink)).toBe(1);
    expect(seen.at(-1)).toEqual(['shutdown']);
    // Records of 4..13 words in a varying order meet every tail length.
    for (let i = 0; i < 1000; i++) {
      const k = (i * 7) % 10;
      const slots = Array.from({ length: k }, (_, j) => i + j);
      expect(w.close(i, slots)).toBe(true);
      expect(r.drain(sink)).toBe(1);
      expect(seen.at(-1)).toEqual(['close', i, slots]);
    }
  });

  it('carries a transcode command (the DirectionConfig) and its removal', () => {
    const bufs = createRing(1024);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const cfg = {
      decoders: [{ pt: 0, codec: { name: 'PCMU', clock: 8000, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } }],
      encoder: { pt: 96, codec: { name: 'opus', clock: 48000, channels: 2, bitrate: 32000, fmtp: 'useinbandfec=1', ptime: 20 } },
      passthrough: [101], dtmfIn: [{ pt: 101, clock: 8000 }], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1,
    };
    expect(w.transcode(7, cfg)).toBe(true);
    expect(w.transcode(7, null)).toBe(true);
    const { sink, seen } = recorder();
    expect(r.drain(sink)).toBe(2);
    expect(seen).toEqual([['transcode', 7, cfg], ['transcode', 7, null]]);
  });

  it('carries a send command (DTLS bytes out of a slot) with its address and bytes intact', () => {
    const bufs = createRing(256);
    const w = new CommandWriter(bufs);
    const r = new CommandReader(bufs);
    const { sink, seen } = recorder();
    const data = Buffer.from('16fefd000000000000000000010203', 'hex');
    expect(w.send(5, '2001:db8::7', 40000, data)).toBe(true);
    expect(w.send(6, '10.0.0.1', 1, new Uint8Array(0))).toBe(true);
    expect(r.drain(sink)).toBe(2);
    expect(seen).toEqual([['send', 5, '2001:db8::7', 40000, data.toString('hex')], ['send', 6, '10.0.0.1', 1, '']]);
  });
});
