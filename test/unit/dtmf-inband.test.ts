// transcode/dtmf.ts in-band: RFC 4733 events played as Q.23 tones into the PCM (no dtmfOut), and
// Goertzel detection of in-band tones into events (detectInband + dtmfOut). Round trip: every
// event generated, then detected (also through G.711 µ-law and at 8/16/48 kHz); no detection on
// speech-like signals or single tones; bad durations never leave a tone on.
import { describe, expect, it } from 'vitest';
import { DtmfDetector } from '../../transcode/dtmf-detector.js';
import { DBM0_PEAK, DtmfToneGenerator, tonePeak } from '../../transcode/dtmf-tone.js';
import { DtmfProcessor, EVENT_TIMEOUT_MS, type EventWriter } from '../../transcode/dtmf.js';
import { decodeUlaw, encodeUlaw } from '../../transcode/g711.js';
import { parseTelephoneEvent, TelephoneEvent, writeTelephoneEvent } from '../../transcode/telephone-event.js';
import { dtmfConfig } from '../helpers/dtmf-config.js';

interface Sent { event: number; end: boolean; volume: number; duration: number; ts: number; marker: boolean }
class Capture implements EventWriter {
  readonly sent: Sent[] = [];
  private readonly ev = new TelephoneEvent();
  sendEvent(payload: Uint8Array, off: number, len: number, timestamp: number, marker: boolean): void {
    parseTelephoneEvent(payload, off, len, this.ev);
    const { event, end, volume, duration } = this.ev;
    this.sent.push({ event, end, volume, duration, ts: timestamp, marker });
  }
}
const nullWriter: EventWriter = { sendEvent: () => { throw new Error('no events expected'); } };

