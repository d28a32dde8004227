/**
 * Call quality from RTCP report blocks, computed the way rtpengine 10.5 does it (ng-protocol.md
 * §5.2/§5.3), and the per-SSRC block of `query`/`delete` replies.
 *
 * This runs on the main thread: it gets one event per SR and per report block (a few per stream
 * every few seconds), so plain objects are fine here. The per-packet part lives in
 * protocol/rtp/receiver-stats.ts and protocol/rtcp/parse.ts.
 *
 * Times are wall-clock microseconds since the Unix epoch (`nowUs`), as a number. Leg RTTs are
 * differences of two such stamps, so both stamps must come from the same clock (see the notes at
 * `SsrcQuality`).
 */
import type { RtcpScratch } from './parse.js';
import { SNAP_EXPECTED, SNAP_JITTER, SNAP_RECEIVED } from '../rtp/receiver-stats.js';

export type MosType = 'CQ' | 'LQ';

/** SRs remembered per sender SSRC for LSR matching. */
export const SR_HISTORY = 10;
/** Leg RTTs above this (µs) are treated as invalid. */
export const MAX_RTT_US = 10_000_000;
/** A report block less than this after the previous stored one for the same SSRC is dropped. */
export const MIN_BLOCK_SPACING_US = 1_000_000;

/**
 * MOS × 10 (integer) from end-to-end RTT (µs), jitter (ms) and packet loss (%), with no RTT check:
 *   eff = ⌊rtt/1000⌋ + 2·jitter + 10
 *   R = 93.2 − eff/40 (eff < 160) or 93.2 − (eff − 120)/10, then R −= 2.5·loss
 *   MOS = 1 + 0.035·R + 0.000007·R·(R − 60)·(100 − R) for R ≥ 0, else 1
 * Result ⌊MOS·10⌋, and 0 ("invalid") if that is below 10.
 */
export function mosFromInputs(rttUs: number, jitterMs: number, lossPercent: number): number {
  const eff = Math.trunc(rttUs / 1000) + 2 * jitterMs + 10;
  let r = eff < 160 ? 93.2 - eff / 40 : 93.2 - (eff - 120) / 10;
  r = r - 2.5 * lossPercent;
  const mos = r >= 0 ? 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r) : 1;
  const m = Math.trunc(mos * 10);
  return m < 10 ? 0 : m;
}

/**
 * MOS × 10 for one report block as 10.5 computes it: with CQ (the default) an end-to-end RTT of 0
 * (unknown) gives no MOS (0); with LQ the RTT is still used when known (10.5 quirk, spec §9.18) and
 * a missing RTT simply counts as 0.
 */
export function computeMos(rttUs: number, jitterMs: number, lossPercent: number, mosType: MosType = 'CQ'): number {
  if (rttUs === 0 && mosType === 'CQ') return 0;
  return mosFromInputs(rttUs, jitterMs, lossPercent);
}

/** Jitter in ms from an RR jitter field (timestamp units); clock rate 0 → the raw field. */
export function jitterMs(jitterField: number, clockRate: number): number {
  return clockRate > 0 ? Math.trunc((jitterField * 1000) / clockRate) : jitterField;
}

/** Packet loss in integer percent from an RR fraction-lost field (0..255). */
export function lossPercent(fractionLost: number): number {
  return Math.trunc((fractionLost * 100) / 256);
}

/**
 * Leg RTT in µs: now − receive time of the referenced SR − DLSR (1/65536 s, truncated to µs).
 * Returns 0 when the result is not in (0, 10 s].
 */
export function legRtt(nowUs: number, srReceivedUs: number, dlsr: number): number {
  const rtt = Math.floor(nowUs) - Math.floor(srReceivedUs) - Math.trunc((dlsr * 1_000_000) / 65536);
  return rtt <= 0 || rtt > MAX_RTT_US ? 0 : rtt;
}

// ---------------------------------------------------------------------------------------------------
// Global MOS counters (the `mos` group of the `statistics` reply, spec §5.5).

