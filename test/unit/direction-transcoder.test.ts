import { beforeAll, describe, expect, test } from 'vitest';
import { DirectionTranscoder } from '../../transcode/direction-transcoder.js';
import { createDecoder } from '../../transcode/codecs.js';
import { ALAW_DECODE, ULAW_ENCODE, ULAW_TO_ALAW } from '../../transcode/g711.js';
import { initResamplerWasm } from '../../transcode/resampler.js';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import type { DirectionConfig, PtCodec } from '../../transcode/types.js';
import { CODECS, PacketSink, directionConfig, makeSignal, spec } from '../helpers/audio-quality.js';
import { parseRtp, rtp } from '../helpers/rtp-build.js';

beforeAll(async () => {
  await Promise.all([initCodecWasm(), initResamplerWasm()]);
});

const SSRC = 0x11223344;
const PCMU = CODECS.PCMU, PCMA = CODECS.PCMA, G722 = CODECS.G722;
const L16_16K: PtCodec = { pt: 97, codec: spec('L16', 16000) };

/** 20 ms of a 400 Hz tone as PCMU bytes, frame k. */
function ulawFrame(k: number, samples = 160): Uint8Array {
  const pcm = makeSignal('tone400', 8000, ((k + 1) * samples) / 8000).subarray(k * samples);
  const b = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) b[i] = ULAW_ENCODE[pcm[i]! & 0xffff]!;
  return b;
}

function run(cfg: DirectionConfig): { t: DirectionTranscoder; sink: PacketSink } {
  const sink = new PacketSink();
  return { t: new DirectionTranscoder(cfg, sink), sink };
}