function pl(event: number, end: boolean, volume: number, duration: number): Uint8Array {
  const b = new Uint8Array(4);
  writeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

function rms(pcm: Int16Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += pcm[i]! * pcm[i]!;
  return Math.sqrt(e / Math.max(1, to - from));
}

/** A 8 kHz G.711 stream (PCMU in, telephone-event/8000 in) transcoded to `rate` PCM with clock `clock`, no dtmfOut. */
function inbandProcessor(rate: number, clock: number): DtmfProcessor {
  return new DtmfProcessor(
    dtmfConfig({
      dtmfOut: null,
      encoder: { pt: 9, codec: { name: 'X', clock, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } },
    }),
    rate, nullWriter,
  );
}

/**
 * Plays `digits` as RFC 4733 events (toneMs each, pauseMs apart, updates every 50 ms, three end packets) through
 * a processor at `rate`, 20 ms packets of speech-free silence, and returns the PCM it produced (optionally µ-law'd).
 */
function playEvents(digits: number[], rate: number, toneMs: number, pauseMs: number, ulaw: boolean): Int16Array {
  const clock = rate === 16000 ? 8000 : rate; // G.722-like: RTP clock 8000 for 16 kHz PCM
  const p = inbandProcessor(rate, clock);
  const frame = rate / 50;
  const tsPerFrame = clock / 50;
  const totalFrames = Math.ceil((digits.length * (toneMs + pauseMs) + 100) / 20);
  const out = new Int16Array(totalFrames * frame);
  // Event schedule in 8 kHz input timestamp units: event k starts at 50 ms + k * (tone + pause).
  const starts = digits.map((_, k) => 400 + k * 8 * (toneMs + pauseMs));
  const code = new Uint8Array(frame);
  for (let f = 0; f < totalFrames; f++) {
    const inTs = f * 160;
    const now = f * 20;
    p.setClockMap(8000, inTs, f * tsPerFrame);
    // Events whose packets are due in this 20 ms (every 50 ms of event time, and the three ends).
    for (let k = 0; k < digits.length; k++) {
      const s = starts[k]!;
      for (let t = s; t < s + toneMs * 8; t += 400) {
        if (t >= inTs && t < inTs + 160) p.onEventPacket(pl(digits[k]!, false, 10, t - s + 400 > toneMs * 8 ? toneMs * 8 : t - s + 400), 0, 4, 101, s, t === s, now);
      }
      const e = s + toneMs * 8;
      if (e >= inTs && e < inTs + 160) for (let r = 0; r < 3; r++) p.onEventPacket(pl(digits[k]!, true, 10, toneMs * 8), 0, 4, 101, s, false, now);
    }
    const pcm = out.subarray(f * frame, (f + 1) * frame);
    p.processPcm(pcm, 0, frame, f * tsPerFrame, now);
    if (ulaw) { encodeUlaw(pcm, 0, frame, code, 0); decodeUlaw(code, 0, frame, pcm, 0); }
    p.tick(now);
  }
  p.close();
  return out;
}

/** Runs PCM at `rate` through a detecting processor in 20 ms frames; returns the events it sent. */
function detect(pcm: Int16Array, rate: number, clock = rate): Sent[] {
  const cap = new Capture();
  const p = new DtmfProcessor(
    dtmfConfig({
      dtmfIn: [], detectInband: true, dtmfOut: { pt: 101, clock },
      encoder: { pt: 9, codec: { name: 'X', clock, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } },
    }),
    rate, cap,
  );
  const frame = rate / 50;
  for (let f = 0; f * frame < pcm.length; f++) {
    const n = Math.min(frame, pcm.length - f * frame);
    p.processPcm(pcm, f * frame, n, (1000 + (f * frame * clock) / rate) >>> 0, f * 20);
  }
  p.tick(pcm.length / rate * 1000 + 1000);
  p.close();
  return cap.sent;
}

function digitsOf(sent: Sent[]): number[] {
  return sent.filter((s) => s.marker).map((s) => s.event);
}

const ALL = [...Array(16).keys()];

describe('in-band generation of RFC 4733 events', () => {
  it('writes the tone for the event duration only, at rtpengine\'s level for volume 10 (pair peak -10 dB full scale)', () => {
    const pcm = playEvents([5], 8000, 100, 100, false);
    // Event from 50 ms (sample 400) for 100 ms.
    expect(rms(pcm, 0, 400)).toBe(0);
    expect(rms(pcm, 1200, pcm.length)).toBe(0);
    // Two equal sines of peak a: RMS a. rtpengine 10.5 at volume 10 (probe): pair peak 10496 in PCMA.
    expect(tonePeak(10) * 2).toBeGreaterThan(10362 - 1);
    expect(rms(pcm, 400, 1200)).toBeGreaterThan(tonePeak(10) * 0.97);
    expect(rms(pcm, 400, 1200)).toBeLessThan(tonePeak(10) * 1.03);
    let peak = 0;
    for (const x of pcm) peak = Math.max(peak, Math.abs(x));
    expect(Math.abs(peak - 10362) / 10362).toBeLessThan(0.02);
  });

  it('without a clock map yet, starts the tone at the next PCM and plays the event duration from there', () => {
    const p = inbandProcessor(16000, 8000); // G.722-like: RTP clock 8000, PCM 16000
    expect(p.onEventPacket(pl(7, true, 10, 240), 0, 4, 101, 5555, true, 0)).toBe(true); // 30 ms
    const pcm = new Int16Array(640);
    p.processPcm(pcm, 0, 640, 777, 1);
    expect(rms(pcm, 0, 480)).toBeGreaterThan(1000);
    expect(rms(pcm, 480, 640)).toBe(0);
    p.close();
  });

  it('the tone generator stays on frequency and level over 5 s of 20 ms fills (48 kHz)', () => {
    const g = new DtmfToneGenerator(48000);
    g.start(15, 10); // D: 941 + 1633 Hz
    const pcm = new Int16Array(960);
    const a = tonePeak(10);
    for (let f = 0; f < 250; f++) {
      g.fill(pcm, 0, 960);
      if (f % 50 !== 49) continue;
      for (let i = 0; i < 960; i++) {
        const k = f * 960 + i;
        const want = a * (Math.sin((2 * Math.PI * 941 * k) / 48000) + Math.sin((2 * Math.PI * 1633 * k) / 48000));
        expect(Math.abs(pcm[i]! - want)).toBeLessThan(2);
      }
    }
  });

  it('takes the level from the volume field', () => {
    const p = inbandProcessor(8000, 8000);
    p.setClockMap(8000, 0, 0);
    expect(p.onEventPacket(pl(1, false, 30, 800), 0, 4, 101, 0, true, 0)).toBe(true);
    const pcm = new Int16Array(160);
    p.processPcm(pcm, 0, 160, 0, 0);
    expect(rms(pcm, 0, 160) / tonePeak(30)).toBeCloseTo(1, 1);
  });

  // G.711 is 8 kHz only; the other rates run linear.
  for (const [rate, ulaw] of [[8000, false], [8000, true], [16000, false], [48000, false]] as const) {
    {
      it(`round trip at ${rate} Hz${ulaw ? ' through µ-law' : ''}: all 16 events played, then detected in order`, () => {
        const pcm = playEvents(ALL, rate, 100, 80, ulaw);
        const sent = detect(pcm, rate);
        expect(digitsOf(sent)).toEqual(ALL);
        // Each digit: one start (marker), updates, three end packets with the same ts, duration about 100 ms.
        for (const d of ALL) {
          const mine = sent.filter((s) => s.event === d);
          const ends = mine.filter((s) => s.end);
          expect(ends).toHaveLength(3);
          expect(new Set(mine.map((s) => s.ts)).size).toBe(1);
          const ms = (ends[0]!.duration / rate) * 1000;
          expect(ms).toBeGreaterThan(85);
          expect(ms).toBeLessThan(115);
          expect(mine.length).toBeGreaterThanOrEqual(4);
          expect(ends[0]!.volume).toBeGreaterThanOrEqual(9);
          expect(ends[0]!.volume).toBeLessThanOrEqual(11);
        }
      });
    }
  }

  it('bad durations never stick a tone on: decreasing, never ended, duration 0', () => {
    const p = inbandProcessor(8000, 8000);
    const pcm = new Int16Array(160);
    p.setClockMap(8000, 0, 0);
    expect(p.onEventPacket(pl(2, false, 10, 800), 0, 4, 101, 0, true, 0)).toBe(true);
    expect(p.onEventPacket(pl(2, false, 10, 400), 0, 4, 101, 0, false, 50)).toBe(true); // decreasing: ignored
    expect(p.onEventPacket(pl(2, false, 10, 0), 0, 4, 101, 0, false, 60)).toBe(true); // duration 0: changes nothing
    p.processPcm(pcm, 0, 160, 160, 60);
    expect(rms(pcm, 0, 160)).toBeGreaterThan(1000);
    // No end packet, no further update: the tone stops after the timeout, even with audio flowing.
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 320, 60 + EVENT_TIMEOUT_MS + 1); // 60: the last packet
    expect(rms(pcm, 0, 160)).toBe(0);
    // Same with only tick() running.
    p.onEventPacket(pl(3, false, 10, 160), 0, 4, 101, 8000, true, 1000);
    p.tick(1000 + EVENT_TIMEOUT_MS + 1);
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 8000, 1000 + EVENT_TIMEOUT_MS + 2);
    expect(rms(pcm, 0, 160)).toBe(0);
    // An ended event ends at its largest duration; a retransmitted end does not restart it.
    p.onEventPacket(pl(4, false, 10, 800), 0, 4, 101, 16000, true, 2000);
    p.onEventPacket(pl(4, true, 10, 80), 0, 4, 101, 16000, false, 2001); // end with a smaller duration
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 16000 + 720, 2002);
    expect(rms(pcm, 0, 80)).toBeGreaterThan(1000);
    expect(rms(pcm, 80, 160)).toBe(0);
    p.onEventPacket(pl(4, true, 10, 800), 0, 4, 101, 16000, false, 2003);
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 16000, 2004);
    expect(rms(pcm, 0, 160)).toBe(0);
    // A late end of an earlier event does not replace the one playing.
    p.onEventPacket(pl(8, false, 10, 160), 0, 4, 101, 17000, true, 2200);
    p.onEventPacket(pl(4, true, 10, 800), 0, 4, 101, 16000, false, 2201);
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 17000, 2202);
    expect(rms(pcm, 0, 160)).toBeGreaterThan(1000);
    // An event started with duration 0 and ended with duration 0 plays nothing.
    p.onEventPacket(pl(6, false, 10, 0), 0, 4, 101, 20000, true, 2500);
    p.onEventPacket(pl(6, true, 10, 0), 0, 4, 101, 20000, false, 2501);
    pcm.fill(0);
    p.processPcm(pcm, 0, 160, 20000, 2502);
    expect(rms(pcm, 0, 160)).toBe(0);
    // Events without a Q.23 pair are accepted but play nothing.
    expect(p.onEventPacket(pl(16, false, 10, 160), 0, 4, 101, 24000, true, 3000)).toBe(true);
    p.processPcm(pcm, 0, 160, 24000, 3000);
    expect(rms(pcm, 0, 160)).toBe(0);
    p.close();
  });
});

