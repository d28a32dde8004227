/**
 * In-band DTMF detector (ITU-T Q.24 style): Goertzel filters at the 8 Q.23 frequencies over blocks
 * of 12.75 ms (102 samples at 8 kHz, scaled with the rate), a block "hits" a digit when
 *  - the strongest row and column tones are each above -33 dBm0,
 *  - twist (row vs column level) is at most 9 dB normal (row louder) / 6 dB reverse,
 *  - the other tones of each group are at least 8 dB below the strongest one,
 *  - the two tones carry at least 70 % of the block's energy (rejects speech, music, single tones).
 * A digit starts after 3 consecutive hits of the same digit (38 ms of tone: Q.24 wants >= 40 ms
 * accepted) and ends after 2 consecutive blocks without it (one 12.75 ms dropout does not split it).
 *
 * At rates that are multiples of 8000 the detector first averages groups of rate/8000 samples (a
 * boxcar low-pass: -0.6 dB at 1633 Hz from 48 kHz, nulls at the multiples of 8 kHz) and runs at
 * 8 kHz: 48 kHz detection then costs what 8 kHz costs.
 *
 * Pure, allocation-free. Feed it with feed(); after a call that completed a block (`blockDone`),
 * read digit / startedNow / endedNow and the sample positions.
 */
import { DBM0_PEAK } from './dtmf-tone.js';
import { DTMF_COLS_HZ, DTMF_EVENT_AT, DTMF_ROWS_HZ } from './telephone-event.js';

const MIN_TONE_DBM0 = -33;
const NORMAL_TWIST = Math.pow(10, 9 / 10);
const REVERSE_TWIST = Math.pow(10, 6 / 10);
const GROUP_MARGIN = Math.pow(10, 8 / 10);
const MIN_ENERGY_SHARE = 0.7;
const HITS_TO_START = 3;
const MISSES_TO_END = 2;

export class DtmfDetector {
  /** Input samples per analysis block. */
  readonly blockSize: number;
  /** Input samples averaged into one analysed sample, and the analysed samples per block. */
  private readonly decim: number;
  private readonly n: number;
  private acc = 0;
  private accN = 0;
  private readonly coef = new Float64Array(8);
  private readonly s1 = new Float64Array(8);
  private readonly s2 = new Float64Array(8);
  private readonly minTonePower: number;
  private energy = 0;
  private filled = 0;
  /** Samples fed so far. */
  position = 0;
  /** true right after feed() completed a block. */
  blockDone = false;
  /** The digit the last completed block classified as (-1 none). */
  raw = -1;
  /** The digit being held (-1 none). */
  digit = -1;
  /** Set for the block that started / ended a digit. */
  startedNow = false;
  endedNow = false;
  /** The digit that endedNow refers to. */
  endedDigit = -1;
  /** Sample position where the held (or just ended) digit started, and where the ended one stopped. */
  startSample = 0;
  endSample = 0;
  /**
   * Level of the held digit as an RFC 4733 volume, on the generator's scale (dtmf-tone.ts tonePeak: twice the
   * stronger tone's peak relative to full scale, in dB below): the loudest of its 3 starting blocks, fixed for the digit.
   */
  volume = 0;
  private candidateLevel = -200;
  private candidate = -1;
  private hits = 0;
  private misses = 0;
  private candidateStart = 0;
  private missStart = 0;

  constructor(readonly rate: number) {
    this.decim = rate > 8000 && rate % 8000 === 0 ? rate / 8000 : 1;
    const arate = rate / this.decim;
    this.n = Math.max(32, Math.round((arate * 102) / 8000));
    this.blockSize = this.n * this.decim;
    for (let k = 0; k < 4; k++) {
      this.coef[k] = 2 * Math.cos((2 * Math.PI * DTMF_ROWS_HZ[k]!) / arate);
      this.coef[k + 4] = 2 * Math.cos((2 * Math.PI * DTMF_COLS_HZ[k]!) / arate);
    }
    const a = DBM0_PEAK * Math.pow(10, MIN_TONE_DBM0 / 20);
    // Energy of a sine of peak a over one block: a² N / 2.
    this.minTonePower = (a * a * this.n) / 2;
  }

