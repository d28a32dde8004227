/**
 * Compound RTCP parser (RFC 3550 §6.4, §6.5, §6.6, A.2; RFC 3611 §3, §4.4, §4.5, §4.7).
 *
 * Two entry points:
 *  - `parseRtcpInto(buf, len, out)` — the per-packet path. Walks the compound packet once and writes
 *    the fields the statistics need into a caller-owned `RtcpScratch` (typed arrays, reused for every
 *    packet). No allocation, no exceptions: every read is bounds-checked against the packet's own
 *    length field *and* the real buffer length, and anything inconsistent makes it return false.
 *  - `parseRtcp(buf)` — allocating convenience for tests and the control plane; returns plain objects
 *    or null.
 *
 * What is kept: sender info of SRs, report blocks of SRs and RRs (with the SSRC of the packet that
 * carried them), BYE SSRCs, SDES CNAME positions, XR receiver reference time (RRTR), DLRR sub-blocks
 * and VoIP metrics blocks. APP, RTPFB/PSFB and unknown packet types are validated for framing only.
 *
 * Framing rules applied (RFC 3550 A.2, relaxed for reduced-size RTCP, RFC 5506): every packet has
 * version 2; its length field ((length + 1) × 4 bytes) must fit in what is left; padding (P bit) must
 * be between 1 and the packet's payload size; the packets must exactly tile `len` bytes. The first
 * packet is not required to be SR/RR.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;
export const RTCP_XR = 207;

/** XR block types (RFC 3611 §4). */
export const XR_RRTR = 4;
export const XR_DLRR = 5;
export const XR_VOIP_METRICS = 7;

/** SDES item type CNAME (RFC 3550 §6.5.1). */
export const SDES_CNAME = 1;

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
export const NTP_UNIX_OFFSET = 2208988800;