/** Deterministic PRNG in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s | 0) / 2147483648; };
}

/** Speech-like: voiced segments (glottal pulse train with a gliding f0, through two formant resonators) and fricative noise. */
function speechLike(rate: number, seconds: number, seed: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  const rnd = noise(seed);
  let phase = 0;
  const y = new Float64Array(4);
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const seg = Math.floor(t / 0.18) % 3; // voiced, voiced, fricative
    const f0 = 110 + 60 * Math.sin(2 * Math.PI * 1.3 * t) + 20 * seg;
    phase += f0 / rate;
    let x = 0;
    if (seg < 2) { if (phase >= 1) { phase -= 1; x = 1; } } else x = rnd() * 0.3;
    // Two resonators (formants wandering 500-900 Hz and 1100-1900 Hz).
    const f1 = 700 + 200 * Math.sin(2 * Math.PI * 2.1 * t), f2 = 1500 + 400 * Math.sin(2 * Math.PI * 1.7 * t);
    const r = 0.97;
    const a1 = 2 * r * Math.cos((2 * Math.PI * f1) / rate), a2 = 2 * r * Math.cos((2 * Math.PI * f2) / rate);
    const v1 = x + a1 * y[0]! - r * r * y[1]!; y[1] = y[0]!; y[0] = v1;
    const v2 = v1 + a2 * y[2]! - r * r * y[3]!; y[3] = y[2]!; y[2] = v2;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v2 * 120 + rnd() * 200)));
  }
  return out;
}

