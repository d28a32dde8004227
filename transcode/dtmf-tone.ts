/**
 * In-band DTMF tone generator: the ITU-T Q.23 frequency pair of one RFC 4733 event (§3.2 codes
 * 0-15) written over PCM. Pure and allocation-free; phases run on across calls so a tone split over
 * several packets has no discontinuity.
 */
import { DTMF_COLS_HZ, DTMF_EVENT_COL, DTMF_EVENT_ROW, DTMF_MAX_EVENT, DTMF_ROWS_HZ } from './telephone-event.js';

/**
 * Peak amplitude (16-bit linear) of a 0 dBm0 sine: G.711's digital milliwatt is 3.17 dB below the
 * largest µ-law sine (peak 8159 in 14 bits = 32636 in 16), ITU-T G.711 Table 5/6.
 */
export const DBM0_PEAK = 32636 * Math.pow(10, -3.17 / 20);

/**
 * The tone level as rtpengine 10.5 makes it (measured: test/dev/dtmf-rtpengine-probe.mjs inband VOLUME, `play DTMF`
 * at volumes 3, 10, 20): the pair's peak is full scale × 10^(-volume / 20), each tone half of that, so volume 10
 * is about -12.8 dBm0 per tone. volume is RFC 4733 §2.3.4's (dB below, 0..63).
 */
export function tonePeak(volume: number): number {
  return (32767 / 2) * Math.pow(10, -volume / 20);
}

/** The volume used when an event says 0 (senders that leave the field unset): RFC 4733's usual 10. */
export const DEFAULT_VOLUME = 10;

const TWO_PI = 2 * Math.PI;

/**
 * Each tone is a unit phasor (re, im) rotated by the tone's angle per sample (4 multiplications, no
 * Math.sin per sample), renormalised once per fill() so rounding never drifts the level.
 */
export class DtmfToneGenerator {
  private lowCos = 1;
  private lowSin = 0;
  private highCos = 1;
  private highSin = 0;
  private lowRe = 1;
  private lowIm = 0;
  private highRe = 1;
  private highIm = 0;
  private amp = 0;
  /** The event being played, -1 none. */
  event = -1;

  constructor(readonly rate: number) {}

  /**
   * Starts event's tone pair at RFC 4733 volume (0..63 dB below full scale, see tonePeak).
   * Returns false (and plays nothing) for events without a Q.23 pair (> 15).
   */
  start(event: number, volume: number): boolean {
    if (!(event >= 0 && event <= DTMF_MAX_EVENT)) { this.event = -1; return false; }
    this.amp = tonePeak(Math.min(63, Math.max(0, volume)));
    const wl = (TWO_PI * DTMF_ROWS_HZ[DTMF_EVENT_ROW[event]!]!) / this.rate;
    const wh = (TWO_PI * DTMF_COLS_HZ[DTMF_EVENT_COL[event]!]!) / this.rate;
    this.lowCos = Math.cos(wl);
    this.lowSin = Math.sin(wl);
    this.highCos = Math.cos(wh);
    this.highSin = Math.sin(wh);
    // Start at phase 0 of sin(): the imaginary parts are the output.
    this.lowRe = 1; this.lowIm = 0;
    this.highRe = 1; this.highIm = 0;
    this.event = event;
    return true;
  }

  /** Overwrites pcm[off, off + n) with the tone (does nothing when stopped). */
  fill(pcm: Int16Array, off: number, n: number): void {
    if (this.event < 0) return;
    let lr = this.lowRe, li = this.lowIm, hr = this.highRe, hi = this.highIm;
    const lc = this.lowCos, ls = this.lowSin, hc = this.highCos, hs = this.highSin;
    const a = this.amp;
    for (let i = 0; i < n; i++) {
      pcm[off + i] = Math.round(a * (li + hi));
      const lr2 = lr * lc - li * ls;
      li = li * lc + lr * ls;
      lr = lr2;
      const hr2 = hr * hc - hi * hs;
      hi = hi * hc + hr * hs;
      hr = hr2;
    }
    const gl = 1 / Math.sqrt(lr * lr + li * li);
    const gh = 1 / Math.sqrt(hr * hr + hi * hi);
    this.lowRe = lr * gl; this.lowIm = li * gl;
    this.highRe = hr * gh; this.highIm = hi * gh;
  }

  stop(): void {
    this.event = -1;
  }
}
