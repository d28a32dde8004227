import { beforeAll, describe, expect, test } from 'vitest';
import {
  MAX_PACKET_MS, codecKind, createDecoder, createEncoder, fmtpNumber, naturalRate, opusEncoderRate,
} from '../../transcode/codecs.js';
import { ALAW_TO_ULAW, ULAW_DECODE, ULAW_TO_ALAW } from '../../transcode/g711.js';
import { G722Encoder } from '../../transcode/g722.js';
import { Resampler, initResamplerWasm } from '../../transcode/resampler.js';
import { initCodecWasm } from '../../transcode/wasm-init.js';
import { makeSignal, measureSnr, spec } from '../helpers/audio-quality.js';

beforeAll(async () => {
  await Promise.all([initCodecWasm(), initResamplerWasm()]);
});

describe('factory', () => {
  test('names compare case-insensitively; unknown codecs give null', () => {
    expect(codecKind(spec('pcmu', 8000))).toBe('PCMU');
    expect(codecKind(spec('Opus', 48000, 2))).toBe('OPUS');
    expect(createDecoder(spec('g722', 8000))!.rate).toBe(16000);
    expect(createDecoder(spec('GSM', 8000))).toBeNull();
    expect(createEncoder(spec('telephone-event', 8000))).toBeNull();
    expect(createEncoder(spec('L16', 44100, 2))).toBeNull();
    expect(naturalRate(spec('L16', 44100))).toBe(44100);
  });

  test('opus decodes and encodes at the other side\'s rate, or the next libopus rate above it', () => {
    const o = spec('opus', 48000, 2);
    expect(createDecoder(o, 8000)!.rate).toBe(8000);
    expect(createDecoder(o, 16000)!.rate).toBe(16000);
    expect(createDecoder(o, 44100)!.rate).toBe(48000);
    expect(createDecoder(o)!.rate).toBe(48000);
    expect(createEncoder(o, 8000)!.rate).toBe(8000);
    expect(createEncoder(o, 22050)!.rate).toBe(24000);
    expect(createEncoder(o, 32000)!.rate).toBe(48000);
  });

  test('opus fmtp: maxplaybackrate caps the encoder rate; maxaveragebitrate caps the bit rate (smaller packets)', () => {
    const o = (fmtp: string, bitrate = 0) => ({ ...spec('opus', 48000, 2), fmtp, bitrate });
    expect(opusEncoderRate(o(''), 8000)).toBe(8000);
    expect(opusEncoderRate(o('maxplaybackrate=16000'), 48000)).toBe(16000);
    expect(opusEncoderRate(o('useinbandfec=1; maxplaybackrate=11025'), 48000)).toBe(12000);
    expect(opusEncoderRate(o('maxplaybackrate=48000'), 16000)).toBe(16000);
    expect(createEncoder(o('maxplaybackrate=8000'), 48000)!.rate).toBe(8000);
    expect(fmtpNumber('minptime=10;useinbandfec=1', 'useinbandfec')).toBe(1);
    expect(fmtpNumber('minptime=10', 'maxplaybackrate')).toBe(-1);
    const bytes = (fmtp: string, bitrate = 0): number => {
      const enc = createEncoder(o(fmtp, bitrate), 48000)!;
      const pcm = makeSignal('speech', 48000, 1);
      const out = new Uint8Array(4000);
      let total = 0;
      for (let i = 0; i + 960 <= pcm.length; i += 960) total += enc.encode(pcm, i, 960, out, 0);
      enc.close();
      return total;
    };
    const dflt = bytes('');
    expect(dflt / 50).toBeGreaterThan(60); // 32 kbit/s: ~80 bytes a 20 ms packet
    expect(bytes('maxaveragebitrate=12000') / 50).toBeLessThan(dflt / 50 / 2);
    expect(bytes('', 64000)).toBeGreaterThan(dflt * 1.5);
  });

  test('G.711 re-companding µ → A → µ through decoders and encoders is the tables\' byte map', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const pcm = new Int16Array(960);
    const a = new Uint8Array(256), u = new Uint8Array(256);
    expect(createDecoder(spec('PCMU', 8000))!.decode(all, 0, 256, pcm, 0)).toBe(256);
    createEncoder(spec('PCMA', 8000))!.encode(pcm, 0, 256, a, 0);
    expect([...a]).toEqual([...all].map((b) => ULAW_TO_ALAW[b]));
    createDecoder(spec('PCMA', 8000))!.decode(a, 0, 256, pcm, 0);
    createEncoder(spec('PCMU', 8000))!.encode(pcm, 0, 256, u, 0);
    expect([...u]).toEqual([...all].map((b) => ALAW_TO_ULAW[ULAW_TO_ALAW[b]!]));
    // µ-law → linear → µ-law is the identity (every µ-law value is exactly representable)
    createEncoder(spec('PCMU', 8000))!.encode(Int16Array.from(all, (b) => ULAW_DECODE[b]!), 0, 256, u, 0);
    expect([...u].filter((b, i) => b !== i && !(i === 0x7f && b === 0xff))).toEqual([]);
  });

  test('L16 is big-endian (RFC 3551 §4.5.11) and round-trips exactly', () => {
    const pcm = Int16Array.of(0, 1, -1, 0x1234, -32768, 32767);
    const out = new Uint8Array(12);
    expect(createEncoder(spec('L16', 16000))!.encode(pcm, 0, 6, out, 0)).toBe(12);
    expect([...out.subarray(0, 8)]).toEqual([0, 0, 0, 1, 0xff, 0xff, 0x12, 0x34]);
    const back = new Int16Array(6);
    expect(createDecoder(spec('L16', 16000))!.decode(out, 0, 12, back, 0)).toBe(6);
    expect([...back]).toEqual([...pcm]);
    expect(createDecoder(spec('L16', 16000))!.decode(out, 0, 11, back, 0)).toBe(-1);
  });

  test('G722 through the factory is the bit-exact codec', () => {
    const pcm = makeSignal('speech', 16000, 0.2);
    const a = new Uint8Array(1600), b = new Uint8Array(1600);
    createEncoder(spec('G722', 8000))!.encode(pcm, 0, 3200, a, 0);
    new G722Encoder().encode(pcm, 0, 3200, b, 0);
    expect(Buffer.from(a)).toEqual(Buffer.from(b));
    const back = new Int16Array(3200);
    expect(createDecoder(spec('G722', 8000))!.decode(a, 0, 1600 / 10 * 0 + 160, back, 0)).toBe(320);
  });

  test.each(['PCMU', 'PCMA', 'G722', 'L16'] as const)('%s round trip keeps a speech-like signal (SNR)', (name) => {
    const s = spec(name, name === 'L16' ? 16000 : 8000);
    const enc = createEncoder(s)!, dec = createDecoder(s)!;
    const input = makeSignal('speech', enc.rate, 1);
    const frame = enc.rate / 50;
    const out = new Int16Array(input.length);
    const buf = new Uint8Array(2 * frame);
    for (let i = 0; i + frame <= input.length; i += frame) {
      const n = enc.encode(input, i, frame, buf, 0);
      expect(dec.decode(buf, 0, n, out, i)).toBe(frame);
    }
    const snr = measureSnr(input, out, 40, enc.rate / 10).snrDb;
    expect(snr).toBeGreaterThan(name === 'L16' ? 90 : name === 'G722' ? 18 : 30);
  });

  test('decoders refuse more than 120 ms instead of overrunning the caller\'s buffer', () => {
    for (const s of [spec('PCMU', 8000), spec('PCMA', 8000), spec('G722', 8000), spec('L16', 16000)]) {
      const d = createDecoder(s)!;
      const max = (d.rate * MAX_PACKET_MS) / 1000;
      const pcm = new Int16Array(max + 8);
      const bytesPerSample = s.name === 'L16' ? 2 : s.name === 'G722' ? 0.5 : 1;
      expect(d.decode(new Uint8Array(8000), 0, max * bytesPerSample + 2, pcm, 0)).toBe(-1);
      expect(d.decode(new Uint8Array(8000), 0, max * bytesPerSample, pcm, 0)).toBe(max);
    }
  });

  test('fuzz: random payloads into every decoder never throw and stay within 120 ms', () => {
    let x = 12345;
    const rnd = (): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x >>> 8; };
    for (const s of [spec('PCMU', 8000), spec('PCMA', 8000), spec('G722', 8000), spec('L16', 16000), spec('opus', 48000, 2)]) {
      for (const rate of [8000, 48000]) {
        const d = createDecoder(s, rate)!;
        const max = Math.ceil((d.rate * MAX_PACKET_MS) / 1000);
        const pcm = new Int16Array(max + 64).fill(0x7777);
        const src = new Uint8Array(1600);
        for (let i = 0; i < 300; i++) {
          const len = rnd() % 1600;
          for (let j = 0; j < len; j++) src[j] = rnd() & 0xff;
          const n = d.decode(src, 0, len, pcm, 0);
          expect(n).toBeGreaterThanOrEqual(-1);
          expect(n).toBeLessThanOrEqual(max);
          expect(pcm[max]).toBe(0x7777);
        }
        d.close();
        d.close();
      }
    }
  });
});

