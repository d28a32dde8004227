// transcode/opus.ts on libopus WASM: round trips at every PCM rate with SNR floors (measured values
// in the comments, thresholds a margin below), every packet duration 2.5..120 ms, stereo streams
// decoded downmixed, corrupt input → -1 without throwing, close() idempotent without leaking WASM
// heap, and worker_threads that load the codec and exit without taking the process down.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignedSnr, speechLike, tone } from '../../bench/lib/audio-quality.js';
import {
  OpusDecoder, OpusEncoder, opusBitrate, opusFmtpWantsFec, opusPcmRate, OPUS_DEFAULT_COMPLEXITY, OPUS_RATES,
} from '../../transcode/opus.js';
import { opusWasm } from '../../transcode/opus-wasm.js';
import { initCodecWasm } from '../../transcode/wasm-init.js';

beforeAll(async () => {
  await initCodecWasm();
});

/** Encodes sig in ms-long frames and decodes each packet; returns the decoded PCM and the encoder delay. */
function roundTrip(sig: Int16Array, rate: number, complexity: number, ms = 20, bitrate = 0):
  { out: Int16Array; lookahead: number; bytes: number } {
  const enc = new OpusEncoder(rate, 1, bitrate, complexity);
  const dec = new OpusDecoder(rate, 1);
  const n = (rate * ms) / 1000;
  const out = new Int16Array(sig.length);
  const pkt = new Uint8Array(1500);
  let o = 0;
  let bytes = 0;
  for (let i = 0; i + n <= sig.length; i += n) {
    const len = enc.encode(sig, i, n, pkt, 0);
    expect(len).toBeGreaterThan(0);
    bytes += len;
    const m = dec.decode(pkt, 0, len, out, o);
    expect(m).toBe(n);
    o += m;
  }
  const lookahead = enc.lookahead;
  enc.close();
  dec.close();
  return { out: out.subarray(0, o), lookahead, bytes };
}