export class MosTotals {
  /** Sum of MOS × 10 values. */
  sum10 = 0;
  /** Sum of squares of MOS × 10 values. */
  sumSquares100 = 0;
  samples = 0;

  add(mos10: number): void {
    this.sum10 += mos10;
    this.sumSquares100 += mos10 * mos10;
    this.samples++;
  }

  /** Values in MOS units: total, total of squares, average and standard deviation (0 without samples). */
  summary(): { total: number; total2: number; samples: number; average: number; stddev: number } {
    const total = this.sum10 / 10;
    const total2 = this.sumSquares100 / 100;
    const n = this.samples;
    if (n === 0) return { total, total2, samples: 0, average: 0, stddev: 0 };
    const average = total / n;
    const variance = total2 / n - average * average;
    return { total, total2, samples: n, average, stddev: variance > 0 ? Math.sqrt(variance) : 0 };
  }
}

// ---------------------------------------------------------------------------------------------------
// Per-SSRC store.

/** One stored report block, already converted to reply units. */
export interface QualitySample {
  /** MOS × 10, 0 = none. */
  mos: number;
  /** End-to-end RTT, µs (0 = unknown). */
  rttUs: number;
  /** RTT between us and the reporter, µs (0 = unknown). */
  rttLegUs: number;
  jitterMs: number;
  lossPercent: number;
  /** Receive time of the report, µs since the epoch. */
  reportedUs: number;
}

/** Fields of a report block (RFC 3550 §6.4.1) that the store uses. */
export interface ReportBlockInput {
  /** 0..255 */
  fractionLost: number;
  /** cumulative-lost field as received */
  cumulativeLost: number;
  /** timestamp units */
  jitter: number;
  lsr: number;
  dlsr: number;
}

export type ReportOutcome =
  /** Stored (with or without a MOS). */
  | 'stored'
  /** No clock rate known for the source SSRC yet (no RTP relayed): ignored entirely. */
  | 'no-clock-rate'
  /** Less than 1 s after the previous stored block of the reporter: RTT/loss state updated, block dropped. */
  | 'too-soon';

export interface SsrcEntry {
  readonly ssrc: number;
  /** Ring of the last SR_HISTORY SRs sent by this SSRC: NTP middle bits and receive time. */
  readonly srNtp: number[];
  readonly srRecvUs: number[];
  srNext: number;
  /** Leg RTT computed from the latest report about this SSRC (µs, 0 = none/invalid). */
  lastRttUs: number;
  /** Round trip delay (ms) from this SSRC's latest RTCP XR VoIP metrics block (0 = none). */
  lastXrRttMs: number;
  /** Cumulative-lost field of this SSRC's latest report. */
  cumulativeLoss: number;
  /** Blocks reported by this SSRC (about the media it receives), in arrival order. */
  readonly blocks: QualitySample[];
  noMosCount: number;
  lowest: QualitySample | null;
  highest: QualitySample | null;
  sumMos: number;
  sumRtt: number;
  sumRttLeg: number;
  sumJitter: number;
  sumLoss: number;
}

export type QualityValue = number | QualityValue[] | Map<string, QualityValue>;
export type QualityDict = Map<string, QualityValue>;

export interface SsrcQualityOptions {
  /** `--mos` (default CQ). */
  mosType?: MosType;
  /** Daemon-wide counters for the `statistics` reply; each stored block with a MOS is added. */
  totals?: MosTotals;
}

/**
 * The quality data of one call, keyed by SSRC (rtpengine keeps one SSRC table per call).
 *
 * Integration: every RTCP packet received (after SRTCP decryption) is fed in its order of arrival:
 * `onSenderReport` for each SR, `onVoipMetrics` for each XR VoIP metrics block, then
 * `onReportBlock` for each report block of an SR or RR — or `ingest(scratch, …)`, which does exactly
 * that for a parsed compound packet. `nowUs` must be the packet's receive time on one clock shared by
 * all streams of the call (leg RTT = RR receive time − SR receive time).
 */
export class SsrcQuality {
  readonly mosType: MosType;
  private readonly totals: MosTotals | undefined;
  private readonly entries = new Map<number, SsrcEntry>();