describe('frame for frame', () => {
  test('PCMU→PCMA: payload through the µ→A map, seq and timestamp kept, one SSRC of our own, marker passed', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    for (let k = 0; k < 5; k++) {
      expect(t.push(rtp(0, 5000 + k, 80000 + 160 * k, SSRC, ulawFrame(k), { marker: k === 0 }), 0, 12 + 160, 0)).toBe(1);
    }
    expect(sink.packets).toHaveLength(5);
    const outSsrc = parseRtp(sink.packets[0]!).ssrc;
    expect(outSsrc).not.toBe(0);
    expect(t.outputSsrc).toBe(outSsrc);
    sink.packets.forEach((p, k) => {
      const r = parseRtp(p);
      expect(r).toMatchObject({ version: 2, p: false, x: false, cc: 0, pt: 8, seq: 5000 + k, ts: 80000 + 160 * k, ssrc: outSsrc, marker: k === 0 });
      expect(r.payload).toHaveLength(160);
      const src = ulawFrame(k);
      expect([...r.payload]).toEqual([...src].map((b) => ULAW_TO_ALAW[b]));
    });
    t.close();
  });

  test('PCMU→G722 and G722→PCMU: 160 bytes a 20 ms packet both ways, timestamps on the 8000 clock', () => {
    const a = run(directionConfig(PCMU, G722));
    for (let k = 0; k < 4; k++) a.t.push(rtp(0, 10 + k, 1000 + 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    expect(a.sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts, p.length]))
      .toEqual([0, 1, 2, 3].map((k) => [9, 10 + k, 1000 + 160 * k, 172]));
    const b = run(directionConfig(G722, PCMU));
    a.sink.packets.forEach((p, k) => expect(b.t.push(p, 0, p.length, 0)).toBe(1 + 0 * k));
    expect(b.sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts, p.length]))
      .toEqual([0, 1, 2, 3].map((k) => [0, 10 + k, 1000 + 160 * k, 172]));
    a.t.close();
    b.t.close();
  });

  test('PCMU→L16/16000: big-endian samples, 640 bytes, timestamps scaled to the 16 kHz clock', () => {
    const { t, sink } = run(directionConfig(PCMU, L16_16K));
    for (let k = 0; k < 3; k++) t.push(rtp(0, 7 + k, 1000 + 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    expect(sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts, p.length - 12]))
      .toEqual([[97, 7, 2000, 640], [97, 8, 2320, 640], [97, 9, 2640, 640]]);
    // The resampled tone is there (after the filter's delay in the first frame).
    const last = parseRtp(sink.packets[2]!).payload;
    let peak = 0;
    for (let i = 0; i < 320; i++) peak = Math.max(peak, Math.abs(last.readInt16BE(2 * i)));
    expect(peak).toBeGreaterThan(6000);
    t.close();
  });

  test('PCMU→opus and opus→PCMU: 48 kHz RTP clock, one packet per packet, opus coded at 8 kHz (no resampling)', () => {
    const OPUS = CODECS.opus;
    const a = run(directionConfig(PCMU, OPUS));
    for (let k = 0; k < 10; k++) expect(a.t.push(rtp(0, 50 + k, 4000 + 160 * k, SSRC, ulawFrame(k)), 0, 172, 0)).toBe(1);
    const r = a.sink.packets.map(parseRtp);
    expect(r.map((x) => [x.pt, x.seq, x.ts])).toEqual(r.map((_, k) => [96, 50 + k, 24000 + 960 * k]));
    // TOC byte (RFC 6716 §3.1): narrowband, 20 ms: SILK config 1 or CELT config 19 (the `audio`
    // application rtpengine's ffmpeg encoder uses picks either by signal)
    expect(r.every((x) => x.payload[0]! >> 3 === 1 || x.payload[0]! >> 3 === 19)).toBe(true);
    const b = run(directionConfig(OPUS, PCMU));
    for (const p of a.sink.packets) expect(b.t.push(p, 0, p.length, 0)).toBe(1);
    expect(b.sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts, p.length]))
      .toEqual(r.map((_, k) => [0, 50 + k, 4000 + 160 * k, 172]));
    a.t.close();
    b.t.close();
  });

  test('opus toward a recipient with maxplaybackrate=16000: 48 kHz L16 is resampled to 16 kHz and coded wideband', () => {
    const L16_48K: PtCodec = { pt: 98, codec: spec('L16', 48000) };
    const OPUS_WB: PtCodec = { pt: 96, codec: { ...spec('opus', 48000, 2), fmtp: 'maxplaybackrate=16000' } };
    const { t, sink } = run(directionConfig(L16_48K, OPUS_WB));
    const pcm = makeSignal('speech', 48000, 0.2);
    for (let k = 0; k < 10; k++) {
      const pl = Buffer.alloc(1920);
      for (let i = 0; i < 960; i++) pl.writeInt16BE(pcm[k * 960 + i]!, 2 * i);
      expect(t.push(rtp(98, k, 960 * k, SSRC, pl), 0, 12 + 1920, 0)).toBe(1);
    }
    // TOC: wideband (RFC 6716 §3.1, table 2): SILK WB configs 8-11 or CELT WB 20-23
    expect(sink.packets.every((p) => (p[12]! >> 3 >= 8 && p[12]! >> 3 <= 11) || (p[12]! >> 3 >= 20 && p[12]! >> 3 <= 23))).toBe(true);
    t.close();
  });

  test('loss stays a gap (sequence and timestamp), a late packet keeps its place', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    for (const k of [0, 1, 3, 2, 4]) t.push(rtp(0, 100 + k, 1600 + 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    expect(sink.packets.map((p) => [parseRtp(p).seq, parseRtp(p).ts]))
      .toEqual([0, 1, 3, 2, 4].map((k) => [100 + k, 1600 + 160 * k]));
  });

  test('sequence numbers and timestamps wrap', () => {
    const { t, sink } = run(directionConfig(PCMU, L16_16K));
    for (let k = 0; k < 3; k++) t.push(rtp(0, 0xffff + k, 0xffffff60 + 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    const first = parseRtp(sink.packets[0]!).ts;
    expect(sink.packets.map((p) => parseRtp(p).seq)).toEqual([0xffff, 0, 1]);
    expect(sink.packets.map((p) => (parseRtp(p).ts - first) >>> 0)).toEqual([0, 320, 640]);
  });
});

describe('ptime repacketization', () => {
  function ptimeRun(inPtime: number, outPtime: number, inPackets: number) {
    const to: PtCodec = { pt: 8, codec: spec('PCMA', 8000, 1, outPtime) };
    const { t, sink } = run(directionConfig(PCMU, to));
    const n = inPtime * 8;
    const counts: number[] = [];
    for (let k = 0; k < inPackets; k++) {
      counts.push(t.push(rtp(0, 200 + k, 8000 + n * k, SSRC, ulawFrame(k, n), { marker: k === 0 }), 0, 12 + n, 0));
    }
    return { counts, out: sink.packets.map(parseRtp) };
  }

  test('20 → 30 ms: 3 packets in give 2 out, consecutive sequence numbers, 240-tick steps', () => {
    const { counts, out } = ptimeRun(20, 30, 6);
    expect(counts).toEqual([0, 1, 1, 0, 1, 1]);
    expect(out.map((r) => [r.seq, r.ts, r.payload.length, r.marker]))
      .toEqual([[201, 8000, 240, true], [202, 8240, 240, false], [203, 8480, 240, false], [204, 8720, 240, false]]);
  });

  test('30 → 20 ms: 2 packets in give 3 out', () => {
    const { counts, out } = ptimeRun(30, 20, 4);
    expect(counts).toEqual([1, 2, 1, 2]);
    expect(out.map((r) => [r.seq, r.ts, r.payload.length])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => [200 + i, 8000 + 160 * i, 160]),
    );
  });

  test('20 → 40 ms and the audio is the same bytes, re-framed', () => {
    const { counts, out } = ptimeRun(20, 40, 4);
    expect(counts).toEqual([0, 1, 0, 1]);
    expect(out.map((r) => [r.seq, r.ts, r.payload.length])).toEqual([[201, 8000, 320], [202, 8320, 320]]);
    const src = Buffer.concat([0, 1, 2, 3].map((k) => Buffer.from(ulawFrame(k))));
    expect([...Buffer.concat(out.map((r) => r.payload))]).toEqual([...src].map((b) => ULAW_TO_ALAW[b]));
  });

  test('20 → 30 → 20 gives the original audio back', () => {
    const to30: PtCodec = { pt: 0, codec: spec('PCMU', 8000, 1, 30) };
    const a = run(directionConfig(PCMU, to30));
    const b = run(directionConfig(to30, PCMU));
    for (let k = 0; k < 9; k++) a.t.push(rtp(0, 300 + k, 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    for (const p of a.sink.packets) b.t.push(p, 0, p.length, 0);
    expect(b.sink.packets).toHaveLength(9);
    expect(b.sink.packets.map((p) => parseRtp(p).ts)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => 160 * k));
    expect(Buffer.concat(b.sink.packets.map((p) => parseRtp(p).payload)))
      .toEqual(Buffer.concat([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => Buffer.from(ulawFrame(k)))));
  });

  test('a lost packet inside a repacketized stream becomes silence, the timeline holds', () => {
    const to40: PtCodec = { pt: 8, codec: spec('PCMA', 8000, 1, 40) };
    const { t, sink } = run(directionConfig(PCMU, to40));
    for (const k of [0, 1, 2, 4, 5]) t.push(rtp(0, 10 + k, 160 * k, SSRC, ulawFrame(k)), 0, 172, 0);
    // Frame 2 and the silence in place of 3 make the second packet; 4 and 5 the third.
    expect(sink.packets.map((p) => parseRtp(p).ts)).toEqual([0, 320, 640]);
    const second = parseRtp(sink.packets[1]!).payload;
    expect(second.subarray(160).every((b) => b === 0xd5)).toBe(true); // A-law silence (0 → 0xd5)
    expect([...second.subarray(0, 160)]).toEqual([...ulawFrame(2)].map((b) => ULAW_TO_ALAW[b]));
    t.push(rtp(0, 16, 160 * 6, SSRC, ulawFrame(6)), 0, 172, 0);
    t.push(rtp(0, 17, 160 * 7, SSRC, ulawFrame(7)), 0, 172, 0);
    expect(sink.packets.map((p) => parseRtp(p).ts)).toEqual([0, 320, 640, 960]);
    expect(sink.packets.map((p) => parseRtp(p).seq)).toEqual([11, 12, 13, 14]);
  });
});

describe('switches', () => {
  test('codec switch by PT mid-stream (same clock): timestamps follow the input', () => {
    const cfg = directionConfig(PCMU, PCMA, { decoders: [PCMU, G722] });
    const { t, sink } = run(cfg);
    const g722 = new Uint8Array(160).fill(0x55);
    t.push(rtp(0, 1, 160, SSRC, ulawFrame(0)), 0, 172, 0);
    t.push(rtp(9, 2, 320, SSRC, g722), 0, 172, 0);
    t.push(rtp(0, 3, 480, SSRC, ulawFrame(2)), 0, 172, 0);
    expect(sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts])).toEqual([[8, 1, 160], [8, 2, 320], [8, 3, 480]]);
  });

  test('codec switch to another input clock: the output timeline continues', () => {
    const cfg = directionConfig(PCMU, PCMA, { decoders: [PCMU, L16_16K] });
    const { t, sink } = run(cfg);
    t.push(rtp(0, 1, 160, SSRC, ulawFrame(0)), 0, 172, 0);
    t.push(rtp(0, 2, 320, SSRC, ulawFrame(1)), 0, 172, 0);
    // The sender's L16 stream has timestamps of its own, at 16 kHz.
    t.push(rtp(97, 3, 999999, SSRC, new Uint8Array(640)), 0, 652, 0);
    t.push(rtp(97, 4, 999999 + 320, SSRC, new Uint8Array(640)), 0, 652, 0);
    t.push(rtp(0, 5, 800, SSRC, ulawFrame(4)), 0, 172, 0);
    expect(sink.packets.map((p) => [parseRtp(p).seq, parseRtp(p).ts, p.length])).toEqual([
      [1, 160, 172], [2, 320, 172], [3, 480, 172], [4, 640, 172], [5, 800, 172],
    ]);
  });

  test('update(): a new encoder; SSRC, sequence and timestamps continue', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    t.push(rtp(0, 40, 6400, SSRC, ulawFrame(0)), 0, 172, 0);
    t.push(rtp(0, 41, 6560, SSRC, ulawFrame(1)), 0, 172, 0);
    t.update(directionConfig(PCMU, L16_16K));
    t.push(rtp(0, 42, 6720, SSRC, ulawFrame(2)), 0, 172, 0);
    t.push(rtp(0, 43, 6880, SSRC, ulawFrame(3)), 0, 172, 0);
    const r = sink.packets.map(parseRtp);
    expect(r.map((x) => [x.pt, x.seq, x.ts, x.payload.length])).toEqual([
      [8, 40, 6400, 160], [8, 41, 6560, 160], [97, 42, 6720, 640], [97, 43, 7040, 640],
    ]);
    expect(new Set(r.map((x) => x.ssrc)).size).toBe(1);
    t.close();
  });

  test('a new input SSRC gets a new output SSRC; switching back gives the old one', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    t.push(rtp(0, 1, 160, SSRC, ulawFrame(0)), 0, 172, 0);
    t.push(rtp(0, 2, 320, 0xabcdef, ulawFrame(1)), 0, 172, 0);
    t.push(rtp(0, 3, 480, SSRC, ulawFrame(2)), 0, 172, 0);
    const s = sink.packets.map((p) => parseRtp(p).ssrc);
    expect(s[0]).not.toBe(s[1]);
    expect(s[2]).toBe(s[0]);
    expect(sink.packets.map((p) => parseRtp(p).seq)).toEqual([1, 2, 3]);
  });
});

