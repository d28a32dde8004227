/**
 * `npm run bench:codecs`: µs per 20 ms Opus frame, encode and decode separately, for each WASM
 * candidate × complexity × PCM rate, mono, 32 kbit/s (24 kbit/s at 8 kHz), on the speech-like signal
 * of bench/lib/audio-quality.ts. Single thread, no sockets: the codec cost a media worker adds per
 * transcoded packet.
 *
 * Candidates:
 *  - evan-simd:   libopus from @evan/opus 1.0.3 wasm/simd.wasm through transcode/opus.ts (the product)
 *  - evan-scalar: the same package's wasm/opus.wasm (no SIMD) through transcode/opus.ts
 *  - opusscript:  opusscript 0.1.1 (emscripten), through its OpusScriptHandler's pointer API (the
 *                 wrapper's encode()/decode() allocate a Buffer per call, so they are bypassed)
 *
 * Each rep encodes and decodes `--seconds` of audio (fresh codec state, built before the clock
 * starts); after one warm-up rep, `--reps` reps run interleaved over all configurations (so drift
 * and other load spread evenly); printed: the median per frame of process CPU time (what a core
 * pays, and much less disturbed than wall time when other processes share the cores; it includes
 * V8's background threads, idle here once warm), with the wall-clock median beside it. Quality columns come from the
 * warm-up rep's output: waveform SNR after delay alignment, and the Bark-band log-spectral distance
 * (LSD, dB, lower is better; G.711 µ-law scores ~0.2 on the same signal), both vs the input.
 *
 * Then the capacity line the transcoder design needs: PCMU↔opus per call and 20 ms (opus decode +
 * opus encode at 8 kHz, both G.711 halves), and calls per core at that cost.
 *
 * Options: --reps 5, --seconds 4, --rates 8000,16000,48000, --cx 0,1,3,5,10, --only NAME (candidate).
 * Pin it for stable numbers: `taskset -c 0 npm run bench:codecs`.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { decodeUlaw, encodeUlaw } from '../transcode/g711.js';
import { OpusDecoder, OpusEncoder } from '../transcode/opus.js';
import { hasWasmSimd, instantiateOpusWasm, type OpusWasm } from '../transcode/opus-wasm.js';
import { alignedSnr, barkSpectralDistance, speechLike } from './lib/audio-quality.js';
import { median } from './lib/report.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    rates: { type: 'string', default: '8000,16000,48000' },
    cx: { type: 'string', default: '0,1,3,5,10' },
    only: { type: 'string', multiple: true },
  },
});
const REPS = Number(values.reps);
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(',').map(Number);
const CXS = values.cx.split(',').map(Number);

/** One encoder + decoder pair of a candidate, with the product's buffer-in/buffer-out shape. */
interface Codec {
  encode(pcm: Int16Array, off: number, n: number, out: Uint8Array): number;
  decode(src: Uint8Array, len: number, pcm: Int16Array, off: number): number;
  lookahead: number;
  close(): void;
}
interface Candidate {
  name: string;
  make(rate: number, bitrate: number, complexity: number): Codec;
}

function productCandidate(name: string, wasm: OpusWasm): Candidate {
  return {
    name,
    make(rate, bitrate, complexity) {
      const enc = new OpusEncoder(rate, 1, bitrate, complexity, { wasm });
      const dec = new OpusDecoder(rate, 1, wasm);
      return {
        encode: (pcm, off, n, out) => enc.encode(pcm, off, n, out, 0),
        decode: (src, len, pcm, off) => dec.decode(src, 0, len, pcm, off),
        lookahead: enc.lookahead,
        close() {
          enc.close();
          dec.close();
        },
      };
    },
  };
}

// opusscript's public surface (index.d.ts) plus the handler and heap views its wrapper keeps.
interface OpusScriptHandler {
  _encode(pcmPtr: number, bytes: number, outPtr: number, frameSize: number): number;
  _decode(inPtr: number, len: number, outPtr: number): number;
}
interface OpusScriptInstance {
  handler: OpusScriptHandler;
  inPCM: Uint16Array;
  inOpus: Uint8Array;
  outOpus: Uint8Array;
  outPCM: Uint16Array;
  inPCMPointer: number;
  inOpusPointer: number;
  outOpusPointer: number;
  outPCMPointer: number;
  encoderCTL(ctl: number, arg: number): void;
  delete(): void;
}
type OpusScriptCtor = (new (rate: number, channels: number, app: number, opts?: { wasm: boolean }) => OpusScriptInstance) &
  { Application: { VOIP: number } };

