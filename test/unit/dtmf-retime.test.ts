// transcode/dtmf.ts re-timing (cfg.dtmfOut set) and the RFC 4733 payload helpers of
// transcode/telephone-event.ts: timestamps and durations scaled across clocks, every packet passed
// once, malformed payloads dropped without throwing, a fuzz loop.
import { describe, expect, it } from 'vitest';
import { DtmfProcessor, EVENT_TIMEOUT_MS, type EventWriter } from '../../transcode/dtmf.js';
import {
  DTMF_EVENT_AT, DTMF_EVENT_COL, DTMF_EVENT_ROW, dtmfEventChar, parseTelephoneEvent, TelephoneEvent, writeTelephoneEvent,
} from '../../transcode/telephone-event.js';
import { dtmfConfig as config } from '../helpers/dtmf-config.js';

interface Sent { event: number; end: boolean; volume: number; duration: number; ts: number; marker: boolean }

class Capture implements EventWriter {
  readonly sent: Sent[] = [];
  private readonly ev = new TelephoneEvent();
  sendEvent(payload: Uint8Array, off: number, len: number, timestamp: number, marker: boolean): void {
    expect(len).toBe(4);
    expect(parseTelephoneEvent(payload, off, len, this.ev)).toBe(true);
    const { event, end, volume, duration } = this.ev;
    this.sent.push({ event, end, volume, duration, ts: timestamp, marker });
  }
}

function pl(event: number, end: boolean, volume: number, duration: number): Uint8Array {
  const b = new Uint8Array(4);
  writeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  it('parses and builds every field', () => {
    const b = new Uint8Array(6);
    expect(writeTelephoneEvent(b, 2, 11, true, 10, 0x1234)).toBe(4);
    expect([...b.subarray(2)]).toEqual([11, 0x8a, 0x12, 0x34]);
    const e = new TelephoneEvent();
    expect(parseTelephoneEvent(b, 2, 4, e)).toBe(true);
    expect(e).toMatchObject({ event: 11, end: true, volume: 10, duration: 0x1234 });
    // R bit ignored, volume 6 bits, event 255 is a valid event.
    expect(parseTelephoneEvent(Uint8Array.of(255, 0x7f, 0xff, 0xff), 0, 4, e)).toBe(true);
    expect(e).toMatchObject({ event: 255, end: false, volume: 63, duration: 0xffff });
  });
  it('rejects payloads under 4 bytes and reads only the first event of longer ones', () => {
    const e = new TelephoneEvent();
    for (let len = 0; len < 4; len++) expect(parseTelephoneEvent(new Uint8Array(4), 0, len, e)).toBe(false);
    expect(parseTelephoneEvent(new Uint8Array(3), 0, 4, e)).toBe(false); // len beyond the buffer
    expect(parseTelephoneEvent(Uint8Array.of(5, 0, 0, 160, 9, 9, 9, 9), 0, 8, e)).toBe(true);
    expect(e.event).toBe(5);
  });
  it('has the Q.23 pairs of RFC 4733 §3.2 (1 = 697/1209, 0 = 941/1336, # = 941/1477, D = 941/1633)', () => {
    expect([DTMF_EVENT_ROW[1], DTMF_EVENT_COL[1]]).toEqual([0, 0]);
    expect([DTMF_EVENT_ROW[0], DTMF_EVENT_COL[0]]).toEqual([3, 1]);
    expect([DTMF_EVENT_ROW[11], DTMF_EVENT_COL[11]]).toEqual([3, 2]);
    expect([DTMF_EVENT_ROW[15], DTMF_EVENT_COL[15]]).toEqual([3, 3]);
    for (let e = 0; e < 16; e++) expect(DTMF_EVENT_AT[DTMF_EVENT_ROW[e]! * 4 + DTMF_EVENT_COL[e]!]).toBe(e);
    expect([...Array(16).keys()].map(dtmfEventChar).join('')).toBe('0123456789*#ABCD');
  });
});