/** Bits of `RtcpScratch.typesSeen`. */
export const SEEN_SR = 1 << 0;
export const SEEN_RR = 1 << 1;
export const SEEN_SDES = 1 << 2;
export const SEEN_BYE = 1 << 3;
export const SEEN_APP = 1 << 4;
export const SEEN_FB = 1 << 5;
export const SEEN_XR = 1 << 6;
export const SEEN_OTHER = 1 << 7;

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** The middle 32 bits of a 64-bit NTP timestamp (what LSR carries, RFC 3550 §6.4.1). */
export function ntpMiddle(ntpSec: number, ntpFrac: number): number {
  return (((ntpSec & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0;
}

/**
 * Caller-owned parse target. Capacities are fixed at construction; entries beyond a capacity are
 * counted in the matching `*Overflow` field and otherwise skipped (the packet still parses).
 * Only the first `srCount`, `blockCount`, … entries of each array are meaningful after a parse.
 */
export class RtcpScratch {
  /** Number of RTCP packets in the compound. */
  packets = 0;
  /** OR of SEEN_* bits. */
  typesSeen = 0;

  // Sender reports (sender info, RFC 3550 §6.4.1).
  srCount = 0;
  srOverflow = 0;
  readonly srSsrc: Uint32Array;
  readonly srNtpSec: Uint32Array;
  readonly srNtpFrac: Uint32Array;
  readonly srRtpTs: Uint32Array;
  readonly srPacketCount: Uint32Array;
  readonly srOctetCount: Uint32Array;

  // Report blocks of SR and RR packets (RFC 3550 §6.4.1).
  blockCount = 0;
  blockOverflow = 0;
  /** SSRC of the SR/RR packet that carried the block (the reporter). */
  readonly blockReporter: Uint32Array;
  /** SSRC the block is about (SSRC_n). */
  readonly blockSource: Uint32Array;
  /** Fraction lost, 0..255 (fixed point, /256). */
  readonly blockFraction: Uint8Array;
  /** Cumulative number of packets lost: the raw 24-bit field, unsigned (see `cumulativeLostSigned`). */
  readonly blockCumLost: Uint32Array;
  readonly blockHighestSeq: Uint32Array;
  /** Interarrival jitter in RTP timestamp units. */
  readonly blockJitter: Uint32Array;
  /** Middle 32 bits of the NTP timestamp of the last SR from the source (0 = none). */
  readonly blockLsr: Uint32Array;
  /** Delay since that SR in 1/65536 s. */
  readonly blockDlsr: Uint32Array;

  // BYE (RFC 3550 §6.6).
  byeCount = 0;
  byeOverflow = 0;
  readonly byeSsrc: Uint32Array;

  // SDES CNAME items (RFC 3550 §6.5.1): where in the buffer the text is.
  cnameCount = 0;
  cnameOverflow = 0;
  readonly cnameSsrc: Uint32Array;
  readonly cnameOffset: Uint32Array;
  readonly cnameLength: Uint8Array;

  // XR receiver reference time (RFC 3611 §4.4).
  rrtrCount = 0;
  rrtrOverflow = 0;
  readonly rrtrReporter: Uint32Array;
  readonly rrtrNtpSec: Uint32Array;
  readonly rrtrNtpFrac: Uint32Array;

  // XR DLRR sub-blocks (RFC 3611 §4.5).
  dlrrCount = 0;
  dlrrOverflow = 0;
  readonly dlrrReporter: Uint32Array;
  readonly dlrrSsrc: Uint32Array;
  readonly dlrrLrr: Uint32Array;
  readonly dlrrDlrr: Uint32Array;

  // XR VoIP metrics (RFC 3611 §4.7).
  vmCount = 0;
  vmOverflow = 0;
  readonly vmReporter: Uint32Array;
  readonly vmSource: Uint32Array;
  /** loss rate, discard rate, burst density, gap density (each /256). */
  readonly vmLossRate: Uint8Array;
  readonly vmDiscardRate: Uint8Array;
  readonly vmBurstDensity: Uint8Array;
  readonly vmGapDensity: Uint8Array;
  /** ms */
  readonly vmBurstDuration: Uint16Array;
  /** ms */
  readonly vmGapDuration: Uint16Array;
  /** Round trip delay in ms (0 = unavailable). */
  readonly vmRoundTripDelay: Uint16Array;
  /** ms */
  readonly vmEndSystemDelay: Uint16Array;
  /** Signal level, noise level, RERL: signed dB (127 = unavailable). */
  readonly vmSignalLevel: Int8Array;
  readonly vmNoiseLevel: Int8Array;
  readonly vmRerl: Uint8Array;
  readonly vmGmin: Uint8Array;
  /** R factor, 0..100 (127 = unavailable). */
  readonly vmRFactor: Uint8Array;
  readonly vmExtRFactor: Uint8Array;
  /** MOS × 10 (127 = unavailable). */
  readonly vmMosLq: Uint8Array;
  readonly vmMosCq: Uint8Array;
  readonly vmRxConfig: Uint8Array;
  readonly vmJbNominal: Uint16Array;
  readonly vmJbMaximum: Uint16Array;
  readonly vmJbAbsMax: Uint16Array;

  constructor(readonly maxBlocks = 64, readonly maxSr = 4, readonly maxItems = 16) {
    this.srSsrc = new Uint32Array(maxSr);
    this.srNtpSec = new Uint32Array(maxSr);
    this.srNtpFrac = new Uint32Array(maxSr);
    this.srRtpTs = new Uint32Array(maxSr);
    this.srPacketCount = new Uint32Array(maxSr);
    this.srOctetCount = new Uint32Array(maxSr);
    this.blockReporter = new Uint32Array(maxBlocks);
    this.blockSource = new Uint32Array(maxBlocks);
    this.blockFraction = new Uint8Array(maxBlocks);
    this.blockCumLost = new Uint32Array(maxBlocks);
    this.blockHighestSeq = new Uint32Array(maxBlocks);
    this.blockJitter = new Uint32Array(maxBlocks);
    this.blockLsr = new Uint32Array(maxBlocks);
    this.blockDlsr = new Uint32Array(maxBlocks);
    this.byeSsrc = new Uint32Array(maxItems);
    this.cnameSsrc = new Uint32Array(maxItems);
    this.cnameOffset = new Uint32Array(maxItems);
    this.cnameLength = new Uint8Array(maxItems);
    this.rrtrReporter = new Uint32Array(maxItems);
    this.rrtrNtpSec = new Uint32Array(maxItems);
    this.rrtrNtpFrac = new Uint32Array(maxItems);
    this.dlrrReporter = new Uint32Array(maxItems);
    this.dlrrSsrc = new Uint32Array(maxItems);
    this.dlrrLrr = new Uint32Array(maxItems);
    this.dlrrDlrr = new Uint32Array(maxItems);
    this.vmReporter = new Uint32Array(maxItems);
    this.vmSource = new Uint32Array(maxItems);
    this.vmLossRate = new Uint8Array(maxItems);
    this.vmDiscardRate = new Uint8Array(maxItems);
    this.vmBurstDensity = new Uint8Array(maxItems);
    this.vmGapDensity = new Uint8Array(maxItems);
    this.vmBurstDuration = new Uint16Array(maxItems);
    this.vmGapDuration = new Uint16Array(maxItems);
    this.vmRoundTripDelay = new Uint16Array(maxItems);
    this.vmEndSystemDelay = new Uint16Array(maxItems);
    this.vmSignalLevel = new Int8Array(maxItems);
    this.vmNoiseLevel = new Int8Array(maxItems);
    this.vmRerl = new Uint8Array(maxItems);
    this.vmGmin = new Uint8Array(maxItems);
    this.vmRFactor = new Uint8Array(maxItems);
    this.vmExtRFactor = new Uint8Array(maxItems);
    this.vmMosLq = new Uint8Array(maxItems);
    this.vmMosCq = new Uint8Array(maxItems);
    this.vmRxConfig = new Uint8Array(maxItems);
    this.vmJbNominal = new Uint16Array(maxItems);
    this.vmJbMaximum = new Uint16Array(maxItems);
    this.vmJbAbsMax = new Uint16Array(maxItems);
  }

  reset(): void {
    this.packets = 0;
    this.typesSeen = 0;
    this.srCount = this.srOverflow = 0;
    this.blockCount = this.blockOverflow = 0;
    this.byeCount = this.byeOverflow = 0;
    this.cnameCount = this.cnameOverflow = 0;
    this.rrtrCount = this.rrtrOverflow = 0;
    this.dlrrCount = this.dlrrOverflow = 0;
    this.vmCount = this.vmOverflow = 0;
  }

  /** The cumulative-lost field of block `i` as the signed 24-bit number RFC 3550 §6.4.1 defines. */
  cumulativeLostSigned(i: number): number {
    const v = this.blockCumLost[i]!;
    return v & 0x800000 ? v - 0x1000000 : v;
  }

  /** LSR-style middle 32 bits of SR `i`'s NTP timestamp. */
  srNtpMiddle(i: number): number {
    return ntpMiddle(this.srNtpSec[i]!, this.srNtpFrac[i]!);
  }
}

/** Report blocks: 24 bytes each, starting at `p`, `rc` of them, reporter `reporter`. */
function readBlocks(b: Uint8Array, p: number, rc: number, reporter: number, out: RtcpScratch): void {
  for (let k = 0; k < rc; k++, p += 24) {
    const n = out.blockCount;
    if (n >= out.maxBlocks) {
      out.blockOverflow++;
      continue;
    }
    out.blockReporter[n] = reporter;
    out.blockSource[n] = u32(b, p);
    out.blockFraction[n] = b[p + 4]!;
    out.blockCumLost[n] = (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!;
    out.blockHighestSeq[n] = u32(b, p + 8);
    out.blockJitter[n] = u32(b, p + 12);
    out.blockLsr[n] = u32(b, p + 16);
    out.blockDlsr[n] = u32(b, p + 20);
    out.blockCount = n + 1;
  }
}

/** SDES chunks of the packet starting at `base`, up to `end`. Returns false on malformed chunks. */
function readSdes(b: Uint8Array, base: number, end: number, sc: number, out: RtcpScratch): boolean {
  let p = base + 4;
  for (let c = 0; c < sc; c++) {
    if (p + 4 > end) return false;
    const ssrc = u32(b, p);
    p += 4;
    // Items until a null type octet; then pad to the next 32-bit boundary.
    for (;;) {
      if (p >= end) return false;
      const type = b[p]!;
      if (type === 0) break;
      if (p + 2 > end) return false;
      const ilen = b[p + 1]!;
      if (p + 2 + ilen > end) return false;
      if (type === SDES_CNAME) {
        const n = out.cnameCount;
        if (n < out.maxItems) {
          out.cnameSsrc[n] = ssrc;
          out.cnameOffset[n] = p + 2;
          out.cnameLength[n] = ilen;
          out.cnameCount = n + 1;
        } else out.cnameOverflow++;
      }
      p += 2 + ilen;
    }
    // p is at the terminating null; the chunk ends at the next 32-bit boundary (relative to the
    // packet start) after it.
    p = base + ((p - base + 4) & ~3);
    if (p > end) return false;
  }
  return true;
}

/** XR report blocks in [p, end) of a packet from `reporter`. */
function readXr(b: Uint8Array, p: number, end: number, reporter: number, out: RtcpScratch): boolean {
  while (p < end) {
    if (p + 4 > end) return false;
    const bt = b[p]!;
    const blen = (u16(b, p + 2) + 1) * 4;
    const bend = p + blen;
    if (bend > end) return false;
    if (bt === XR_RRTR) {
      if (blen !== 12) return false;
      const n = out.rrtrCount;
      if (n < out.maxItems) {
        out.rrtrReporter[n] = reporter;
        out.rrtrNtpSec[n] = u32(b, p + 4);
        out.rrtrNtpFrac[n] = u32(b, p + 8);
        out.rrtrCount = n + 1;
      } else out.rrtrOverflow++;
    } else if (bt === XR_DLRR) {
      if ((blen - 4) % 12 !== 0) return false;
      for (let q = p + 4; q < bend; q += 12) {
        const n = out.dlrrCount;
        if (n >= out.maxItems) {
          out.dlrrOverflow++;
          continue;
        }
        out.dlrrReporter[n] = reporter;
        out.dlrrSsrc[n] = u32(b, q);
        out.dlrrLrr[n] = u32(b, q + 4);
        out.dlrrDlrr[n] = u32(b, q + 8);
        out.dlrrCount = n + 1;
      }
    } else if (bt === XR_VOIP_METRICS) {
      if (blen !== 36) return false;
      const n = out.vmCount;
      if (n < out.maxItems) {
        const q = p + 4;
        out.vmReporter[n] = reporter;
        out.vmSource[n] = u32(b, q);
        out.vmLossRate[n] = b[q + 4]!;
        out.vmDiscardRate[n] = b[q + 5]!;
        out.vmBurstDensity[n] = b[q + 6]!;
        out.vmGapDensity[n] = b[q + 7]!;
        out.vmBurstDuration[n] = u16(b, q + 8);
        out.vmGapDuration[n] = u16(b, q + 10);
        out.vmRoundTripDelay[n] = u16(b, q + 12);
        out.vmEndSystemDelay[n] = u16(b, q + 14);
        out.vmSignalLevel[n] = b[q + 16]!; // Int8Array store wraps to signed
        out.vmNoiseLevel[n] = b[q + 17]!;
        out.vmRerl[n] = b[q + 18]!;
        out.vmGmin[n] = b[q + 19]!;
        out.vmRFactor[n] = b[q + 20]!;
        out.vmExtRFactor[n] = b[q + 21]!;
        out.vmMosLq[n] = b[q + 22]!;
        out.vmMosCq[n] = b[q + 23]!;
        out.vmRxConfig[n] = b[q + 24]!;
        // q + 25: reserved
        out.vmJbNominal[n] = u16(b, q + 26);
        out.vmJbMaximum[n] = u16(b, q + 28);
        out.vmJbAbsMax[n] = u16(b, q + 30);
        out.vmCount = n + 1;
      } else out.vmOverflow++;
    }
    p = bend;
  }
  return true;
}

/**
 * Parses the compound RTCP packet in `buf[off, off + len)` into `out` (which is reset first).
 * Returns false if the bytes are not a well-formed compound packet; `out` is then partly filled and
 * must be ignored. Never throws and never reads outside `buf` (even if `len` lies about it).
 */
export function parseRtcpInto(buf: Uint8Array, len: number, out: RtcpScratch, off = 0): boolean {
  out.reset();
  if (!(len >= 4) || !(off >= 0) || (off | 0) !== off || (len | 0) !== len) return false;
  const total = off + len;
  if (total > buf.length) return false;
  let p = off;
  while (p < total) {
    if (p + 4 > total) return false;
    const b0 = buf[p]!;
    if ((b0 & 0xc0) !== 0x80) return false;
    const count = b0 & 0x1f;
    const pt = buf[p + 1]!;
    const plen = (u16(buf, p + 2) + 1) * 4;
    const pend = p + plen;
    if (pend > total) return false;
    // Payload end without padding (RFC 3550 §6.4.1: last octet = number of padding octets).
    let end = pend;
    if (b0 & 0x20) {
      const pad = buf[pend - 1]!;
      if (pad === 0 || pad > plen - 4) return false;
      end = pend - pad;
    }
    out.packets++;
    switch (pt) {
      case RTCP_SR: {
        // header(4) + SSRC(4) + sender info(20) + blocks
        if (p + 28 + count * 24 > end) return false;
        const ssrc = u32(buf, p + 4);
        const n = out.srCount;
        if (n < out.maxSr) {
          out.srSsrc[n] = ssrc;
          out.srNtpSec[n] = u32(buf, p + 8);
          out.srNtpFrac[n] = u32(buf, p + 12);
          out.srRtpTs[n] = u32(buf, p + 16);
          out.srPacketCount[n] = u32(buf, p + 20);
          out.srOctetCount[n] = u32(buf, p + 24);
          out.srCount = n + 1;
        } else out.srOverflow++;
        readBlocks(buf, p + 28, count, ssrc, out);
        out.typesSeen |= SEEN_SR;
        break;
      }
      case RTCP_RR: {
        if (p + 8 + count * 24 > end) return false;
        readBlocks(buf, p + 8, count, u32(buf, p + 4), out);
        out.typesSeen |= SEEN_RR;
        break;
      }
      case RTCP_SDES:
        if (!readSdes(buf, p, end, count, out)) return false;
        out.typesSeen |= SEEN_SDES;
        break;
      case RTCP_BYE: {
        if (p + 4 + count * 4 > end) return false;
        for (let k = 0; k < count; k++) {
          const n = out.byeCount;
          if (n < out.maxItems) {
            out.byeSsrc[n] = u32(buf, p + 4 + k * 4);
            out.byeCount = n + 1;
          } else out.byeOverflow++;
        }
        // Optional reason: length octet + text, must fit.
        const r = p + 4 + count * 4;
        if (r < end && r + 1 + buf[r]! > end) return false;
        out.typesSeen |= SEEN_BYE;
        break;
      }
      case RTCP_APP:
        if (p + 12 > end) return false;
        out.typesSeen |= SEEN_APP;
        break;
      case RTCP_RTPFB:
      case RTCP_PSFB:
        if (p + 12 > end) return false;
        out.typesSeen |= SEEN_FB;
        break;
      case RTCP_XR:
        if (p + 8 > end) return false;
        if (!readXr(buf, p + 8, end, u32(buf, p + 4), out)) return false;
        out.typesSeen |= SEEN_XR;
        break;
      default:
        out.typesSeen |= SEEN_OTHER;
    }
    p = pend;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Allocating form.

export interface RtcpSenderInfo {
  ssrc: number;
  ntpSec: number;
  ntpFrac: number;
  /** LSR-style middle 32 bits of the NTP timestamp. */
  ntpMiddle: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export interface RtcpReportBlock {
  /** SSRC of the SR/RR packet sender. */
  reporterSsrc: number;
  sourceSsrc: number;
  fractionLost: number;
  /** Raw 24-bit field (unsigned). */
  cumulativeLost: number;
  highestSeq: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export interface RtcpVoipMetrics {
  reporterSsrc: number;
  sourceSsrc: number;
  lossRate: number;
  discardRate: number;
  burstDensity: number;
  gapDensity: number;
  burstDuration: number;
  gapDuration: number;
  roundTripDelay: number;
  endSystemDelay: number;
  signalLevel: number;
  noiseLevel: number;
  rerl: number;
  gmin: number;
  rFactor: number;
  extRFactor: number;
  mosLq: number;
  mosCq: number;
  rxConfig: number;
  jbNominal: number;
  jbMaximum: number;
  jbAbsMax: number;
}

export interface ParsedRtcp {
  packets: number;
  typesSeen: number;
  senderReports: RtcpSenderInfo[];
  reportBlocks: RtcpReportBlock[];
  byes: number[];
  cnames: { ssrc: number; cname: string }[];
  rrtr: { reporterSsrc: number; ntpSec: number; ntpFrac: number }[];
  dlrr: { reporterSsrc: number; ssrc: number; lrr: number; dlrr: number }[];
  voipMetrics: RtcpVoipMetrics[];
}

/** Parses a whole buffer; null if it is not a well-formed compound RTCP packet. */
export function parseRtcp(buf: Uint8Array, maxBlocks = 256): ParsedRtcp | null {
  const s = new RtcpScratch(maxBlocks, 32, 64);
  if (!parseRtcpInto(buf, buf.length, s)) return null;
  return scratchToParsed(s, buf);
}

/** Copies a filled scratch into plain objects (`buf` is needed for CNAME text). */
export function scratchToParsed(s: RtcpScratch, buf: Uint8Array): ParsedRtcp {
  const r: ParsedRtcp = {
    packets: s.packets,
    typesSeen: s.typesSeen,
    senderReports: [],
    reportBlocks: [],
    byes: Array.from(s.byeSsrc.subarray(0, s.byeCount)),
    cnames: [],
    rrtr: [],
    dlrr: [],
    voipMetrics: [],
  };
  for (let i = 0; i < s.srCount; i++) {
    r.senderReports.push({
      ssrc: s.srSsrc[i]!,
      ntpSec: s.srNtpSec[i]!,
      ntpFrac: s.srNtpFrac[i]!,
      ntpMiddle: s.srNtpMiddle(i),
      rtpTimestamp: s.srRtpTs[i]!,
      packetCount: s.srPacketCount[i]!,
      octetCount: s.srOctetCount[i]!,
    });
  }
  for (let i = 0; i < s.blockCount; i++) {
    r.reportBlocks.push({
      reporterSsrc: s.blockReporter[i]!,
      sourceSsrc: s.blockSource[i]!,
      fractionLost: s.blockFraction[i]!,
      cumulativeLost: s.blockCumLost[i]!,
      highestSeq: s.blockHighestSeq[i]!,
      jitter: s.blockJitter[i]!,
      lsr: s.blockLsr[i]!,
      dlsr: s.blockDlsr[i]!,
    });
  }
  for (let i = 0; i < s.cnameCount; i++) {
    const o = s.cnameOffset[i]!;
    r.cnames.push({ ssrc: s.cnameSsrc[i]!, cname: Buffer.from(buf.buffer, buf.byteOffset + o, s.cnameLength[i]!).toString('latin1') });
  }
  for (let i = 0; i < s.rrtrCount; i++) {
    r.rrtr.push({ reporterSsrc: s.rrtrReporter[i]!, ntpSec: s.rrtrNtpSec[i]!, ntpFrac: s.rrtrNtpFrac[i]! });
  }
  for (let i = 0; i < s.dlrrCount; i++) {
    r.dlrr.push({ reporterSsrc: s.dlrrReporter[i]!, ssrc: s.dlrrSsrc[i]!, lrr: s.dlrrLrr[i]!, dlrr: s.dlrrDlrr[i]! });
  }
  for (let i = 0; i < s.vmCount; i++) {
    r.voipMetrics.push({
      reporterSsrc: s.vmReporter[i]!,
      sourceSsrc: s.vmSource[i]!,
      lossRate: s.vmLossRate[i]!,
      discardRate: s.vmDiscardRate[i]!,
      burstDensity: s.vmBurstDensity[i]!,
      gapDensity: s.vmGapDensity[i]!,
      burstDuration: s.vmBurstDuration[i]!,
      gapDuration: s.vmGapDuration[i]!,
      roundTripDelay: s.vmRoundTripDelay[i]!,
      endSystemDelay: s.vmEndSystemDelay[i]!,
      signalLevel: s.vmSignalLevel[i]!,
      noiseLevel: s.vmNoiseLevel[i]!,
      rerl: s.vmRerl[i]!,
      gmin: s.vmGmin[i]!,
      rFactor: s.vmRFactor[i]!,
      extRFactor: s.vmExtRFactor[i]!,
      mosLq: s.vmMosLq[i]!,
      mosCq: s.vmMosCq[i]!,
      rxConfig: s.vmRxConfig[i]!,
      jbNominal: s.vmJbNominal[i]!,
      jbMaximum: s.vmJbMaximum[i]!,
      jbAbsMax: s.vmJbAbsMax[i]!,
    });
  }
  return r;
}