function opusscriptCandidate(): Candidate {
  const OpusScript = createRequire(import.meta.url)('opusscript') as OpusScriptCtor;
  return {
    name: 'opusscript',
    make(rate, bitrate, complexity) {
      const os = new OpusScript(rate, 1, OpusScript.Application.VOIP, { wasm: true });
      os.encoderCTL(4002, bitrate); // OPUS_SET_BITRATE
      os.encoderCTL(4010, complexity); // OPUS_SET_COMPLEXITY
      os.encoderCTL(4024, 3001); // OPUS_SET_SIGNAL voice, as transcode/opus.ts sets
      os.encoderCTL(4016, 0); // OPUS_SET_DTX off
      // opusscript's C side takes and returns PCM one BYTE per 16-bit slot (little-endian byte
      // order), at the addresses its wrapper passes: the byteOffsets of HEAPU16 views that were
      // indexed with byte pointers, i.e. 2 × the malloc'ed pointer (outside the malloc'ed block;
      // the wrapper's Buffer.from(Uint16Array) narrows the slots back to bytes). Same addresses and
      // layout here, so packets are identical to the wrapper's (checked), without its Buffers.
      // A memory growth would detach the views: checked per call.
      const pcmAt = os.inPCM.byteOffset;
      const decAt = os.outPCM.byteOffset;
      const u16 = new Uint16Array(os.inOpus.buffer);
      const u8 = new Uint8Array(os.inOpus.buffer);
      const fresh = (): void => {
        if (u8.byteLength === 0) throw new Error('opusscript heap grew; views are stale');
      };
      return {
        encode(pcm, off, n, out) {
          fresh();
          const base = pcmAt >> 1;
          for (let i = 0; i < n; i++) {
            const v = pcm[off + i];
            u16[base + 2 * i] = v & 255;
            u16[base + 2 * i + 1] = (v >> 8) & 255;
          }
          const len = os.handler._encode(pcmAt, n * 2, os.outOpusPointer, n);
          const p = os.outOpusPointer;
          for (let i = 0; i < len; i++) out[i] = u8[p + i];
          return len;
        },
        decode(src, len, pcm, off) {
          fresh();
          const p = os.inOpusPointer;
          for (let i = 0; i < len; i++) u8[p + i] = src[i];
          const n = os.handler._decode(p, len, decAt);
          const base = decAt >> 1;
          for (let i = 0; i < n; i++) pcm[off + i] = u16[base + 2 * i] | (u16[base + 2 * i + 1] << 8);
          return n;
        },
        lookahead: rate / 400 + rate / 250, // 2.5 ms + 4 ms, libopus's VOIP lookahead
        close: () => os.delete(),
      };
    },
  };
}

interface Config {
  cand: Candidate;
  rate: number;
  cx: number;
  bitrate: number;
  sig: Int16Array;
  packets: Uint8Array[];
  enc: number[];
  dec: number[];
  encWall: number[];
  decWall: number[];
  snr: number;
  lsd: number;
}

/** One rep: encode the whole signal then decode its packets, each timed; returns µs per frame. */
function rep(c: Config, keepQuality: boolean): void {
  const n = c.rate / 50;
  const frames = Math.floor(c.sig.length / n);
  const codec = c.cand.make(c.rate, c.bitrate, c.cx);
  const pkt = new Uint8Array(1500);
  const lens = new Int32Array(frames);
  const store = c.packets;
  const out = new Int16Array(frames * n);
  let c0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  for (let f = 0; f < frames; f++) {
    const len = codec.encode(c.sig, f * n, n, pkt);
    lens[f] = len;
    store[f].set(pkt.subarray(0, len > 0 ? len : 0)); // outside the codec, same for every candidate
  }
  let t1 = process.hrtime.bigint();
  let cpu = process.cpuUsage(c0);
  c.enc.push((cpu.user + cpu.system) / frames);
  c.encWall.push(Number(t1 - t0) / 1000 / frames);
  c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  for (let f = 0; f < frames; f++) codec.decode(store[f], lens[f], out, f * n);
  t1 = process.hrtime.bigint();
  cpu = process.cpuUsage(c0);
  c.dec.push((cpu.user + cpu.system) / frames);
  c.decWall.push(Number(t1 - t0) / 1000 / frames);
  if (keepQuality) {
    const a = alignedSnr(c.sig, out, c.rate, codec.lookahead * 2 + c.rate / 100);
    c.snr = a.snr;
    c.lsd = barkSpectralDistance(c.sig, out, a.lag, c.rate);
  }
  codec.close();
}