describe('other payload types', () => {
  test('passthrough PT: only sequence number and SSRC change, and it shares the sequence space', () => {
    // telephone-event on both sides at the same PT and clock: listed in dtmfIn and passthrough (types.ts)
    const { t, sink } = run(directionConfig(PCMU, PCMA, { passthrough: [101], dtmfIn: [{ pt: 101, clock: 8000 }], dtmfOut: { pt: 101, clock: 8000 } }));
    t.push(rtp(0, 10, 1600, SSRC, ulawFrame(0)), 0, 172, 0);
    const ev = rtp(101, 11, 1760, SSRC, Uint8Array.of(1, 0x0a, 0, 160), { marker: true });
    const copy = Buffer.from(ev);
    expect(t.push(ev, 0, ev.length, 0)).toBe(1);
    const out = sink.packets[1]!;
    expect(parseRtp(out)).toMatchObject({ pt: 101, seq: 11, ts: 1760, marker: true, ssrc: parseRtp(sink.packets[0]!).ssrc });
    expect(out.subarray(12)).toEqual(copy.subarray(12));
    expect(out.subarray(0, 2)).toEqual(copy.subarray(0, 2));
  });

  test('telephone-event re-timed onto the recipient PT and clock (RFC 4733 §2.3.5 duration scaled)', () => {
    const cfg = directionConfig(PCMU, L16_16K, { dtmfIn: [{ pt: 101, clock: 8000 }], dtmfOut: { pt: 100, clock: 16000 } });
    const { t, sink } = run(cfg);
    t.push(rtp(0, 1, 8000, SSRC, ulawFrame(0)), 0, 172, 0);
    const ev = rtp(101, 2, 8160, SSRC, Uint8Array.of(5, 0x0a, 0x01, 0x40), { marker: true });
    expect(t.push(ev, 0, ev.length, 0)).toBe(1);
    const end = rtp(101, 3, 8160, SSRC, Uint8Array.of(5, 0x8a, 0x03, 0x20));
    expect(t.push(end, 0, end.length, 0)).toBe(1);
    const r = sink.packets.map(parseRtp);
    expect(r.slice(1).map((x) => [x.pt, x.seq, x.ts, x.marker, [...x.payload]])).toEqual([
      [100, 2, r[0]!.ts + 320, true, [5, 0x0a, 0x02, 0x80]],
      [100, 3, r[0]!.ts + 320, false, [5, 0x8a, 0x06, 0x40]],
    ]);
    expect(r[1]!.ssrc).toBe(r[0]!.ssrc);
  });

  test('telephone-event without one on the recipient side is played in-band: frames up to the event\'s end, audio for that time not sent twice', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA, { dtmfIn: [{ pt: 101, clock: 8000 }] }));
    const silence = new Uint8Array(160).fill(0xff); // µ-law 0
    t.push(rtp(0, 1, 8000, SSRC, silence), 0, 172, 0);
    const ev = rtp(101, 2, 8160, SSRC, Uint8Array.of(5, 0x0a, 0x01, 0x40), { marker: true }); // 320 ticks so far
    expect(t.push(ev, 0, ev.length, 20)).toBe(2);
    // The sender also sends (silent) audio: what the tone frames covered is not sent again.
    const counts: number[] = [];
    for (let k = 3; k < 7; k++) counts.push(t.push(rtp(0, k, 8000 + 160 * (k - 1), SSRC, silence), 0, 172, 20 * k));
    expect(counts).toEqual([0, 1, 1, 1]);
    const r = sink.packets.map(parseRtp);
    // No event packet goes out; audio keeps consecutive sequence numbers and timestamps, the tone in it.
    expect(r.map((x) => [x.pt, x.seq, x.ts])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [8, 1 + i, 8000 + 160 * i]));
    const rms = (p: Buffer): number => Math.sqrt(p.reduce((e, b) => { const v = ALAW_DECODE[b]!; return e + v * v; }, 0) / p.length);
    expect(rms(r[0]!.payload)).toBeLessThan(10);
    expect(rms(r[1]!.payload)).toBeGreaterThan(1000);
    expect(rms(r[2]!.payload)).toBeGreaterThan(1000);
  });

  test('a sender that sends only events meanwhile: the tone frames carry the audio timeline until it resumes', () => {
    const { t, sink } = run(directionConfig(PCMU, G722, { dtmfIn: [{ pt: 101, clock: 8000 }] }));
    const silence = new Uint8Array(160).fill(0xff);
    t.push(rtp(0, 1, 8000, SSRC, silence), 0, 172, 0);
    t.push(rtp(0, 2, 8160, SSRC, silence), 0, 172, 20);
    const ev = (seq: number, dur: number, end: boolean, marker = false): Buffer =>
      rtp(101, seq, 8320, SSRC, Uint8Array.of(1, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff), { marker });
    const counts = [t.push(ev(3, 400, false, true), 0, 16, 50), t.push(ev(4, 800, false), 0, 16, 100), t.push(ev(5, 960, true), 0, 16, 120)];
    t.push(ev(6, 960, true), 0, 16, 121); // retransmitted end: nothing new
    expect(t.push(rtp(0, 7, 8320 + 960, SSRC, silence), 0, 172, 140)).toBe(1);
    expect(t.push(rtp(0, 8, 8320 + 1120, SSRC, silence), 0, 172, 160)).toBe(1);
    expect(counts).toEqual([2, 3, 1]);
    const r = sink.packets.map(parseRtp);
    expect(r.map((x) => [x.pt, x.seq, x.ts])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [9, 1 + i, 8000 + 160 * i]));
    const dec = createDecoder(G722.codec)!;
    const pcm = new Int16Array(320);
    const level = r.map((x) => { dec.decode(x.payload, 0, 160, pcm, 0); return Math.sqrt(pcm.reduce((e, v) => e + v * v, 0) / 320); });
    expect(level.slice(2, 8).every((v) => v > 1000)).toBe(true); // the 120 ms tone
    expect(level[9]).toBeLessThan(300); // (frame 8 still has the codecs' decay of it)
  });

  test('in-band DTMF in the sender\'s audio becomes RFC 4733 events on dtmfOut (detectInband), in the same sequence space', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA, { detectInband: true, dtmfOut: { pt: 101, clock: 8000 } }));
    // digit 5: 770 Hz + 1336 Hz, 200 ms, between 100 ms silences
    const pcm = new Int16Array(8000 * 0.6);
    for (let i = 800; i < 2400; i++) pcm[i] = Math.round(5000 * (Math.sin((2 * Math.PI * 770 * i) / 8000) + Math.sin((2 * Math.PI * 1336 * i) / 8000)));
    for (let k = 0; k < 30; k++) {
      const frame = new Uint8Array(160);
      for (let i = 0; i < 160; i++) frame[i] = ULAW_ENCODE[pcm[k * 160 + i]! & 0xffff]!;
      t.push(rtp(0, 100 + k, 160 * k, SSRC, frame), 0, 172, 20 * k);
    }
    const r = sink.packets.map(parseRtp);
    const ev = r.filter((x) => x.pt === 101);
    expect(ev.length).toBeGreaterThanOrEqual(3);
    expect(ev[0]!.marker).toBe(true);
    expect(ev.every((x) => x.payload[0] === 5 && x.ssrc === r[0]!.ssrc)).toBe(true);
    expect(ev.at(-1)!.payload[1]! & 0x80).toBe(0x80); // end bit
    // one sequence space: consecutive numbers over audio and events
    const seqs = r.map((x) => x.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(r.filter((x) => x.pt === 8)).toHaveLength(30);
  });

  test('while a re-timed event is in progress the sender\'s audio is not sent (rtpengine 10.5), numbers stay consecutive', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA, { dtmfIn: [{ pt: 101, clock: 8000 }], dtmfOut: { pt: 101, clock: 8000 } }));
    t.push(rtp(0, 1, 160, SSRC, ulawFrame(0)), 0, 172, 0);
    const ev = (seq: number, dur: number, end: boolean, marker = false): Buffer =>
      rtp(101, seq, 320, SSRC, Uint8Array.of(1, end ? 0x8a : 0x0a, dur >> 8, dur & 0xff), { marker });
    expect(t.push(ev(2, 160, false, true), 0, 16, 20)).toBe(1);
    expect(t.push(rtp(0, 3, 480, SSRC, ulawFrame(2)), 0, 172, 40)).toBe(0);
    expect(t.push(ev(4, 480, true), 0, 16, 60)).toBe(1);
    expect(t.push(rtp(0, 5, 800, SSRC, ulawFrame(4)), 0, 172, 80)).toBe(1);
    expect(sink.packets.map((p) => [parseRtp(p).pt, parseRtp(p).seq, parseRtp(p).ts])).toEqual([
      [8, 1, 160], [101, 2, 320], [101, 3, 320], [8, 4, 800],
    ]);
  });

  test('a telephone-event the DtmfProcessor refuses (too short) is a counted drop', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA, { dtmfIn: [{ pt: 101, clock: 8000 }], dtmfOut: { pt: 101, clock: 8000 } }));
    const ev = rtp(101, 2, 8160, SSRC, Uint8Array.of(5, 0x0a));
    expect(t.push(ev, 0, ev.length, 0)).toBe(-1);
    expect(t.stats.dtmfDropped).toBe(1);
    expect(sink.packets).toHaveLength(0);
  });

  test('CN toward a recipient without CN: noise frames at the CN level, one per ptime from tick(), until audio', () => {
    const a = run(directionConfig(PCMU, PCMA, { cnIn: [13] }));
    a.t.push(rtp(0, 1, 8000, SSRC, ulawFrame(0)), 0, 172, 0);
    const cn = rtp(13, 2, 8160, SSRC, Uint8Array.of(40));
    expect(a.t.push(cn, 0, cn.length, 20)).toBe(1);
    a.t.tick(30);
    a.t.tick(40);
    a.t.tick(60);
    a.t.tick(80);
    const level = rtp(13, 3, 8960, SSRC, Uint8Array.of(30));
    expect(a.t.push(level, 0, level.length, 85)).toBe(0);
    a.t.tick(100);
    expect(a.t.push(rtp(0, 4, 9600, SSRC, ulawFrame(1)), 0, 172, 110)).toBe(1);
    a.t.tick(120);
    a.t.tick(140);
    const r = a.sink.packets.map(parseRtp);
    expect(r.map((x) => [x.pt, x.seq, x.ts])).toEqual([
      [8, 1, 8000], [8, 2, 8160], [8, 3, 8320], [8, 4, 8480], [8, 5, 8640], [8, 6, 8800], [8, 7, 9600],
    ]);
    // -40 dBov noise is quiet but not digital silence; -30 dBov is louder.
    const rms = (p: Buffer): number => Math.sqrt(p.reduce((e, b) => { const v = ALAW_DECODE[b]!; return e + v * v; }, 0) / p.length);
    expect(rms(r[1]!.payload)).toBeGreaterThan(100);
    expect(rms(r[1]!.payload)).toBeLessThan(700);
    expect(rms(r[5]!.payload)).toBeGreaterThan(rms(r[1]!.payload) * 2);
  });

  test('CN passed on with CN at the same clock on the recipient side; dropped at another clock', () => {
    const cn = rtp(13, 2, 8160, SSRC, Uint8Array.of(40));
    const b = run(directionConfig(PCMU, PCMA, { cnIn: [13], cnOut: 13 }));
    b.t.push(rtp(0, 1, 8000, SSRC, ulawFrame(0)), 0, 172, 0);
    expect(b.t.push(cn, 0, cn.length, 0)).toBe(1);
    expect(parseRtp(b.sink.packets[1]!)).toMatchObject({ pt: 13, seq: 2, ts: 8160 });
    const c = run(directionConfig(PCMU, L16_16K, { cnIn: [13], cnOut: 13 }));
    expect(c.t.push(cn, 0, cn.length, 0)).toBe(-1);
    expect(c.t.stats.cnDropped).toBe(1);
  });

  test('a payload type the sender may not send is a counted drop', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    const p = rtp(8, 1, 0, SSRC, new Uint8Array(160));
    expect(t.push(p, 0, p.length, 0)).toBe(-1);
    expect(t.stats.unknownPt).toBe(1);
    expect(sink.packets).toHaveLength(0);
  });
});

