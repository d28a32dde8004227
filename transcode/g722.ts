// G.722 at 64 kbit/s (ITU-T G.722 §3-4, https://www.itu.int/rec/T-REC-G.722): 16 kHz 16-bit PCM ↔
// one byte per two samples (6-bit low-band ADPCM, 2-bit high-band ADPCM after a 24-tap QMF split).
// Written from the Recommendation's block diagram; block names in comments are the
// Recommendation's (SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, RECONS, PARREC, UPPOL1/2, UPZERO,
// DELAYA, FILTEP, FILTEZ, PREDIC, INVQBL, LIMIT). The tables are the Recommendation's. Checked bit
// for bit against spandsp's implementation in test/unit/g722.test.ts. State lives in Int32Arrays;
// no allocation per frame.

/** QMF coefficients h0..h11 (the filter is symmetric, 24 taps). */
const QMF = Int32Array.of(3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11);
/** Low-band quantizer decision levels (QUANTL), indexed 1..29. */
const Q6 = Int32Array.of(0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858,
  940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0);
/** QUANTL output codes for negative / positive differences. */
const ILN = Int32Array.of(0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13,
  12, 11, 10, 9, 8, 7, 6, 5, 4, 0);
const ILP = Int32Array.of(0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41,
  40, 39, 38, 37, 36, 35, 34, 33, 32, 0);
/** LOGSCL: scale factor multipliers by 3-bit magnitude, and the 4-bit code → magnitude map. */
const WL = Int32Array.of(-60, -30, 58, 172, 334, 538, 1198, 3042);
const RL42 = Int32Array.of(0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0);
/** SCALEL/SCALEH: the log-to-linear table. */
const ILB = Int32Array.of(2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714,
  2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008);
/** INVQAL: 4-bit inverse quantizer (the predictor update uses 4 of the 6 bits). */
const QM4 = Int32Array.of(0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240,
  2584, 1200, 0);
/** INVQBL: 6-bit inverse quantizer (the decoder's output at 64 kbit/s). */
const QM6 = Int32Array.of(-136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192,
  -10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032,
  -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192,
  6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136);
/** High band: QUANTH codes, INVQAH, LOGSCH. */
const IHN = Int32Array.of(0, 1, 0);
const IHP = Int32Array.of(0, 3, 2);
const QM2 = Int32Array.of(-7408, -1616, 7408, 1616);
const WH = Int32Array.of(0, -214, 798);
const RH2 = Int32Array.of(2, 1, 2, 1);