async function main(): Promise<void> {
  const cands: Candidate[] = [];
  if (hasWasmSimd()) cands.push(productCandidate('evan-simd', await instantiateOpusWasm(true)));
  cands.push(productCandidate('evan-scalar', await instantiateOpusWasm(false)));
  cands.push(opusscriptCandidate());
  const use = values.only ? cands.filter((c) => values.only!.includes(c.name)) : cands;
  const sigs = new Map(RATES.map((r) => [r, speechLike(r, SECONDS)]));
  const configs: Config[] = [];
  for (const cand of use)
    for (const rate of RATES)
      for (const cx of CXS) {
        const frames = Math.floor((rate * SECONDS) / (rate / 50));
        configs.push({
          cand, rate, cx, bitrate: rate === 8000 ? 24000 : 32000, sig: sigs.get(rate)!,
          packets: Array.from({ length: frames }, () => new Uint8Array(1500)), enc: [], dec: [], encWall: [], decWall: [], snr: NaN, lsd: NaN,
        });
      }
  console.log(`node ${process.version}, ${SECONDS} s of speech-like audio per rep, ${REPS} reps after 1 warm-up, ` +
    `20 ms frames, mono, VOIP, VBR; µs per frame (median)`);
  for (const c of configs) rep(c, true);
  for (const c of configs) {
    c.enc.length = 0;
    c.dec.length = 0;
  }
  for (let r = 0; r < REPS; r++) for (const c of configs) rep(c, false);

  const f1 = (x: number): string => x.toFixed(1).padStart(7);
  console.log('\nCPU µs per frame (process CPU time: what a core pays, and robust to other load on a shared machine);');
  console.log('wall-clock medians in brackets.');
  console.log('candidate     rate  kbit/s  cx   encode (wall)     decode (wall)     enc+dec   SNR dB  LSD dB');
  for (const c of configs) {
    const e = median(c.enc);
    const d = median(c.dec);
    console.log(`${c.cand.name.padEnd(12)} ${String(c.rate).padStart(5)}  ${String(c.bitrate / 1000).padStart(6)}  ` +
      `${String(c.cx).padStart(2)}  ${f1(e)} (${f1(median(c.encWall))}) ${f1(d)} (${f1(median(c.decWall))}) ` +
      `${f1(e + d).padStart(8)}  ${f1(c.snr)} ${f1(c.lsd)}`);
  }

  // PCMU ↔ opus, one call = both directions: opus decode + µ-law encode one way, µ-law decode + opus
  // encode the other, all at 8 kHz (no resampler: the opus side runs at the G.711 rate).
  const g = new Int16Array(160);
  const u = new Uint8Array(160);
  const s8 = sigs.get(8000) ?? speechLike(8000, 1);
  const g711 = (): number => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 10000; k++) {
      encodeUlaw(s8, (k % 50) * 160, 160, u, 0);
      decodeUlaw(u, 0, 160, g, 0);
    }
    return Number(process.hrtime.bigint() - t0) / 1000 / 10000;
  };
  g711();
  const g711Us = median([g711(), g711(), g711()]);
  console.log(`\nPCMU <-> opus at 8 kHz, per call (both directions) per 20 ms; G.711 enc+dec ${g711Us.toFixed(2)} µs`);
  console.log('candidate     cx  CPU µs/call  calls/core');
  for (const c of configs) {
    if (c.rate !== 8000) continue;
    const all = median(c.enc) + median(c.dec) + g711Us;
    console.log(`${c.cand.name.padEnd(12)} ${String(c.cx).padStart(3)}  ${f1(all).padStart(11)}  ${String(Math.floor(20000 / all)).padStart(10)}`);
  }
}

await main();