describe('malformed input (RFC 3550 §5.1)', () => {
  const payload = ulawFrame(0);
  const cases: [string, Buffer][] = [
    ['short', Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])],
    ['version 1', rtp(0, 1, 0, SSRC, payload, { version: 1 })],
    ['CSRC count beyond the end', rtp(0, 1, 0, SSRC, new Uint8Array(0)).fill(0x8f, 0, 1)],
    ['extension beyond the end', (() => { const b = rtp(0, 1, 0, SSRC, new Uint8Array(8), { ext: { profile: 0xbede, words: 1 } }); b.writeUInt16BE(50, 14); return b; })()],
    ['padding longer than the payload', (() => { const b = rtp(0, 1, 0, SSRC, new Uint8Array(4), { pad: 1 }); b[b.length - 1] = 200; return b; })()],
    ['padding count 0', (() => { const b = rtp(0, 1, 0, SSRC, new Uint8Array(4), { pad: 1 }); b[b.length - 1] = 0; return b; })()],
  ];
  test.each(cases)('%s → -1', (_name, b) => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    expect(t.push(b, 0, b.length, 0)).toBe(-1);
    expect(t.stats.malformed).toBe(1);
    expect(sink.packets).toHaveLength(0);
  });

  test('empty payload and an undecodable one are counted drops', () => {
    const { t } = run(directionConfig(PCMU, PCMA));
    const empty = rtp(0, 1, 0, SSRC, new Uint8Array(0));
    expect(t.push(empty, 0, empty.length, 0)).toBe(-1);
    const odd = rtp(97, 1, 0, SSRC, new Uint8Array(3));
    const l = run(directionConfig(L16_16K, PCMA));
    expect(l.t.push(odd, 0, odd.length, 0)).toBe(-1);
    expect(t.stats.undecodable + l.t.stats.undecodable).toBe(2);
  });

  test('CSRCs, an extension and padding are skipped; the output has none of them', () => {
    const { t, sink } = run(directionConfig(PCMU, PCMA));
    const b = rtp(0, 9, 90, SSRC, payload, { csrcs: [1, 2], ext: { profile: 0xbede, words: 2 }, pad: 4, marker: true });
    const off = 7;
    const framed = Buffer.concat([Buffer.alloc(off, 0xee), b, Buffer.alloc(5, 0xee)]);
    expect(t.push(framed, off, b.length, 0)).toBe(1);
    const r = parseRtp(sink.packets[0]!);
    expect(r).toMatchObject({ cc: 0, x: false, p: false, seq: 9, ts: 90, marker: true });
    expect([...r.payload]).toEqual([...payload].map((x) => ULAW_TO_ALAW[x]));
  });

  test('close() is idempotent and push after it is a drop', () => {
    const { t } = run(directionConfig(PCMU, G722));
    t.close();
    t.close();
    const b = rtp(0, 1, 0, SSRC, payload);
    expect(t.push(b, 0, b.length, 0)).toBe(-1);
  });
});