  constructor(opts: SsrcQualityOptions = {}) {
    this.mosType = opts.mosType ?? 'CQ';
    this.totals = opts.totals;
  }

  /** The entry of `ssrc` (created on demand). */
  entry(ssrc: number): SsrcEntry {
    ssrc >>>= 0;
    let e = this.entries.get(ssrc);
    if (e === undefined) {
      e = {
        ssrc,
        srNtp: [],
        srRecvUs: [],
        srNext: 0,
        lastRttUs: 0,
        lastXrRttMs: 0,
        cumulativeLoss: 0,
        blocks: [],
        noMosCount: 0,
        lowest: null,
        highest: null,
        sumMos: 0,
        sumRtt: 0,
        sumRttLeg: 0,
        sumJitter: 0,
        sumLoss: 0,
      };
      this.entries.set(ssrc, e);
    }
    return e;
  }

  peek(ssrc: number): SsrcEntry | undefined {
    return this.entries.get(ssrc >>> 0);
  }

  forget(ssrc: number): void {
    this.entries.delete(ssrc >>> 0);
  }

  /** An SR from `ssrc` with NTP middle bits `ntpMiddle` arrived at `nowUs`. */
  onSenderReport(ssrc: number, ntpMiddle: number, nowUs: number): void {
    const e = this.entry(ssrc);
    const i = e.srNext;
    e.srNtp[i] = ntpMiddle >>> 0;
    e.srRecvUs[i] = nowUs;
    e.srNext = (i + 1) % SR_HISTORY;
  }

  /** Receive time of the newest remembered SR of `ssrc` whose NTP middle bits are `lsr`. */
  private findSr(e: SsrcEntry, lsr: number): number | undefined {
    const n = e.srNtp.length;
    for (let k = 1; k <= n; k++) {
      const i = (e.srNext - k + SR_HISTORY) % SR_HISTORY;
      if (i < n && e.srNtp[i] === lsr) return e.srRecvUs[i];
    }
    return undefined;
  }

  /** An RTCP XR VoIP metrics block from `reporterSsrc`; a non-zero round trip delay replaces the
   * end-to-end RTT of that reporter's following report blocks. */
  onVoipMetrics(reporterSsrc: number, _sourceSsrc: number, roundTripDelayMs: number): void {
    if (roundTripDelayMs > 0) this.entry(reporterSsrc).lastXrRttMs = roundTripDelayMs;
  }

  /**
   * A report block from `reporterSsrc` (party X) about `sourceSsrc` (Y, whose media X receives),
   * received at `nowUs`. `clockRate` is the RTP clock rate of the payload type most often relayed
   * for `sourceSsrc`; undefined when none is known yet (the block is then ignored, as in 10.5).
   */
  onReportBlock(reporterSsrc: number, sourceSsrc: number, block: ReportBlockInput, nowUs: number, clockRate: number | undefined): ReportOutcome {
    return this.onReportFields(reporterSsrc, sourceSsrc, block.fractionLost, block.cumulativeLost, block.jitter, block.lsr, block.dlsr, nowUs, clockRate);
  }

