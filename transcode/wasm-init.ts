// Loads every WebAssembly module the transcoder needs, once per thread (each worker_thread has its
// own instances: WASM instances are not shared across threads). Call and await it before creating
// any codec; after it resolved, codec constructors and encode/decode are synchronous.
import { loadOpusWasm } from './opus-wasm.js';
import { initResamplerWasm } from './resampler.js';

let ready: Promise<void> | null = null;

export function initCodecWasm(): Promise<void> {
  if (ready === null) {
    ready = Promise.all([loadOpusWasm(), initResamplerWasm()]).then(() => undefined);
    ready.catch(() => (ready = null)); // a failed load may be retried
  }
  return ready;
}
