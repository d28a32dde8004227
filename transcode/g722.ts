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
const P = 12; // p[0..2] partial reconstructed signal
const D = 15; // d[0..6] quantized differences
const B = 22; // b[0..6] zero coefficients
const NB = 43; // log scale factor
const DET = 44; // scale factor
const BAND = 45;

/**
 * Blocks 4L/4H: reconstruction, pole and zero predictor adaptation, prediction (G.722 §3.6). The
 * Recommendation's temporaries (SG, AP, BP) live in locals: only D, R, P, A, B, S, SZ carry over
 * from one sample to the next (2/3 of the codec's time is spent here; measured with --cpu-prof).
 */
function block4(st: Int32Array, o: number, d: number): void {
  // RECONS, PARREC
  const r0 = sat(st[o + S]! + d);
  const p0 = sat(st[o + SZ]! + d);
  const p1 = st[o + P]!;
  const p2 = st[o + P + 2]!;
  const a1 = st[o + A + 1]!;
  const a2 = st[o + A + 2]!;
  const sg0 = p0 >> 15;
  const sg1 = p1 >> 15;
  const sg2 = p2 >> 15;
  // UPPOL2
  let wd1 = sat(a1 << 2);
  let wd2 = sg0 === sg1 ? -wd1 : wd1;
  if (wd2 > 32767) wd2 = 32767;
  let ap2 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((a2 * 32512) >> 15);
  if (ap2 > 12288) ap2 = 12288;
  else if (ap2 < -12288) ap2 = -12288;
  // UPPOL1
  let ap1 = sat((sg0 === sg1 ? 192 : -192) + ((a1 * 32640) >> 15));
  const lim = sat(15360 - ap2);
  if (ap1 > lim) ap1 = lim;
  else if (ap1 < -lim) ap1 = -lim;
  // UPZERO and DELAYA for the zero predictor, FILTEZ on the delayed values, from the oldest tap down
  // (D[i] takes D[i-1], B[i] the updated coefficient).
  const inc = d === 0 ? 0 : 128;
  const sgd = d >> 15;
  const dBase = o + D;
  const bBase = o + B;
  let sz = 0;
  for (let i = 6; i > 0; i--) {
    const di = st[dBase + i]!;
    const bp = sat(((di >> 15) === sgd ? inc : -inc) + ((st[bBase + i]! * 32640) >> 15));
    st[bBase + i] = bp;
    const dn = i === 1 ? d : st[dBase + i - 1]!;
    st[dBase + i] = dn;
    sz += (bp * sat(dn + dn)) >> 15;
  }
  st[dBase] = d;
  // DELAYA for the pole part
  const r1 = st[o + R]!;
  st[o + R + 2] = r1;
  st[o + R + 1] = r0;
  st[o + R] = r0;
  st[o + P + 1] = p0;
  st[o + P + 2] = p1;
  st[o + P] = p0;
  st[o + A + 1] = ap1;
  st[o + A + 2] = ap2;
  // FILTEP
  const sp = sat(((ap1 * sat(r0 + r0)) >> 15) + ((ap2 * sat(r1 + r1)) >> 15));
  st[o + SP] = sp;
  const szs = sat(sz);
  st[o + SZ] = szs;
  // PREDIC
  st[o + S] = sat(sp + szs);
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
  /** QMF delay line, 24 samples stored twice (see Qmf below). */
  private readonly x = new Int32Array(48);
  private h = 0;

  constructor() {
    resetBands(this.st);
  }

  /** Encodes n (even) samples of pcm[pcmOff..] into n/2 bytes at out[outOff..]; returns n/2. */
  encode(pcm: Int16Array, pcmOff: number, n: number, out: Uint8Array, outOff: number): number {
    const st = this.st;
    const x = this.x;
    let h = this.h;
    let k = outOff;
    for (let j = pcmOff, end = pcmOff + n; j + 1 < end; j += 2) {
      // Transmit QMF: shift in two samples, keep one low-band and one high-band sample. The delay
      // line is a ring stored twice (x[h] and x[h + 24]), so the last 24 samples are always
      // x[h .. h + 23], oldest first, without moving 22 values per sample pair.
      const s0 = pcm[j]!, s1 = pcm[j + 1]!;
      x[h] = s0; x[h + 24] = s0; x[h + 1] = s1; x[h + 25] = s1;
      h = h === 22 ? 0 : h + 2;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[h + 2 * i]! * QMF[i]!;
        sumEven += x[h + 2 * i + 1]! * QMF[11 - i]!;
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;

      // Low band: SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, block 4. QUANTL's decision levels grow
      // with i, so the first level above |el| is found by bisection (5 steps instead of up to 29).
      const el = sat(xlow - st[LOW + S]!);
      const wd = el >= 0 ? el : -(el + 1);
      const det = st[LOW + DET]!;
      let lo = 1, hi = 30;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (wd < (Q6[mid]! * det) >> 12) hi = mid;
        else lo = mid + 1;
      }
      const i = lo;
      const ilow = el < 0 ? ILN[i]! : ILP[i]!;
      const ril = ilow >> 2;
      const dlow = (st[LOW + DET]! * QM4[ril]!) >> 15;
      scale(st, LOW, WL[RL42[ril]!]!, 18432, 8);
      block4(st, LOW, dlow);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, block 4.
      const eh = sat(xhigh - st[HIGH + S]!);
      const wdh = eh >= 0 ? eh : -(eh + 1);
      const mih = wdh >= (564 * st[HIGH + DET]!) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dhigh = (st[HIGH + DET]! * QM2[ihigh]!) >> 15;
      scale(st, HIGH, WH[RH2[ihigh]!]!, 22528, 10);
      block4(st, HIGH, dhigh);

      out[k++] = (ihigh << 6) | ilow;
    }
    this.h = h;
    return k - outOff;
  }
}

/** One direction's decoder state. */
export class G722Decoder {
  private readonly st = new Int32Array(2 * BAND);
  /** QMF delay line, stored twice as in the encoder. */
  private readonly x = new Int32Array(48);
  private h = 0;

  constructor() {
    resetBands(this.st);
  }

  /** Decodes n bytes of src[srcOff..] into 2n samples at pcm[pcmOff..]; returns 2n. */
  decode(src: Uint8Array, srcOff: number, n: number, pcm: Int16Array, pcmOff: number): number {
    const st = this.st;
    const x = this.x;
    let h = this.h;
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
      const s0 = rlow + rhigh, s1 = rlow - rhigh;
      x[h] = s0; x[h + 24] = s0; x[h + 1] = s1; x[h + 25] = s1;
      h = h === 22 ? 0 : h + 2;
      let out1 = 0;
      let out2 = 0;
      for (let i = 0; i < 12; i++) {
        out2 += x[h + 2 * i]! * QMF[i]!;
        out1 += x[h + 2 * i + 1]! * QMF[11 - i]!;
      }
      pcm[k++] = sat(out1 >> 11);
      pcm[k++] = sat(out2 >> 11);
    }
    this.h = h;
    return k - pcmOff;
  }
}
