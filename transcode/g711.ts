// G.711 PCMU (µ-law) and PCMA (A-law), bit-exact to the ITU-T G.191 reference (g711.c:
// ulaw_compress/ulaw_expand, alaw_compress/alaw_expand), which works on 16-bit linear samples
// with µ-law at 14 and A-law at 13 significant bits and one's complement for negative input.
// Table driven (spec/deps.md: a 64 KiB encode table per law, 256-entry decode tables, a 256-byte
// µ↔A map): no allocation, no branches per sample.

function ulawCompress(lin: number): number {
  // G.191: |x| in 14 bits (one's complement for negatives) plus the bias 33, clipped to 0x1FFF.
  let absno = (lin < 0 ? ~lin >> 2 : lin >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) { segno++; i >>= 1; }
  const high = 8 - segno;
  const low = 0x0f - ((absno >> segno) & 0x0f);
  const v = (high << 4) | low;
  return lin >= 0 ? v | 0x80 : v;
}

function ulawExpand(log: number): number {
  const sign = log < 0x80 ? -1 : 1;
  const m = ~log;
  const exponent = (m >> 4) & 7;
  const segment = exponent + 1;
  const mantissa = m & 0x0f;
  const step = 4 << segment;
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33);
}

function alawCompress(lin: number): number {
  let ix = lin < 0 ? ~lin >> 4 : lin >> 4; // 13 bits, one's complement for negatives
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) { ix >>= 1; iexp++; }
    ix -= 16; // the first mantissa bit is implied
    ix += iexp << 4;
  }
  if (lin >= 0) ix |= 0x80;
  return ix ^ 0x55; // even-bit inversion
}

function alawExpand(log: number): number {
  let ix = (log ^ 0x55) & 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 8;
  if (iexp > 1) mant <<= iexp - 1;
  ix = log > 127 ? mant : -mant;
  return ix;
}

/** Encode tables indexed by the sample's 16 bits (sample & 0xffff). */
export const ULAW_ENCODE = new Uint8Array(65536);
export const ALAW_ENCODE = new Uint8Array(65536);
export const ULAW_DECODE = new Int16Array(256);
export const ALAW_DECODE = new Int16Array(256);
/** PCMU byte → PCMA byte and back, through the linear value (what decode-then-encode gives). */
export const ULAW_TO_ALAW = new Uint8Array(256);
export const ALAW_TO_ULAW = new Uint8Array(256);

for (let s = -32768; s < 32768; s++) {
  ULAW_ENCODE[s & 0xffff] = ulawCompress(s);
  ALAW_ENCODE[s & 0xffff] = alawCompress(s);
}
for (let b = 0; b < 256; b++) {
  ULAW_DECODE[b] = ulawExpand(b);
  ALAW_DECODE[b] = alawExpand(b);
}
for (let b = 0; b < 256; b++) {
  ULAW_TO_ALAW[b] = ALAW_ENCODE[ULAW_DECODE[b]! & 0xffff]!;
  ALAW_TO_ULAW[b] = ULAW_ENCODE[ALAW_DECODE[b]! & 0xffff]!;
}

/** µ-law-encodes pcm[pcmOff, +n) into out[outOff, +n). */
export function encodeUlaw(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = ULAW_ENCODE[pcm[pcmOff + i]! & 0xffff]!;
}

export function decodeUlaw(src: Uint8Array, srcOff: number, n: number, pcm: Int16Array, pcmOff: number): void {
  for (let i = 0; i < n; i++) pcm[pcmOff + i] = ULAW_DECODE[src[srcOff + i]!]!;
}

export function encodeAlaw(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = ALAW_ENCODE[pcm[pcmOff + i]! & 0xffff]!;
}

export function decodeAlaw(src: Uint8Array, srcOff: number, n: number, pcm: Int16Array, pcmOff: number): void {
  for (let i = 0; i < n; i++) pcm[pcmOff + i] = ALAW_DECODE[src[srcOff + i]!]!;
}

/** Rewrites n bytes in place through a 256-byte map (PCMU↔PCMA without a linear buffer). */
export function mapBytes(map: Uint8Array, buf: Uint8Array, off: number, n: number): void {
  for (let i = 0; i < n; i++) buf[off + i] = map[buf[off + i]!]!;
}
