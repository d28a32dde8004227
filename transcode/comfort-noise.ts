/**
 * RFC 3389 comfort noise: the CN payload's noise level, a white-noise generator at that level for
 * a sender that sends CN (cfg.cnIn), and the payload for a recipient that takes CN (cfg.cnOut).
 *
 * RFC 3389 §3: the payload starts with the noise level byte, the level in -dBov (0..127, the most
 * significant bit unused); spectral (reflection) coefficients may follow: rtpengine-ts ignores them
 * and generates white noise. dBov is relative to the overload point: 0 dBov here is the power of a
 * full-scale 16-bit square wave (RMS 32767).
 *
 * Pure, no allocation per call; the PRNG is a 32-bit xorshift (Marsaglia 2003), not Math.random.
 */

export const FULL_SCALE_RMS = 32767;

/** Noise level of a CN payload at buf[off, off + len): 0..127 (-dBov), or -1 when empty (a counted drop). */
export function parseCnLevel(buf: Uint8Array, off: number, len: number): number {
  if (len < 1 || off < 0 || off >= buf.length) return -1;
  return buf[off]! & 0x7f;
}

/** Writes a CN payload (the level byte only, §3: coefficients are optional) at buf[off]; returns its length. */
export function writeCnPayload(buf: Uint8Array, off: number, levelDbov: number): number {
  const l = Math.round(levelDbov);
  buf[off] = l < 0 ? 0 : l > 127 ? 127 : l;
  return 1;
}

/** The level of pcm[off, off + n) in -dBov (0..127), for the CN payload of a recipient that takes CN. */
export function measureLevelDbov(pcm: Int16Array, off: number, n: number): number {
  if (n <= 0) return 127;
  let e = 0;
  for (let i = 0; i < n; i++) { const x = pcm[off + i]!; e += x * x; }
  if (e === 0) return 127;
  const db = -10 * Math.log10(e / n / (FULL_SCALE_RMS * FULL_SCALE_RMS));
  const l = Math.round(db);
  return l < 0 ? 0 : l > 127 ? 127 : l;
}

export class ComfortNoise {
  private state = 0x9e3779b9;
  /** Half-width of the uniform noise: a uniform on [-a, a] has RMS a / √3. */
  private amp = 0;

  constructor(readonly rate: number) {}

  /** Sets the level in -dBov as the CN payload carries it (0 loud .. 127 silence). */
  setLevel(dBov: number): void {
    const l = dBov < 0 ? 0 : dBov > 127 ? 127 : dBov;
    const rms = FULL_SCALE_RMS * Math.pow(10, -l / 20);
    this.amp = Math.min(32767, rms * Math.sqrt(3));
  }

  /** Overwrites pcm[off, off + n) with noise at the level. */
  fill(pcm: Int16Array, off: number, n: number): void {
    let s = this.state;
    const k = this.amp / 2147483648;
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      pcm[off + i] = Math.round((s | 0) * k);
    }
    this.state = s;
  }
}