function sine(rate: number, seconds: number, freqs: number[], amp: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / rate);
    out[i] = Math.round(amp * v);
  }
  return out;
}

describe('in-band detection', () => {
  for (const rate of [8000, 16000, 48000]) {
    it(`no false digits at ${rate} Hz: speech-like audio, 400 Hz, 1 kHz, 400+1000 Hz, noise`, () => {
      expect(detect(speechLike(rate, 4, 7), rate)).toEqual([]);
      expect(detect(speechLike(rate, 4, 99), rate)).toEqual([]);
      expect(detect(sine(rate, 2, [400], 10000), rate)).toEqual([]);
      expect(detect(sine(rate, 2, [1000], 10000), rate)).toEqual([]);
      expect(detect(sine(rate, 2, [400, 1000], 8000), rate)).toEqual([]);
      const rnd = noise(3);
      const n = new Int16Array(rate * 2).map(() => Math.round(rnd() * 8000));
      expect(detect(n, rate)).toEqual([]);
    });
  }

  it('detects a digit mixed with speech-like audio 15 dB below it', () => {
    const rate = 8000;
    const g = new DtmfToneGenerator(rate);
    const pcm = speechLike(rate, 1, 5);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(pcm[i]! * 0.2);
    const tone = new Int16Array(1200);
    g.start(9, 10);
    g.fill(tone, 0, 1200);
    for (let i = 0; i < 1200; i++) pcm[2000 + i] = pcm[2000 + i]! + tone[i]!;
    expect(digitsOf(detect(pcm, rate))).toEqual([9]);
  });

  it('timing: 40 ms of tone starts a digit, 20 ms does not; the start timestamp is where the tone began', () => {
    const rate = 8000;
    const g = new DtmfToneGenerator(rate);
    for (const [ms, expected] of [[45, [3]], [20, []]] as const) {
      const pcm = new Int16Array(rate);
      g.start(3, 10);
      g.fill(pcm, 1600, (ms * rate) / 1000);
      const sent = detect(pcm, rate);
      expect(digitsOf(sent)).toEqual(expected);
      if (expected.length) expect(Math.abs(sent[0]!.ts - (1000 + 1600))).toBeLessThan(110);
    }
  });

  it('a digit whose audio stops is ended by tick()', () => {
    const cap = new Capture();
    const p = new DtmfProcessor(dtmfConfig({ dtmfIn: [], detectInband: true, dtmfOut: { pt: 101, clock: 8000 },
      encoder: { pt: 0, codec: { name: 'PCMU', clock: 8000, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } } }), 8000, cap);
    const g = new DtmfToneGenerator(8000);
    g.start(0, 10);
    const pcm = new Int16Array(160);
    for (let f = 0; f < 10; f++) { g.fill(pcm, 0, 160); p.processPcm(pcm, 0, 160, f * 160, f * 20); }
    expect(cap.sent.some((s) => s.end)).toBe(false);
    p.tick(180 + EVENT_TIMEOUT_MS + 1);
    expect(cap.sent.filter((s) => s.end)).toHaveLength(3);
    p.close();
  });

  /** The digit the detector alone starts on 100 ms (or ms) of a tone pair at the given frequencies and levels, -1 none. */
  function detectPair(fl: number, fh: number, dbl: number, dbh: number, ms = 100, offset = 1000): number {
    const rate = 8000;
    const d = new DtmfDetector(rate);
    const pcm = new Int16Array(rate);
    const al = DBM0_PEAK * 10 ** (dbl / 20), ah = DBM0_PEAK * 10 ** (dbh / 20);
    for (let i = 0; i < (ms * rate) / 1000; i++) {
      pcm[offset + i] = Math.round(al * Math.sin((2 * Math.PI * fl * i) / rate) + ah * Math.sin((2 * Math.PI * fh * i) / rate));
    }
    let got = -1;
    for (let i = 0; i < pcm.length;) {
      i += d.feed(pcm, i, pcm.length - i);
      if (d.blockDone && d.startedNow) got = d.digit;
    }
    return got;
  }

  it('Q.24-like tolerances: ±1.5 % frequency accepted, ±3.5 % rejected; twist; minimum level; duration', () => {
    for (const dev of [-0.015, 0, 0.015]) expect(detectPair(770 * (1 + dev), 1336 * (1 + dev), -10, -10)).toBe(5);
    for (const dev of [-0.035, 0.035, 0.05]) {
      expect(detectPair(770 * (1 + dev), 1336, -10, -10)).toBe(-1);
      expect(detectPair(770, 1336 * (1 + dev), -10, -10)).toBe(-1);
    }
    for (const tw of [-8, -4, 0, 4, 6]) expect(detectPair(770, 1336, -10, -10 + tw)).toBe(5);
    for (const tw of [-12, 8, 12]) expect(detectPair(770, 1336, -10, -10 + tw)).toBe(-1);
    for (const lv of [-3, -20, -30]) expect(detectPair(697, 1633, lv, lv)).toBe(12);
    for (const lv of [-36, -45]) expect(detectPair(697, 1633, lv, lv)).toBe(-1);
    // Whatever the alignment to the 12.75 ms blocks: 50 ms always starts a digit, 23 ms never does.
    for (let off = 1000; off < 1102; off += 17) {
      expect(detectPair(852, 1477, -10, -10, 50, off)).toBe(9);
      expect(detectPair(852, 1477, -10, -10, 23, off)).toBe(-1);
    }
  });

  it('the detector alone: a block size of 12.75 ms at each rate', () => {
    expect(new DtmfDetector(8000).blockSize).toBe(102);
    expect(new DtmfDetector(48000).blockSize).toBe(612);
  });
});
