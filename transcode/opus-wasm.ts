// libopus compiled to WebAssembly, as shipped in @evan/opus 1.0.3 (wasm/simd.wasm, or wasm/opus.wasm
// where the engine has no WASM SIMD). We instantiate the .wasm file ourselves and never load the
// package's JavaScript: its entry point prefers a prebuilt N-API addon that segfaults the process
// when a worker_thread that loaded it exits (spec/deps.md), and its wrapper classes allocate a
// result buffer per call. The module exports libopus's C API (opus_encode, opus_decode, the
// *_ctl_set/_ctl_get shims for the variadic ctls) plus malloc/free.
//
// One instance per thread (a WebAssembly.Instance cannot be shared across worker_threads); every
// encoder and decoder of the thread lives in its linear memory. Loading is async (compile off the
// event loop); after loadOpusWasm() resolved, opusWasm() is synchronous.
/// <reference path="./webassembly.d.ts" />
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export interface OpusExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, fs: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_ctl_get(st: number, request: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, fs: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_ctl_get(st: number, request: number): number;
}

/** The thread's libopus instance and views on its memory (replaced when the memory grows). */
export interface OpusWasm {
  readonly fn: OpusExports;
  /** Whether the SIMD build was loaded. */
  readonly simd: boolean;
  u8: Uint8Array;
  i16: Int16Array;
}

// A minimal module whose one function does `i32.const 0; i8x16.splat; drop`: WebAssembly.validate()
// of it tells whether this engine has WASM SIMD (Node 20 has; the scalar build is the fallback).
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0,
  253, 15, 26, 11);

let instance: OpusWasm | null = null;
let loading: Promise<OpusWasm> | null = null;

/** Which build file: 'simd' when the engine validates SIMD (unless forced off), else 'opus' (scalar). */
export function opusWasmFile(simd: boolean): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`@evan/opus/wasm/${simd ? 'simd' : 'opus'}.wasm`);
}

export function hasWasmSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/**
 * Compiles and instantiates a libopus build (no caching: the bench uses this to compare builds).
 * The product goes through loadOpusWasm(), which keeps one per thread.
 */
export async function instantiateOpusWasm(simd = hasWasmSimd()): Promise<OpusWasm> {
  const bytes = await readFile(opusWasmFile(simd));
  const module = await WebAssembly.compile(bytes);
  let self: OpusWasm | null = null;
  const refreshViews = (): void => {
    if (self === null) return;
    self.u8 = new Uint8Array(self.fn.memory.buffer);
    self.i16 = new Int16Array(self.fn.memory.buffer);
  };
  // The build is a WASI reactor: the libc only needs these to exist (nothing prints); memory growth
  // is reported through emscripten_notify_memory_growth so views can be renewed.
  const nop = (): number => 0;
  const inst = await WebAssembly.instantiate(module, {
    wasi_snapshot_preview1: { fd_seek: nop, fd_write: nop, fd_close: nop, proc_exit: nop },
    env: { emscripten_notify_memory_growth: refreshViews },
  });
  const fn = inst.exports as unknown as OpusExports & { _initialize?: () => void };
  fn._initialize?.();
  self = { fn, simd, u8: new Uint8Array(fn.memory.buffer), i16: new Int16Array(fn.memory.buffer) };
  return self;
}

/** Loads this thread's libopus once; later calls return the same promise. */
export function loadOpusWasm(): Promise<OpusWasm> {
  if (loading === null) {
    loading = instantiateOpusWasm().then((w) => (instance = w));
    loading.catch(() => (loading = null)); // a failed load may be retried
  }
  return loading;
}

/** The thread's libopus; throws when initCodecWasm() (transcode/wasm-init.ts) has not resolved yet. */
export function opusWasm(): OpusWasm {
  if (instance === null) throw new Error('libopus WASM not loaded in this thread: await initCodecWasm() first');
  return instance;
}