describe('Resampler', () => {
  test.each([[8000, 16000], [16000, 8000], [8000, 48000], [48000, 8000], [16000, 48000], [48000, 16000], [12000, 16000]])(
    '%i → %i: the nominal frame from the first call on, speech-like audio passes (SNR), delay = input latency', (inRate, outRate) => {
      const r = new Resampler(inRate, outRate);
      const inFrame = inRate / 50, outFrame = outRate / 50;
      const input = makeSignal('speech', inRate, 0.5);
      const ref = makeSignal('speech', outRate, 0.5);
      const out = new Int16Array(ref.length + 64);
      let n = 0;
      for (let i = 0; i + inFrame <= input.length; i += inFrame) {
        const k = r.process(input, i, inFrame, out, n);
        expect(k).toBe(outFrame);
        n += k;
      }
      const m = measureSnr(ref, out.subarray(0, n), Math.round(outRate * 0.005), outRate / 20);
      expect(m.snrDb).toBeGreaterThan(30);
      // Delay = the filter's input latency, in output samples
      expect(Math.abs(m.lag - Math.round((r.inputLatency * outRate) / inRate))).toBeLessThanOrEqual(2);
      r.close();
      r.close();
      expect(r.process(input, 0, inFrame, out, 0)).toBe(0);
    });

  test('input longer than 120 ms goes through in steps', () => {
    const r = new Resampler(8000, 16000);
    const input = makeSignal('tone400', 8000, 0.5);
    const out = new Int16Array(r.maxOutputFor(input.length));
    expect(r.process(input, 0, input.length, out, 0)).toBe(8000);
    r.close();
  });

  test('many instances: each has its own WASM region (heap growth keeps them valid)', () => {
    const rs = Array.from({ length: 200 }, () => new Resampler(8000, 48000));
    const input = makeSignal('tone400', 8000, 0.02);
    const out = new Int16Array(960);
    const first = new Int16Array(960);
    rs[0]!.process(input, 0, 160, first, 0);
    for (const r of rs.slice(1)) {
      expect(r.process(input, 0, 160, out, 0)).toBe(960);
      expect(out).toEqual(first);
    }
    for (const r of rs) r.close();
  });
});