  /**
   * Consumes samples from pcm[off] up to n or the end of the current block, whichever comes first;
   * returns how many it took. Sets blockDone when that completed a block.
   */
  feed(pcm: Int16Array, off: number, n: number): number {
    const take = Math.min(n, this.blockSize - this.filled);
    const c = this.coef;
    const s1 = this.s1;
    const s2 = this.s2;
    let e = this.energy;
    const decim = this.decim;
    let acc = this.acc;
    let accN = this.accN;
    for (let i = 0; i < take; i++) {
      let x = pcm[off + i]!;
      if (decim > 1) {
        acc += x;
        if (++accN < decim) continue;
        x = acc / decim;
        acc = 0;
        accN = 0;
      }
      e += x * x;
      for (let k = 0; k < 8; k++) {
        const s0 = x + c[k]! * s1[k]! - s2[k]!;
        s2[k] = s1[k]!;
        s1[k] = s0;
      }
    }
    this.energy = e;
    this.acc = acc;
    this.accN = accN;
    this.filled += take;
    this.position += take;
    this.blockDone = false;
    this.startedNow = false;
    this.endedNow = false;
    if (this.filled === this.blockSize) {
      this.analyse();
      this.blockDone = true;
    }
    return take;
  }

  /** Forgets all state (a new stream, or the timeline jumped). */
  reset(): void {
    this.s1.fill(0);
    this.s2.fill(0);
    this.energy = 0;
    this.filled = 0;
    this.acc = 0;
    this.accN = 0;
    this.raw = -1;
    this.digit = -1;
    this.candidate = -1;
    this.hits = 0;
    this.misses = 0;
    this.blockDone = false;
    this.startedNow = false;
    this.endedNow = false;
  }

  private analyse(): void {
    const n = this.n;
    const blockStart = this.position - this.blockSize;
    // Goertzel: |X(f)|² = s1² + s2² - coef·s1·s2; a sine of peak a gives (aN/2)², its energy a²N/2 = 2|X|²/N.
    let bestRow = 0, rowP = -1, nextRow = 0;
    let bestCol = 0, colP = -1, nextCol = 0;
    for (let k = 0; k < 8; k++) {
      const a = this.s1[k]!, b = this.s2[k]!;
      const p = ((a * a + b * b - this.coef[k]! * a * b) * 2) / n;
      if (k < 4) {
        if (p > rowP) { nextRow = rowP; rowP = p; bestRow = k; } else if (p > nextRow) nextRow = p;
      } else if (p > colP) { nextCol = colP; colP = p; bestCol = k - 4; } else if (p > nextCol) nextCol = p;
    }
    const e = this.energy;
    this.s1.fill(0);
    this.s2.fill(0);
    this.energy = 0;
    this.filled = 0;

    let raw = -1;
    if (
      rowP >= this.minTonePower && colP >= this.minTonePower &&
      rowP <= colP * NORMAL_TWIST && colP <= rowP * REVERSE_TWIST &&
      nextRow * GROUP_MARGIN <= rowP && nextCol * GROUP_MARGIN <= colP &&
      rowP + colP >= MIN_ENERGY_SHARE * e
    ) raw = DTMF_EVENT_AT[bestRow * 4 + bestCol]!;
    this.raw = raw;

    // Peak² of the stronger tone = 2 p / N; volume = -20 log10(2 peak / 32767).
    const level = raw >= 0 ? 10 * Math.log10((4 * 2 * Math.max(rowP, colP)) / n / (32767 * 32767)) : -200;
    if (this.digit < 0) {
      if (raw >= 0 && raw === this.candidate) {
        this.hits++;
        if (level > this.candidateLevel) this.candidateLevel = level;
      } else {
        this.candidate = raw;
        this.hits = raw >= 0 ? 1 : 0;
        this.candidateStart = blockStart;
        this.candidateLevel = level;
      }
      if (this.hits >= HITS_TO_START) {
        this.digit = raw;
        this.volume = -this.candidateLevel;
        this.startSample = this.candidateStart;
        this.startedNow = true;
        this.misses = 0;
        this.candidate = -1;
        this.hits = 0;
      }
    } else if (raw === this.digit) {
      this.misses = 0;
    } else {
      if (this.misses === 0) this.missStart = blockStart;
      this.misses++;
      if (this.misses >= MISSES_TO_END) {
        this.endedNow = true;
        this.endedDigit = this.digit;
        this.endSample = this.missStart;
        this.digit = -1;
        this.misses = 0;
        // The block that ended it may already be the next digit's first hit.
        this.candidate = raw;
        this.hits = raw >= 0 ? 1 : 0;
        this.candidateStart = blockStart;
        this.candidateLevel = level;
      }
    }
  }
}
