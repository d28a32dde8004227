// The package ships no typings: its /simd entry is an emscripten factory (MODULARIZE, ES module).
// transcode/resampler.ts describes the members it uses.
declare module '@echogarden/speex-resampler-wasm/simd' {
  const factory: (moduleArg?: object) => Promise<unknown>;
  export default factory;
}