  /** `onReportBlock` with the block's fields as arguments. */
  onReportFields(
    reporterSsrc: number, sourceSsrc: number,
    fractionLost: number, cumulativeLost: number, jitterField: number, lsr: number, dlsr: number,
    nowUs: number, clockRate: number | undefined,
  ): ReportOutcome {
    if (clockRate === undefined || !(clockRate >= 0)) return 'no-clock-rate';
    const x = this.entry(reporterSsrc);
    const y = this.entry(sourceSsrc);

    // Leg RTT: us → Y's SR → … → X's report about it → us. Remembered on Y.
    let leg = 0;
    if (lsr !== 0 && dlsr !== 0) {
      const srAt = this.findSr(y, lsr >>> 0);
      if (srAt !== undefined) {
        leg = legRtt(nowUs, srAt, dlsr);
        if (leg > 0) y.lastRttUs = leg;
      }
    }
    x.cumulativeLoss = cumulativeLost;

    // End-to-end: this leg plus the other side's leg (the RTT last measured from Y's reports about
    // X's media, remembered on X). Unknown (0) until the other side has reported.
    let rtt = x.lastRttUs ? leg + x.lastRttUs : 0;
    if (x.lastXrRttMs > 0) rtt = x.lastXrRttMs * 1000;

    const jit = jitterMs(jitterField, clockRate);
    const loss = lossPercent(fractionLost);
    const sample: QualitySample = {
      mos: computeMos(rtt, jit, loss, this.mosType),
      rttUs: rtt,
      rttLegUs: leg,
      jitterMs: jit,
      lossPercent: loss,
      reportedUs: nowUs,
    };

    const prev = x.blocks.length > 0 ? x.blocks[x.blocks.length - 1]! : undefined;
    if (prev !== undefined && nowUs - prev.reportedUs < MIN_BLOCK_SPACING_US) return 'too-soon';

    x.blocks.push(sample);
    if (sample.mos === 0) {
      x.noMosCount++;
      return 'stored';
    }
    if (x.lowest === null || sample.mos < x.lowest.mos) x.lowest = sample;
    if (x.highest === null || sample.mos > x.highest.mos) x.highest = sample;
    x.sumMos += sample.mos;
    x.sumRtt += sample.rttUs;
    x.sumRttLeg += sample.rttLegUs;
    x.sumJitter += sample.jitterMs;
    x.sumLoss += sample.lossPercent;
    this.totals?.add(sample.mos);
    return 'stored';
  }

  /**
   * Feeds a parsed compound RTCP packet received at `nowUs`: SRs first, then XR VoIP metrics, then
   * report blocks. `clockRateOf(sourceSsrc)` gives the clock rate for a block's source (undefined =
   * no RTP relayed yet).
   */
  ingest(s: RtcpScratch, nowUs: number, clockRateOf: (sourceSsrc: number) => number | undefined): void {
    for (let i = 0; i < s.srCount; i++) this.onSenderReport(s.srSsrc[i]!, s.srNtpMiddle(i), nowUs);
    for (let i = 0; i < s.vmCount; i++) this.onVoipMetrics(s.vmReporter[i]!, s.vmSource[i]!, s.vmRoundTripDelay[i]!);
    for (let i = 0; i < s.blockCount; i++) {
      const src = s.blockSource[i]!;
      this.onReportFields(
        s.blockReporter[i]!, src, s.blockFraction[i]!, s.blockCumLost[i]!, s.blockJitter[i]!,
        s.blockLsr[i]!, s.blockDlsr[i]!, nowUs, clockRateOf(src),
      );
    }
  }

  /** Whether `ssrc` has MOS data, i.e. would be listed in a reply. */
  hasQuality(ssrc: number): boolean {
    const e = this.entries.get(ssrc >>> 0);
    return e !== undefined && e.blocks.length > 0 && e.lowest !== null && e.highest !== null;
  }

  /**
   * The per-SSRC reply block (spec §5.2) in rtpengine's key order, or undefined if `ssrc` has no
   * MOS sample (such SSRCs are not listed).
   */
  replyBlock(ssrc: number): QualityDict | undefined {
    const e = this.entries.get(ssrc >>> 0);
    if (e === undefined || e.blocks.length === 0 || e.lowest === null || e.highest === null) return undefined;
    const d: QualityDict = new Map();
    d.set('cumulative loss', e.cumulativeLoss);
    let n = e.blocks.length - e.noMosCount;
    if (n < 1) n = 1;
    const avg: QualityDict = new Map();
    avg.set('MOS', Math.floor(e.sumMos / n));
    avg.set('round-trip time', Math.floor(e.sumRtt / n));
    avg.set('round-trip time leg', Math.floor(e.sumRttLeg / n));
    avg.set('jitter', Math.floor(e.sumJitter / n));
    avg.set('packet loss', Math.floor(e.sumLoss / n));
    avg.set('samples', n);
    d.set('average MOS', avg);
    d.set('lowest MOS', sampleDict(e.lowest));
    d.set('highest MOS', sampleDict(e.highest));
    // Progression: about 10 entries, one per `interval` seconds from the first block on.
    const first = e.blocks[0]!;
    const firstSec = Math.floor(first.reportedUs / 1e6);
    const interval = Math.trunc((Math.floor(e.blocks[e.blocks.length - 1]!.reportedUs / 1e6) - firstSec) / 10);
    const entries: QualityValue[] = [];
    let next = firstSec;
    for (const b of e.blocks) {
      const sec = Math.floor(b.reportedUs / 1e6);
      if (sec < next) continue;
      next += interval;
      entries.push(sampleDict(b));
    }
    const prog: QualityDict = new Map();
    prog.set('interval', interval);
    prog.set('entries', entries);
    d.set('MOS progression', prog);
    return d;
  }