describe('fuzz', () => {
  const names = ['PCMU', 'PCMA', 'G722', 'L16', 'opus'] as const;
  // xorshift32: reproducible random bytes
  let s = 0x9e3779b9;
  const rnd = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };

  test.each(names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b] as const)))('random payloads and headers %s → %s: no throw, bounded output', (a, b) => {
    const { t, sink } = run(directionConfig(CODECS[a], CODECS[b], { passthrough: [101], dtmfIn: [{ pt: 102, clock: 8000 }], dtmfOut: { pt: 101, clock: 8000 }, cnIn: [13], cnOut: 13 }));
    const pts = [CODECS[a].pt, CODECS[a].pt, 101, 102, 13, 0, 8, 9, 96, 97, 127];
    for (let i = 0; i < 400; i++) {
      const len = rnd() % 1500;
      const payload = new Uint8Array(len);
      for (let j = 0; j < len; j++) payload[j] = rnd() & 0xff;
      const p = rtp(pts[rnd() % pts.length]!, rnd() & 0xffff, rnd(), i % 50 === 0 ? rnd() : SSRC, payload);
      if (i % 7 === 0) p[0] = rnd() & 0xff; // random first octet: version, P, X, CC
      const before = sink.packets.length;
      const r = t.push(p, 0, p.length, i * 20);
      expect(r).toBeGreaterThanOrEqual(-1);
      expect(sink.packets.length - before).toBe(r < 0 ? 0 : r);
      expect(r).toBeLessThanOrEqual(8);
      t.tick(i * 20);
    }
    for (const p of sink.packets) expect(p.length).toBeLessThanOrEqual(12 + 12000);
    t.close();
  });
});