describe('opus round trip', () => {
  // Measured at complexity 5, 20 ms, default bit rate (32 kbit/s): 440 Hz tone 28.8 / 31.5 / 30.0 /
  // 29.6 / 29.4 dB at 8 / 12 / 16 / 24 / 48 kHz; speech-like 8.6 .. 9.2 dB (Opus does not keep the
  // waveform of voiced speech: the proxy floor only proves the audio is the input, delayed).
  for (const rate of OPUS_RATES) {
    it(`at ${rate} Hz: tone and speech come back delayed by the lookahead`, () => {
      const t = tone(rate, 1, 440);
      const rt = roundTrip(t, rate, 5);
      const a = alignedSnr(t, rt.out, rate, rt.lookahead * 2 + rate / 100);
      expect(a.snr).toBeGreaterThan(24); // (a tone's best lag is ambiguous by whole periods)
      const s = speechLike(rate, 1);
      const rs = roundTrip(s, rate, 5);
      const b = alignedSnr(s, rs.out, rate, rs.lookahead * 2 + rate / 100);
      expect(b.snr).toBeGreaterThan(6);
      // The decoded speech lags by the encoder's lookahead, give or take the SILK resampler's taps.
      expect(Math.abs(b.lag - rs.lookahead)).toBeLessThanOrEqual(rate / 4000);
    });
  }

  it('the bit rate is what was asked, and 0 means rtpengine 10.5 default (32 kbit/s for opus/48000/2)', () => {
    const s = speechLike(48000, 2);
    const r24 = roundTrip(s, 48000, 5, 20, 24000).bytes * 8 / 2;
    const r0 = roundTrip(s, 48000, 5, 20, 0).bytes * 8 / 2;
    const r64 = roundTrip(s, 48000, 5, 20, 64000).bytes * 8 / 2;
    // VBR: the average lands near the target (speech pauses cost less).
    expect(r24).toBeGreaterThan(12000);
    expect(r24).toBeLessThan(30000);
    expect(r0).toBeGreaterThan(r24 * 1.1);
    expect(r0).toBeLessThan(40000);
    expect(r64).toBeGreaterThan(r0 * 1.3);
    expect(opusBitrate(0, 2)).toBe(32000);
    expect(opusBitrate(0, 1)).toBe(24000);
    expect(opusBitrate(40, 2)).toBe(40000);
    expect(opusBitrate(20000, 2)).toBe(20000);
  });

  it('runs at the other side\'s PCM rate (no resampler), with complexity 5 by default', () => {
    expect(opusPcmRate(8000)).toBe(8000); // PCMU, PCMA
    expect(opusPcmRate(16000)).toBe(16000); // G.722
    expect(opusPcmRate(11025)).toBe(12000);
    expect(opusPcmRate(32000)).toBe(48000);
    expect(opusPcmRate(96000)).toBe(48000);
    expect(OPUS_DEFAULT_COMPLEXITY).toBe(5);
    expect(() => new OpusEncoder(8000, 1, 0, OPUS_DEFAULT_COMPLEXITY).close()).not.toThrow();
    expect(() => new OpusEncoder(8000, 1, 0, 11)).toThrow(/setup failed/); // libopus rejects it: OPUS_BAD_ARG
  });

  it('decodes every packet duration from 2.5 to 120 ms; the encoder takes exactly those sizes', () => {
    for (const rate of [8000, 48000]) {
      const enc = new OpusEncoder(rate, 1, 0, 1);
      const dec = new OpusDecoder(rate, 1);
      const sig = tone(rate, 0.2, 300);
      const pcm = new Int16Array((rate * 120) / 1000);
      const pkt = new Uint8Array(4000);
      for (const ms of [2.5, 5, 10, 20, 40, 60, 80, 100, 120]) {
        const n = (rate * ms) / 1000;
        const len = enc.encode(sig, 0, n, pkt, 0);
        expect(len, `${rate} ${ms} ms`).toBeGreaterThan(0);
        expect(dec.decode(pkt, 0, len, pcm, 0), `${rate} ${ms} ms`).toBe(n);
      }
      for (const n of [0, 1, rate / 400 - 1, rate / 50 + 1, (rate * 30) / 1000, (rate * 140) / 1000])
        expect(enc.encode(sig, 0, n, pkt, 0), `n=${n}`).toBe(-1);
      // Not enough PCM left after pcmOff, or no room for the payload: -1, nothing thrown.
      expect(enc.encode(sig, sig.length - 10, rate / 50, pkt, 0)).toBe(-1);
      expect(enc.encode(sig, 0, rate / 50, pkt, pkt.length)).toBe(-1);
      enc.close();
      dec.close();
    }
  });

  it('a stereo Opus stream decodes downmixed into mono PCM', () => {
    const rate = 48000;
    const enc = new OpusEncoder(rate, 2, 64000, 5);
    const dec = new OpusDecoder(8000, 1);
    const mono = tone(rate, 1, 440);
    const st = new Int16Array(mono.length * 2);
    for (let i = 0; i < mono.length; i++) st[2 * i] = st[2 * i + 1] = mono[i];
    const ref = tone(8000, 1, 440);
    const out = new Int16Array(ref.length);
    const pkt = new Uint8Array(1500);
    let o = 0;
    for (let i = 0; i + 960 <= mono.length; i += 960) {
      const len = enc.encode(st, 2 * i, 960, pkt, 0);
      expect(len).toBeGreaterThan(0);
      o += dec.decode(pkt, 0, len, out, o);
    }
    expect(o).toBe(ref.length);
    const a = alignedSnr(ref, out, 8000, 200);
    expect(a.snr).toBeGreaterThan(20);
    enc.close();
    dec.close();
  });

  it('PLC fills a lost packet; FEC recovers one when the sender had useinbandfec', () => {
    expect(opusFmtpWantsFec('minptime=10; useinbandfec=1')).toBe(true);
    expect(opusFmtpWantsFec('useinbandfec=0;stereo=1')).toBe(false);
    expect(opusFmtpWantsFec('')).toBe(false);
    const rate = 16000;
    const enc = new OpusEncoder(rate, 1, 24000, 5, { inbandFec: true });
    const dec = new OpusDecoder(rate, 1);
    const sig = speechLike(rate, 1);
    const pcm = new Int16Array(rate / 50);
    const pkt = new Uint8Array(1500);
    const n = rate / 50;
    let fecNonZero = 0;
    for (let i = 0; i + n <= sig.length; i += n) {
      const len = enc.encode(sig, i, n, pkt, 0);
      if ((i / n) % 5 === 4) {
        // the previous packet "was lost": recover it from this one, then decode this one
        expect(dec.decodeFec(pkt, 0, len, pcm, 0, n)).toBe(n);
        if (pcm.some((v) => v !== 0)) fecNonZero++;
      }
      expect(dec.decode(pkt, 0, len, pcm, 0)).toBe(n);
    }
    expect(fecNonZero).toBeGreaterThan(0);
    expect(dec.decodeLost(pcm, 0, n)).toBe(n);
    expect(dec.decodeLost(pcm, 0, n + 1)).toBe(-1); // not a multiple of 2.5 ms
    expect(dec.decodeLost(pcm, 0, 0)).toBe(-1);
    enc.close();
    dec.close();
  });
});

