/**
 * RTCP generation into caller buffers (RFC 3550 §6.4.1 SR, §6.4.2 RR, §6.5 SDES CNAME, A.3 loss),
 * from `ReceiverStats` state. No allocation: callers pass a reusable buffer and slot lists.
 * Every builder returns the number of bytes written, or -1 if the buffer is too small (nothing
 * useful is written then).
 */
import { RTCP_RR, RTCP_SDES, RTCP_SR, SDES_CNAME } from './parse.js';
import type { ReceiverStats } from '../rtp/receiver-stats.js';

/** At most 31 report blocks fit the 5-bit count of one SR/RR (RFC 3550 §6.4.1). */
export const MAX_BLOCKS_PER_REPORT = 31;

function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}

/**
 * One report block about the source on `slot` (24 bytes at `off`). Starts a new A.3 loss interval
 * for that slot. `nowMs` is on the clock used for `ReceiverStats.onSenderReport`.
 */
export function writeReportBlock(buf: Uint8Array, off: number, stats: ReceiverStats, slot: number, nowMs: number): void {
  put32(buf, off, stats.ssrc(slot) >>> 0);
  const fraction = stats.takeFractionLost(slot);
  const lost = stats.lost(slot) & 0xffffff; // signed 24-bit, two's complement
  put32(buf, off + 4, ((fraction << 24) | lost) >>> 0);
  put32(buf, off + 8, stats.extendedMax(slot) >>> 0);
  put32(buf, off + 12, stats.jitter(slot) >>> 0);
  put32(buf, off + 16, stats.lsr(slot) >>> 0);
  put32(buf, off + 20, stats.dlsr(slot, nowMs) >>> 0);
}

function blockCount(stats: ReceiverStats, slots: ArrayLike<number>, count: number): number {
  let n = 0;
  for (let i = 0; i < count && n < MAX_BLOCKS_PER_REPORT; i++) if (stats.valid(slots[i]!)) n++;
  return n;
}

function writeBlocks(buf: Uint8Array, p: number, stats: ReceiverStats, slots: ArrayLike<number>, count: number, nowMs: number, max: number): number {
  let n = 0;
  for (let i = 0; i < count && n < max; i++) {
    const slot = slots[i]!;
    if (!stats.valid(slot)) continue;
    writeReportBlock(buf, p, stats, slot, nowMs);
    p += 24;
    n++;
  }
  return p;
}

/** RFC 3550 §6.4.1/6.4.2/6.5 common header: V=2, no padding, report/source count, PT, length in words − 1, first SSRC. */
function writeHeader(buf: Uint8Array, off: number, rc: number, pt: number, size: number, ssrc: number): void {
  buf[off] = 0x80 | rc;
  buf[off + 1] = pt;
  buf[off + 2] = (size / 4 - 1) >>> 8;
  buf[off + 3] = (size / 4 - 1) & 0xff;
  put32(buf, off + 4, ssrc >>> 0);
}

/**
 * Receiver report from `senderSsrc` with one block per valid source among `slots[0..count)` (at
 * most 31; sources still in probation are skipped).
 */
export function buildReceiverReport(
  buf: Uint8Array, off: number, senderSsrc: number,
  stats: ReceiverStats, slots: ArrayLike<number>, count: number, nowMs: number,
): number {
  const rc = blockCount(stats, slots, count);
  const size = 8 + rc * 24;
  if (off < 0 || off + size > buf.length) return -1;
  writeHeader(buf, off, rc, RTCP_RR, size, senderSsrc);
  writeBlocks(buf, off + 8, stats, slots, count, nowMs, rc);
  return size;
}

/**
 * Sender report, RFC 3550 §6.4.1 (https://www.rfc-editor.org/rfc/rfc3550#section-6.4.1): header
 * (V=2, RC, PT=200, length) and `senderSsrc`, then the 20-byte sender info — NTP timestamp
 * (`ntpSec`.`ntpFrac`), RTP timestamp, sender's packet count, sender's octet count, each written
 * modulo 2^32 as the fields wrap — then report blocks as in `buildReceiverReport`. What the RTP
 * timestamp and the octets stand for is the caller's choice (the generator follows rtpengine there).
 */
export function buildSenderReport(
  buf: Uint8Array, off: number, senderSsrc: number,
  ntpSec: number, ntpFrac: number, rtpTs: number, packetCount: number, octetCount: number,
  stats: ReceiverStats, slots: ArrayLike<number>, count: number, nowMs: number,
): number {
  const rc = blockCount(stats, slots, count);
  const size = 28 + rc * 24;
  if (off < 0 || off + size > buf.length) return -1;
  writeHeader(buf, off, rc, RTCP_SR, size, senderSsrc);
  put32(buf, off + 8, ntpSec >>> 0);
  put32(buf, off + 12, ntpFrac >>> 0);
  put32(buf, off + 16, rtpTs >>> 0);
  put32(buf, off + 20, packetCount >>> 0);
  put32(buf, off + 24, octetCount >>> 0);
  writeBlocks(buf, off + 28, stats, slots, count, nowMs, rc);
  return size;
}

/** SDES packet with one chunk carrying a CNAME item (`cname`: at most 255 bytes, pre-encoded). */
export function buildSdesCname(buf: Uint8Array, off: number, ssrc: number, cname: Uint8Array): number {
  if (cname.length > 255) return -1;
  // header 4 + SSRC 4 + type/len 2 + text + at least one null, padded to 32 bits
  const size = (4 + 4 + 2 + cname.length + 1 + 3) & ~3;
  if (off < 0 || off + size > buf.length) return -1;
  writeHeader(buf, off, 1, RTCP_SDES, size, ssrc); // RFC 3550 §6.5: SC = 1, chunk 1's SSRC follows the header
  buf[off + 8] = SDES_CNAME;
  buf[off + 9] = cname.length;
  buf.set(cname, off + 10);
  buf.fill(0, off + 10 + cname.length, off + size);
  return size;
}

/** 64-bit NTP timestamp of a Unix time in ms, as [seconds, fraction] written into `out`. */
export function ntpFromUnixMs(ms: number, out: Uint32Array | number[]): void {
  const sec = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - sec * 1000) / 1000) * 0x100000000);
  out[0] = (sec + 2208988800) >>> 0;
  out[1] = frac >>> 0;
}
