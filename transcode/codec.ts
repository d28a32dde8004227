/**
 * What every audio codec of the engine looks like to the DirectionTranscoder: 16-bit linear PCM in
 * caller-provided buffers, no allocation per frame. One instance per stream and direction (codecs
 * keep state: G.722's ADPCM predictors, Opus's range coder); `close()` frees what it holds (WASM
 * heap) and is idempotent.
 *
 * PCM is mono at `rate` samples/s (the engine transcodes voice calls; a stereo Opus stream decodes
 * downmixed, and is encoded mono, which RFC 7587 §3.4 allows inside the opus/48000/2 format).
 */
export interface AudioDecoder {
  /** Sample rate of the PCM it produces. */
  readonly rate: number;
  /**
   * Decodes one RTP payload at src[off, off + len) into pcm from pcmOff. Returns the number of samples
   * written, or -1 when the payload cannot be decoded (a counted drop; the stream goes on).
   * pcm must have room for `maxSamples` (the transcoder sizes it for 120 ms at `rate`).
   */
  decode(src: Uint8Array, off: number, len: number, pcm: Int16Array, pcmOff: number): number;
  close(): void;
}

export interface AudioEncoder {
  /** Sample rate of the PCM it takes. */
  readonly rate: number;
  /**
   * Encodes n samples (one packet's worth at the output ptime) from pcm[pcmOff] into out[outOff...].
   * Returns the payload length, or -1 on failure.
   */
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number;
  close(): void;
}