describe('opus decoder robustness', () => {
  it('corrupt packets give -1 and never throw; the decoder keeps working', () => {
    const dec = new OpusDecoder(48000, 1);
    const pcm = new Int16Array(5760);
    // RFC 6716 §3.4: code 3 with a zero frame count (R5), more than 120 ms of frames (R5), a code 1
    // packet whose two frames cannot be equal (R3: odd remainder), and an empty payload.
    expect(dec.decode(Uint8Array.of(0x03, 0x00), 0, 2, pcm, 0)).toBe(-1);
    expect(dec.decode(Uint8Array.of(0x03, 49, 0, 0), 0, 4, pcm, 0)).toBe(-1);
    expect(dec.decode(Uint8Array.of(0x01, 1, 2, 3), 0, 4, pcm, 0)).toBe(-1);
    expect(dec.decode(new Uint8Array(10), 0, 0, pcm, 0)).toBe(-1);
    expect(dec.decode(new Uint8Array(9000), 0, 9000, pcm, 0)).toBe(-1); // beyond any sane RTP payload
    expect(dec.decode(new Uint8Array(10), 5, 10, pcm, 0)).toBe(-1); // range outside src
    // A valid 120 ms packet into a 20 ms buffer: no room → -1.
    const enc = new OpusEncoder(48000, 1, 0, 0);
    const pkt = new Uint8Array(4000);
    const len = enc.encode(new Int16Array(5760), 0, 5760, pkt, 0);
    expect(dec.decode(pkt, 0, len, new Int16Array(960), 0)).toBe(-1);

    // Fuzz: random payloads (a seeded LCG). Many random bytes are valid Opus (the TOC byte decides
    // the frame layout), so both outcomes occur; what matters is no throw and sane counts.
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 16777216;
    const buf = new Uint8Array(1500);
    let bad = 0;
    let good = 0;
    for (let k = 0; k < 5000; k++) {
      const l = 1 + Math.floor(rnd() * (k % 10 === 0 ? 1500 : 120));
      for (let i = 0; i < l; i++) buf[i] = (rnd() * 256) | 0;
      const r = dec.decode(buf, 0, l, pcm, 0);
      if (r === -1) bad++;
      else {
        expect(r % 120).toBe(0); // a whole number of 2.5 ms units at 48 kHz
        expect(r).toBeLessThanOrEqual(5760);
        good++;
      }
    }
    expect(bad).toBeGreaterThan(100);
    expect(good).toBeGreaterThan(100);
    // Still decodes a real packet to the right length afterwards.
    const l20 = enc.encode(tone(48000, 0.02, 440), 0, 960, pkt, 0);
    expect(dec.decode(pkt, 0, l20, pcm, 0)).toBe(960);
    enc.close();
    dec.close();
  });
});