  /**
   * The `SSRC` dictionary of a reply for the given SSRCs (in that order, duplicates and SSRCs
   * without MOS data skipped). Keys are the SSRCs in decimal.
   */
  replyDict(ssrcs: Iterable<number>): QualityDict {
    const out: QualityDict = new Map();
    for (const s of ssrcs) {
      const key = String(s >>> 0);
      if (out.has(key)) continue;
      const b = this.replyBlock(s);
      if (b !== undefined) out.set(key, b);
    }
    return out;
  }
}

function sampleDict(s: QualitySample): QualityDict {
  const d: QualityDict = new Map();
  d.set('MOS', s.mos);
  d.set('round-trip time', s.rttUs);
  d.set('round-trip time leg', s.rttLegUs);
  d.set('jitter', s.jitterMs);
  d.set('packet loss', s.lossPercent);
  d.set('reported at', Math.floor(s.reportedUs / 1e6));
  return d;
}

// ---------------------------------------------------------------------------------------------------
// Estimated quality without RTCP.

export interface EstimatedQuality {
  /** MOS × 10 (same formula; 0 = below 1.0). */
  mos: number;
  /** Always true: not from RTCP, not something rtpengine would report. */
  estimated: true;
  /** RTT used in `eff` (µs): what the caller passed, 0 by default. */
  rttUs: number;
  jitterMs: number;
  lossPercent: number;
  /** Packets expected / lost in the interval (lost ≥ 0). */
  expected: number;
  lost: number;
}

/**
 * MOS × 10 estimated from our own receiver statistics. Unlike `computeMos` with CQ, an RTT of 0 is
 * used as is (eff = 0 + 2·jitter + 10): rtpengine would report no MOS at all without an RTT.
 */
export function estimateMos(jitterMsValue: number, lossPct: number, rttUs = 0): number {
  return mosFromInputs(rttUs, jitterMsValue, lossPct);
}

/**
 * Estimated quality over the interval between two `ReceiverStats.snapshot` records of one stream
 * (`prev` null = since the start). Loss goes through the RR fraction (⌊lost·256/expected⌋, capped at
 * 255) and then ⌊fraction·100/256⌋ so it matches what an RR for the same interval would yield; jitter is
 * the current estimate. Returns null when no packet was expected in the interval (no data). If the
 * sequence restarted in between (expected went down), `cur` is taken as a fresh start.
 */
export function estimateQuality(prev: ArrayLike<number> | null, cur: ArrayLike<number>, clockRate: number, rttUs = 0): EstimatedQuality | null {
  let expected = cur[SNAP_EXPECTED]!;
  let received = cur[SNAP_RECEIVED]!;
  if (prev !== null && prev[SNAP_EXPECTED]! <= expected) {
    expected -= prev[SNAP_EXPECTED]!;
    received -= prev[SNAP_RECEIVED]!;
  }
  if (!(expected > 0)) return null;
  const lost = expected - received > 0 ? expected - received : 0;
  let fraction = Math.floor((lost * 256) / expected);
  if (fraction > 255) fraction = 255;
  const loss = lossPercent(fraction);
  const jit = jitterMs(cur[SNAP_JITTER]!, clockRate);
  return { mos: estimateMos(jit, loss, rttUs), estimated: true, rttUs, jitterMs: jit, lossPercent: loss, expected, lost };
}
