// Sample-rate conversion of mono 16-bit PCM through the Speex resampler (speexdsp's
// resample.c compiled to WASM: @echogarden/speex-resampler-wasm, SIMD build; spec/deps.md §4 has
// the measured cost, ~6-18 µs per 20 ms frame at quality 3).
//
// The WASM module is loaded once per thread by initResamplerWasm() (transcode/wasm-init.ts calls
// it); after that everything here is synchronous. Each Resampler owns one region of the WASM heap,
// malloc'ed at construction (input, output and the two length words), so process() allocates
// nothing. The module's HEAP16 view is looked up on every call: a later malloc may grow the memory,
// which replaces the views.
//
// Filter delay: speex_resampler_skip_zeros() is never called, so the resampler returns the nominal
// number of output samples from the first call on, its delay (input_latency samples) being leading
// zeros. A transcoder that feeds it one frame per packet therefore gets one frame per packet back
// from the first packet, never a held frame.

/// <reference path="./speex-resampler-wasm.d.ts" />
import SpeexResamplerModule from '@echogarden/speex-resampler-wasm/simd';

interface SpeexModule {
  HEAP16: Int16Array;
  HEAPU32: Uint32Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
  _speex_resampler_process_int(st: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
  _speex_resampler_get_input_latency(st: number): number;
  _speex_resampler_destroy(st: number): void;
}

let mod: SpeexModule | null = null;
let loading: Promise<void> | null = null;

/** Loads the resampler's WASM module for this thread (once; later calls return the same promise). */
export function initResamplerWasm(): Promise<void> {
  if (loading === null) {
    loading = (SpeexResamplerModule() as Promise<SpeexModule>).then((m) => { mod = m; });
    loading.catch(() => (loading = null)); // a failed load may be retried
  }
  return loading;
}

export function resamplerWasmReady(): boolean {
  return mod !== null;
}

/** The longest input one process() call hands to the WASM side: 120 ms (the longest Opus packet). */
const MAX_IN_MS = 120;

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Filter delay in input samples (what the first output frame starts with as silence). */
  readonly inputLatency: number;
  private st: number;
  private region: number;
  private readonly maxIn: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly lenPtr: number;
  private readonly maxOut: number;

  constructor(inRate: number, outRate: number, quality = 3) {
    if (mod === null) throw new Error('Resampler: initResamplerWasm() has not completed in this thread');
    if (!(inRate > 0 && outRate > 0)) throw new RangeError(`Resampler: bad rates ${inRate} → ${outRate}`);
    this.inRate = inRate;
    this.outRate = outRate;
    this.maxIn = Math.ceil((inRate * MAX_IN_MS) / 1000);
    this.maxOut = Math.ceil((this.maxIn * outRate) / inRate) + 64;
    // One region: [in: maxIn int16][out: maxOut int16][inLen u32][outLen u32][err i32], 4-aligned.
    const inBytes = (this.maxIn * 2 + 3) & ~3;
    const outBytes = (this.maxOut * 2 + 3) & ~3;
    this.region = mod._malloc(inBytes + outBytes + 12);
    if (this.region === 0) throw new Error('Resampler: WASM heap exhausted');
    this.inPtr = this.region;
    this.outPtr = this.region + inBytes;
    this.lenPtr = this.outPtr + outBytes;
    this.st = mod._speex_resampler_init(1, inRate, outRate, quality, this.lenPtr + 8);
    if (this.st === 0) {
      mod._free(this.region);
      this.region = 0;
      throw new Error(`Resampler: speex_resampler_init(${inRate}, ${outRate}, ${quality}) failed`);
    }
    this.inputLatency = mod._speex_resampler_get_input_latency(this.st);
  }

  /** Output samples that n input samples give at most (for sizing the caller's buffer). */
  maxOutputFor(n: number): number {
    return Math.ceil((n * this.outRate) / this.inRate) + 2;
  }

  /**
   * Resamples inp[off, off + n) into out from outOff; returns the number of samples written (the
   * nominal n · outRate / inRate, ±1 for ratios that do not divide evenly). out must have room for
   * maxOutputFor(n). Input longer than 120 ms goes through in several steps.
   */
  process(inp: Int16Array, off: number, n: number, out: Int16Array, outOff: number): number {
    const m = mod!;
    if (this.st === 0) return 0;
    let written = 0;
    while (n > 0) {
      const chunk = n < this.maxIn ? n : this.maxIn;
      const heap = m.HEAP16;
      const hIn = this.inPtr >> 1;
      for (let i = 0; i < chunk; i++) heap[hIn + i] = inp[off + i]!;
      const u32 = m.HEAPU32;
      u32[this.lenPtr >> 2] = chunk;
      u32[(this.lenPtr >> 2) + 1] = this.maxOut;
      m._speex_resampler_process_int(this.st, 0, this.inPtr, this.lenPtr, this.outPtr, this.lenPtr + 4);
      const produced = m.HEAPU32[(this.lenPtr >> 2) + 1]!;
      const h = m.HEAP16;
      const hOut = this.outPtr >> 1;
      const o = outOff + written;
      for (let i = 0; i < produced; i++) out[o + i] = h[hOut + i]!;
      written += produced;
      off += chunk;
      n -= chunk;
    }
    return written;
  }

  close(): void {
    if (this.st === 0) return;
    const m = mod!;
    m._speex_resampler_destroy(this.st);
    m._free(this.region);
    this.st = 0;
    this.region = 0;
  }
}