describe('opus lifetime', () => {
  it('close() is idempotent, and a closed codec answers -1', () => {
    const enc = new OpusEncoder(8000, 1, 0, 1);
    const dec = new OpusDecoder(8000, 1);
    enc.close();
    enc.close();
    dec.close();
    dec.close();
    const pcm = new Int16Array(160);
    expect(enc.encode(pcm, 0, 160, new Uint8Array(200), 0)).toBe(-1);
    expect(dec.decode(Uint8Array.of(0x08, 1, 2, 3), 0, 4, pcm, 0)).toBe(-1);
    expect(dec.decodeLost(pcm, 0, 160)).toBe(-1);
  });

  it('constructing and closing thousands of codecs does not grow the WASM heap', () => {
    const mem = opusWasm().fn.memory;
    const warm = (): void => {
      for (let i = 0; i < 200; i++) {
        new OpusEncoder(48000, 1, 0, 5).close();
        new OpusDecoder(48000, 2).close();
      }
    };
    warm();
    const before = mem.buffer.byteLength;
    for (let k = 0; k < 10; k++) warm();
    expect(mem.buffer.byteLength).toBe(before);
  });

  it('codecs made before the WASM memory grew keep working after it grew (views are renewed)', () => {
    const mem = opusWasm().fn.memory;
    const first = new OpusEncoder(48000, 1, 0, 5);
    const dec = new OpusDecoder(48000, 1);
    const before = mem.buffer.byteLength;
    const many: OpusEncoder[] = [];
    while (mem.buffer.byteLength === before && many.length < 20000) many.push(new OpusEncoder(48000, 1, 0, 5));
    expect(mem.buffer.byteLength).toBeGreaterThan(before);
    const sig = tone(48000, 0.5, 440);
    const out = new Int16Array(sig.length);
    const pkt = new Uint8Array(1500);
    let o = 0;
    for (let i = 0; i + 960 <= sig.length; i += 960) o += dec.decode(pkt, 0, first.encode(sig, i, 960, pkt, 0), out, o);
    expect(alignedSnr(sig, out, 48000, 700).snr).toBeGreaterThan(24);
    for (const e of many) e.close();
    first.close();
    dec.close();
  });

  it('rejects rates libopus does not run at', () => {
    expect(() => new OpusEncoder(44100, 1, 0, 5)).toThrow(RangeError);
    expect(() => new OpusDecoder(32000, 1)).toThrow(RangeError);
  });
});

describe('opus in worker_threads', () => {
  // A child process (so a crash cannot take vitest down) starts a worker three times in a row; each
  // one inits the WASM, encodes and decodes a second of audio, reports, and exits. The process must
  // outlive them all (the native @evan/opus addon segfaults here: exit 139) and exit 0.
  const dist = fileURLToPath(new URL('../../dist/transcode/', import.meta.url));
  it('three workers that used the codec exit cleanly and the process goes on', () => {
    expect(existsSync(`${dist}opus.js`), 'dist/ is missing: run `npx tsc -p .` first').toBe(true);
    const workerSrc = `
      import { parentPort, workerData } from 'node:worker_threads';
      {
        const { initCodecWasm } = await import(workerData + 'wasm-init.js');
        const { OpusEncoder, OpusDecoder } = await import(workerData + 'opus.js');
        await initCodecWasm();
        const enc = new OpusEncoder(8000, 1, 0, 5), dec = new OpusDecoder(8000, 1);
        const pcm = new Int16Array(160), out = new Int16Array(160), pkt = new Uint8Array(400);
        let decoded = 0;
        for (let f = 0; f < 50; f++) {
          for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((f * 160 + i) * 0.3));
          decoded += dec.decode(pkt, 0, enc.encode(pcm, 0, 160, pkt, 0), out, 0);
        }
        enc.close(); dec.close();
        parentPort.postMessage(decoded);
      }`;
    const main = `
      import { Worker } from 'node:worker_threads';
      const dist = ${JSON.stringify(new URL('../../dist/transcode/', import.meta.url).href)};
      for (let k = 0; k < 3; k++) {
        const src = new URL('data:text/javascript,' + encodeURIComponent(${JSON.stringify(workerSrc)}));
        const w = new Worker(src, { workerData: dist });
        const decoded = await new Promise((res, rej) => { w.once('message', res); w.once('error', rej); });
        const code = await new Promise((res) => w.once('exit', res));
        console.log('worker', k, 'decoded', decoded, 'exit', code);
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log('main alive');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', main], { encoding: 'utf8', timeout: 30000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBe(null);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [0, 1, 2].map((k) => `worker ${k} decoded 8000 exit 0\n`).join('') + 'main alive\n',
    );
  });
});