describe('DtmfProcessor re-timing', () => {
  it('scales timestamps and durations 8000 → 48000 through the audio clock map, passes end retransmissions once each', () => {
    const cap = new Capture();
    const p = new DtmfProcessor(config(), 48000, cap);
    // Audio input ts 1000 (8 kHz) went out as 50000 (48 kHz).
    p.setClockMap(8000, 1000, 50000);
    const ts = 1160; // the event starts 160 samples (20 ms) after that audio packet
    expect(p.onEventPacket(pl(5, false, 10, 160), 0, 4, 101, ts, true, 0)).toBe(true);
    p.setClockMap(8000, 1160, 50960); // audio goes on: the event keeps its first mapping
    expect(p.onEventPacket(pl(5, false, 10, 400), 0, 4, 101, ts, false, 50)).toBe(true);
    for (let i = 0; i < 3; i++) expect(p.onEventPacket(pl(5, true, 10, 800), 0, 4, 101, ts, false, 100 + i)).toBe(true);
    expect(cap.sent).toEqual([
      { event: 5, end: false, volume: 10, duration: 960, ts: 50960, marker: true },
      { event: 5, end: false, volume: 10, duration: 2400, ts: 50960, marker: false },
      { event: 5, end: true, volume: 10, duration: 4800, ts: 50960, marker: false },
      { event: 5, end: true, volume: 10, duration: 4800, ts: 50960, marker: false },
      { event: 5, end: true, volume: 10, duration: 4800, ts: 50960, marker: false },
    ]);
    // The next event (new input timestamp) is mapped anew and starts with the marker even if the sender's was lost.
    p.setClockMap(8000, 4000, 66840);
    expect(p.onEventPacket(pl(11, false, 10, 160), 0, 4, 101, 4000 + 80, false, 1000)).toBe(true);
    expect(cap.sent[5]).toEqual({ event: 11, end: false, volume: 10, duration: 960, ts: 66840 + 480, marker: true });
  });

  it('scales down (48000 → 8000), handles timestamp wrap, and picks the dtmfIn entry by PT', () => {
    const cap = new Capture();
    const p = new DtmfProcessor(
      config({
        dtmfIn: [{ pt: 101, clock: 8000 }, { pt: 110, clock: 48000 }],
        dtmfOut: { pt: 101, clock: 8000 },
        encoder: { pt: 8, codec: { name: 'PCMA', clock: 8000, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } },
      }),
      8000, cap,
    );
    p.setClockMap(48000, 0xffffff00, 0xfffffff0);
    expect(p.onEventPacket(pl(1, false, 7, 960), 0, 4, 110, 0x100 /* wrapped: 512 after */, true, 0)).toBe(true);
    expect(cap.sent[0]).toEqual({ event: 1, end: false, volume: 7, duration: 160, ts: 69, marker: true }); // 0xfffffff0 + 512/6 wraps to 69
    expect(p.onEventPacket(pl(1, false, 7, 960), 0, 4, 99, 0x100, true, 0)).toBe(false); // PT not in dtmfIn
  });

  it('splits a duration past 0xFFFF after scaling into segments (RFC 4733 §2.5.1.3)', () => {
    const cap = new Capture();
    const p = new DtmfProcessor(config(), 48000, cap);
    p.setClockMap(8000, 0, 0);
    p.onEventPacket(pl(3, false, 10, 10000), 0, 4, 101, 0, true, 0); // 60000 at 48 kHz: fits
    p.onEventPacket(pl(3, false, 10, 12000), 0, 4, 101, 0, false, 0); // 72000: segment 2
    p.onEventPacket(pl(3, true, 10, 30000), 0, 4, 101, 0, false, 0); // 180000: segment 3
    expect(cap.sent.map((s) => [s.ts, s.duration, s.marker])).toEqual([
      [0, 60000, true], [65535, 72000 - 65535, false], [131070, 180000 - 131070, false],
    ]);
  });

  it('drops short payloads and unknown PTs without throwing; passes duration 0, decreasing durations and events 16-255 (as rtpengine 10.5)', () => {
    const cap = new Capture();
    const p = new DtmfProcessor(config(), 48000, cap);
    p.setClockMap(8000, 0, 0);
    expect(p.onEventPacket(new Uint8Array(3), 0, 3, 101, 0, true, 0)).toBe(false);
    expect(p.onEventPacket(pl(1, false, 10, 160), 0, 2, 101, 0, true, 0)).toBe(false);
    expect(p.onEventPacket(pl(1, false, 10, 160), 0, 4, 100, 0, true, 0)).toBe(false);
    expect(cap.sent).toHaveLength(0);
    // What rtpengine 10.5 sent for the same input (test/dev/dtmf-rtpengine-probe.mjs retime): durations 0, 320, 160, 640, end 0.
    for (const [d, end] of [[0, false], [320, false], [160, false], [640, false], [0, true]] as const) {
      expect(p.onEventPacket(pl(9, end, 10, d), 0, 4, 101, 4800, d === 0 && !end, 0)).toBe(true);
    }
    expect(cap.sent.map((s) => [s.duration, s.end, s.marker, s.ts])).toEqual([
      [0, false, true, 28800], [1920, false, false, 28800], [960, false, false, 28800], [3840, false, false, 28800], [0, true, false, 28800],
    ]);
    expect(p.onEventPacket(pl(200, false, 0, 160), 0, 4, 101, 9600, true, 0)).toBe(true);
    expect(cap.sent[5]).toMatchObject({ event: 200, duration: 960 });
    p.close();
    p.close();
    expect(p.onEventPacket(pl(1, false, 10, 160), 0, 4, 101, 0, true, 0)).toBe(false);
  });

  it('suppresses the sender\'s audio from an event\'s first packet to its end, or EVENT_TIMEOUT_MS after its last packet', () => {
    const p = new DtmfProcessor(config(), 48000, new Capture());
    expect(p.audioSuppressed(0)).toBe(false);
    p.onEventPacket(pl(1, false, 10, 160), 0, 4, 101, 1000, true, 100);
    expect(p.audioSuppressed(120)).toBe(true);
    p.onEventPacket(pl(1, true, 10, 480), 0, 4, 101, 1000, false, 140);
    expect(p.audioSuppressed(141)).toBe(false);
    p.onEventPacket(pl(2, false, 10, 160), 0, 4, 101, 9000, true, 1000);
    expect(p.audioSuppressed(1000 + EVENT_TIMEOUT_MS)).toBe(true);
    expect(p.audioSuppressed(1001 + EVENT_TIMEOUT_MS)).toBe(false);
    p.close();
    expect(p.audioSuppressed(1001)).toBe(false);
  });

  it('survives a fuzz loop of random payloads, PTs, timestamps and lengths (both modes)', () => {
    let seed = 12345;
    const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
    for (const dtmfOut of [{ pt: 126, clock: 48000 }, null]) {
      const cap = new Capture();
      const p = new DtmfProcessor(config({ dtmfOut }), 48000, cap);
      const buf = new Uint8Array(16);
      const pcm = new Int16Array(960);
      let now = 0;
      for (let i = 0; i < 20000; i++) {
        for (let j = 0; j < buf.length; j++) buf[j] = rnd() & 0xff;
        const len = rnd() % 17;
        const pt = rnd() % 3 === 0 ? rnd() & 0x7f : 101;
        const ok = p.onEventPacket(buf, 0, len, pt, rnd() % 4 === 0 ? rnd() : 1000, (rnd() & 1) === 1, now);
        expect(typeof ok).toBe('boolean');
        if (len < 4 || pt !== 101) expect(ok).toBe(false);
        if (i % 7 === 0) p.setClockMap(8000, rnd(), rnd());
        if (i % 5 === 0) p.processPcm(pcm, 0, 960, rnd(), now);
        if (i % 11 === 0) p.tick(now);
        now += 3;
      }
      for (const s of cap.sent) {
        expect(s.duration).toBeGreaterThanOrEqual(0);
        expect(s.duration).toBeLessThanOrEqual(0xffff);
        expect(Number.isInteger(s.ts) && s.ts >= 0 && s.ts <= 0xffffffff).toBe(true);
      }
      // Whatever happened, no tone outlives its timeout: silence in, silence out.
      p.tick(now + 10000);
      pcm.fill(0);
      p.processPcm(pcm, 0, 960, 0, now + 10000);
      expect(pcm.every((x) => x === 0)).toBe(true);
      p.close();
    }
  });
});