function sat(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

// One sub-band's ADPCM state, as offsets into an Int32Array (two bands per codec).
const S = 0; // predictor output
const SP = 1; // pole part
const SZ = 2; // zero part
const R = 3; // r[0..2] reconstructed signal
const A = 6; // a[0..2] pole coefficients
const AP = 9; // ap[0..2]
const P = 12; // p[0..2] partial reconstructed signal
const D = 15; // d[0..6] quantized differences
const B = 22; // b[0..6] zero coefficients
const BP = 29; // bp[0..6]
const SG = 36; // sg[0..6] signs
const NB = 43; // log scale factor
const DET = 44; // scale factor
const BAND = 45;

/** Blocks 4L/4H: reconstruction, pole and zero predictor adaptation, prediction (G.722 §3.6). */
function block4(st: Int32Array, o: number, d: number): void {
  // RECONS, PARREC
  st[o + D] = d;
  st[o + R] = sat(st[o + S]! + d);
  st[o + P] = sat(st[o + SZ]! + d);
  // UPPOL2
  for (let i = 0; i < 3; i++) st[o + SG + i] = st[o + P + i]! >> 15;
  let wd1 = sat(st[o + A + 1]! << 2);
  let wd2 = st[o + SG] === st[o + SG + 1] ? -wd1 : wd1;
  if (wd2 > 32767) wd2 = 32767;
  let wd3 = (wd2 >> 7) + (st[o + SG] === st[o + SG + 2] ? 128 : -128);
  wd3 += (st[o + A + 2]! * 32512) >> 15;
  if (wd3 > 12288) wd3 = 12288;
  else if (wd3 < -12288) wd3 = -12288;
  st[o + AP + 2] = wd3;
  // UPPOL1
  st[o + SG] = st[o + P]! >> 15;
  st[o + SG + 1] = st[o + P + 1]! >> 15;
  wd1 = st[o + SG] === st[o + SG + 1] ? 192 : -192;
  wd2 = (st[o + A + 1]! * 32640) >> 15;
  st[o + AP + 1] = sat(wd1 + wd2);
  wd3 = sat(15360 - st[o + AP + 2]!);
  if (st[o + AP + 1]! > wd3) st[o + AP + 1] = wd3;
  else if (st[o + AP + 1]! < -wd3) st[o + AP + 1] = -wd3;
  // UPZERO
  wd1 = d === 0 ? 0 : 128;
  st[o + SG] = d >> 15;
  for (let i = 1; i < 7; i++) {
    st[o + SG + i] = st[o + D + i]! >> 15;
    wd2 = st[o + SG + i] === st[o + SG] ? wd1 : -wd1;
    wd3 = (st[o + B + i]! * 32640) >> 15;
    st[o + BP + i] = sat(wd2 + wd3);
  }
  // DELAYA
  for (let i = 6; i > 0; i--) {
    st[o + D + i] = st[o + D + i - 1]!;
    st[o + B + i] = st[o + BP + i]!;
  }
  for (let i = 2; i > 0; i--) {
    st[o + R + i] = st[o + R + i - 1]!;
    st[o + P + i] = st[o + P + i - 1]!;
    st[o + A + i] = st[o + AP + i]!;
  }
  // FILTEP
  wd1 = sat(st[o + R + 1]! + st[o + R + 1]!);
  wd1 = (st[o + A + 1]! * wd1) >> 15;
  wd2 = sat(st[o + R + 2]! + st[o + R + 2]!);
  wd2 = (st[o + A + 2]! * wd2) >> 15;
  st[o + SP] = sat(wd1 + wd2);
  // FILTEZ
  let sz = 0;
  for (let i = 6; i > 0; i--) {
    wd1 = sat(st[o + D + i]! + st[o + D + i]!);
    sz += (st[o + B + i]! * wd1) >> 15;
  }
  st[o + SZ] = sat(sz);
  // PREDIC
  st[o + S] = sat(st[o + SP]! + st[o + SZ]!);
}

/** LOGSCL + SCALEL (low band) or LOGSCH + SCALEH (high band): new log and linear scale factors. */
function scale(st: Int32Array, o: number, mult: number, max: number, shift: number): void {
  let nb = ((st[o + NB]! * 127) >> 7) + mult;
  if (nb < 0) nb = 0;
  else if (nb > max) nb = max;
  st[o + NB] = nb;
  const wd1 = (nb >> 6) & 31;
  const wd2 = shift - (nb >> 11);
  const wd3 = wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2;
  st[o + DET] = wd3 << 2;
}

function resetBands(st: Int32Array): void {
  st.fill(0);
  st[DET] = 32;
  st[BAND + DET] = 8;
}

const LOW = 0;
const HIGH = BAND;

/** One direction's encoder state (keep one per stream: the predictors run across frames). */
export class G722Encoder {
  private readonly st = new Int32Array(2 * BAND);
  private readonly x = new Int32Array(24);

  constructor() {
    resetBands(this.st);
  }

  /** Encodes n (even) samples of pcm[pcmOff..] into n/2 bytes at out[outOff..]; returns n/2. */
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    const st = this.st;
    const x = this.x;
    let k = outOff;
    for (let j = pcmOff, end = pcmOff + n; j + 1 < end; j += 2) {
      // Transmit QMF: shift in two samples, keep one low-band and one high-band sample.
      x.copyWithin(0, 2, 24);
      x[22] = pcm[j]!;
      x[23] = pcm[j + 1]!;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[2 * i]! * QMF[i]!;
        sumEven += x[2 * i + 1]! * QMF[11 - i]!;
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;

      // Low band: SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, block 4.
      const el = sat(xlow - st[LOW + S]!);
      let wd = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) if (wd < (Q6[i]! * st[LOW + DET]!) >> 12) break;
      const ilow = el < 0 ? ILN[i]! : ILP[i]!;
      const ril = ilow >> 2;
      const dlow = (st[LOW + DET]! * QM4[ril]!) >> 15;
      scale(st, LOW, WL[RL42[ril]!]!, 18432, 8);
      block4(st, LOW, dlow);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, block 4.
      const eh = sat(xhigh - st[HIGH + S]!);
      wd = eh >= 0 ? eh : -(eh + 1);
      const mih = wd >= (564 * st[HIGH + DET]!) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dhigh = (st[HIGH + DET]! * QM2[ihigh]!) >> 15;
      scale(st, HIGH, WH[RH2[ihigh]!]!, 22528, 10);
      block4(st, HIGH, dhigh);

      out[k++] = (ihigh << 6) | ilow;
    }
    return k - outOff;
  }
}

/** One direction's decoder state. */
export class G722Decoder {
  private readonly st = new Int32Array(2 * BAND);
  private readonly x = new Int32Array(24);

  constructor() {
    resetBands(this.st);
  }

  /** Decodes n bytes of src[srcOff..] into 2n samples at pcm[pcmOff..]; returns 2n. */
  decode(src: Uint8Array, srcOff: number, n: number, pcm: Int16Array, pcmOff: number): number {
    const st = this.st;
    const x = this.x;
    let k = pcmOff;
    for (let j = srcOff, end = srcOff + n; j < end; j++) {
      const code = src[j]!;
      const ilow = code & 0x3f;
      const ihigh = (code >> 6) & 0x03;

      // Low band: INVQBL, RECONS, LIMIT (the output), then INVQAL/LOGSCL/SCALEL/block 4 on 4 bits.
      let rlow = st[LOW + S]! + ((st[LOW + DET]! * QM6[ilow]!) >> 15);
      if (rlow > 16383) rlow = 16383;
      else if (rlow < -16384) rlow = -16384;
      const ril = ilow >> 2;
      const dlow = (st[LOW + DET]! * QM4[ril]!) >> 15;
      scale(st, LOW, WL[RL42[ril]!]!, 18432, 8);
      block4(st, LOW, dlow);

      // High band: INVQAH, RECONS, LIMIT, LOGSCH, SCALEH, block 4.
      const dhigh = (st[HIGH + DET]! * QM2[ihigh]!) >> 15;
      let rhigh = dhigh + st[HIGH + S]!;
      if (rhigh > 16383) rhigh = 16383;
      else if (rhigh < -16384) rhigh = -16384;
      scale(st, HIGH, WH[RH2[ihigh]!]!, 22528, 10);
      block4(st, HIGH, dhigh);

      // Receive QMF: two output samples per code.
      x.copyWithin(0, 2, 24);
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let out1 = 0;
      let out2 = 0;
      for (let i = 0; i < 12; i++) {
        out2 += x[2 * i]! * QMF[i]!;
        out1 += x[2 * i + 1]! * QMF[11 - i]!;
      }
      pcm[k++] = sat(out1 >> 11);
      pcm[k++] = sat(out2 >> 11);
    }
    return k - pcmOff;
  }
}
