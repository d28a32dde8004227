/**
 * The per-packet path of a media worker: a fixed list of stages run in order for every datagram.
 * A stage returns false to stop the packet (dropped or consumed). Later features slot in here
 * (SRTP decrypt/encrypt, RTCP statistics, recording taps, transcoding) without touching the others.
 *
 * A packet is (slot, buf, off, len) plus its source (srcAddr, srcPort). With the dgram backend buf is
 * the datagram's own Buffer (off 0) and addresses are strings; with the batch backend buf is the
 * batch's shared receive buffer and addresses are numbers (see io.ts). Stages compare addresses with
 * `===` only, so they work on either form.
 *
 * Rules for everything in this file: no allocation beyond what the I/O backend hands over, no
 * closures, no promises, no postMessage except the once-per-learning-event notice.
 */
import type { Addr, MediaIo } from './io.js';
import { parseRtcpInto, RtcpScratch } from '../../protocol/rtcp/parse.js';
import type { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { REC_REPORT_BLOCK, REC_SENDER_REPORT, REC_VOIP_METRICS, type ReportRing } from './report-ring.js';
import {
  F_BYTES, F_DROPPED, F_ERRORS, F_FORWARDED, F_LAST_PACKET_MS, F_LAST_PT, F_PACKETS, F_SSRC, SLOT_FIELDS,
  W_BYTES, W_DROPS, W_PACKETS,
} from './stream-table.js';
import {
  LEARN_DONE, LEARN_FIXED, MODE_HEURISTIC, MODE_IMMEDIATE,
  type RelayState,
} from './relay-state.js';

export type Stage = (slot: number, pkt: Buffer, off: number, len: number) => boolean;

let S: RelayState;
let io: MediaIo;
/** Source of the packet being processed. */
let srcAddr: Addr = '';
let srcPort = 0;
let RS: ReceiverStats;
let ring: ReportRing;
const scratch = new RtcpScratch();
let f64: Float64Array;
let wBase = 0;
/** Coarse wall clock, refreshed by the worker's tick (packets need ms, not ns). */
let nowMs = Date.now();
let onLearned: (slot: number, address: Addr, port: number, confirmed: boolean) => void = () => {};

/** Minimum spacing of unconfirmed endpoint notices per slot (spoofed sources cannot flood main). */
const ENDPOINT_NOTICE_MS = 200;

export function initPipeline(
  state: RelayState,
  receiverStats: ReceiverStats,
  reports: ReportRing,
  learned: (slot: number, address: Addr, port: number, confirmed: boolean) => void,
  mediaIo: MediaIo,
): void {
  S = state;
  io = mediaIo;
  RS = receiverStats;
  ring = reports;
  f64 = state.table.f64;
  wBase = state.table.workerBase;
  onLearned = learned;
}

export function tick(now: number): void {
  nowMs = now;
  if (pendingNotices.length > 0) flushNotices();
}

export function currentMs(): number {
  return nowMs;
}

/**
 * Stage: accounting. Counts the datagram as received from this slot's participant and notes SSRC and
 * payload type. RTP header: RFC 3550 §5.1 (V=2 in the top bits of byte 0, PT in byte 1, SSRC at 8);
 * RTCP: RFC 3550 §6.4 (PT 200..204 in byte 1, sender SSRC at 4).
 */
function account(slot: number, pkt: Buffer, off: number, len: number): boolean {
  const b = slot * SLOT_FIELDS;
  f64[b + F_PACKETS]! += 1;
  f64[b + F_BYTES]! += len;
  f64[b + F_LAST_PACKET_MS] = nowMs;
  f64[wBase + W_PACKETS]! += 1;
  f64[wBase + W_BYTES]! += len;
  if (len >= 8 && (pkt[off]! & 0xc0) === 0x80) {
    const pt = pkt[off + 1]!;
    if (pt >= 200 && pt <= 204) {
      if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = pkt.readUInt32BE(off + 4);
    } else if (len >= 12) {
      f64[b + F_LAST_PT] = pt & 0x7f;
      if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = pkt.readUInt32BE(off + 8);
    }
  }
  return true;
}

/** Preference of a source for heuristic learning (spec §7.4): exact > same address > same port > any. */
function heuristicScore(slot: number): number {
  const sameAddr = srcAddr === S.sdpAddr[slot];
  const samePort = srcPort === S.sdpPort[slot];
  return sameAddr && samePort ? 3 : sameAddr ? 2 : samePort ? 1 : 0;
}

/** Stage: endpoint learning (latching) and strict-source filtering. */
function learn(slot: number): boolean {
  const st = S.learnState[slot]!;
  if (st === LEARN_FIXED) return true;
  if (st === LEARN_DONE) {
    // strict-source: rtpengine counts the rejected packets as errors of the stream.
    if (S.strict[slot] === 1 && (srcPort !== S.epPort[slot] || srcAddr !== S.epAddr[slot])) {
      f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
      return drop(slot);
    }
    return true;
  }
  const mode = S.learnMode[slot]!;
  if (mode === MODE_IMMEDIATE) {
    commit(slot);
    return true;
  }
  // delayed/heuristic: the window was opened by the signalling event (configure()); inside it the
  // destination follows the source, the first packet after it commits its source.
  if (nowMs >= S.learnDeadline[slot]!) {
    // Window over: the next packet's source is committed (heuristic keeps its best candidate).
    if (mode === MODE_HEURISTIC && heuristicScore(slot) < S.learnScore[slot]!) {
      S.learnState[slot] = LEARN_DONE;
      onLearned(slot, S.epAddr[slot]!, S.epPort[slot]!, true);
      return true;
    }
    commit(slot);
    return true;
  }
  // Inside the window: follow the source so NATed endpoints get media at once.
  if (mode === MODE_HEURISTIC) {
    const score = heuristicScore(slot);
    if (score < S.learnScore[slot]!) return true;
    S.learnScore[slot] = score;
  }
  if (srcPort !== S.epPort[slot] || srcAddr !== S.epAddr[slot]) {
    S.epAddr[slot] = srcAddr;
    S.epPort[slot] = srcPort;
    if (nowMs - S.noticeMs[slot]! >= ENDPOINT_NOTICE_MS) {
      S.noticeMs[slot] = nowMs;
      onLearned(slot, srcAddr, srcPort, false);
    } else if (S.noticePending[slot] === 0) {
      // Rate-limited: the latest endpoint is reported by tick() once the spacing allows.
      S.noticePending[slot] = 1;
      pendingNotices.push(slot);
    }
  }
  return true;
}

/** Slots whose endpoint change still has to be reported (rare: only on quick source switches). */
const pendingNotices: number[] = [];

function flushNotices(): void {
  for (let i = pendingNotices.length - 1; i >= 0; i--) {
    const slot = pendingNotices[i]!;
    if (S.noticePending[slot] === 0 || S.open[slot] !== 1) {
      S.noticePending[slot] = 0;
      pendingNotices.splice(i, 1);
      continue;
    }
    if (nowMs - S.noticeMs[slot]! < ENDPOINT_NOTICE_MS) continue;
    S.noticePending[slot] = 0;
    pendingNotices.splice(i, 1);
    if (S.learnState[slot] === LEARN_DONE) continue; // the commit already reported it
    S.noticeMs[slot] = nowMs;
    onLearned(slot, S.epAddr[slot]!, S.epPort[slot]!, false);
  }
}

function commit(slot: number): void {
  S.epAddr[slot] = srcAddr;
  S.epPort[slot] = srcPort;
  S.learnState[slot] = LEARN_DONE;
  onLearned(slot, srcAddr, srcPort, true);
}

/**
 * Stage: quality statistics. RTP feeds the receiver statistics of RFC 3550 A.1/A.8 (sequence, loss,
 * jitter) in the shared ReceiverStats; RTCP (RFC 3550 §6.4, RFC 3611) is parsed into a reused
 * scratch and its report data queued for the main thread's MOS computation.
 */
function inspect(slot: number, pkt: Buffer, off: number, len: number): boolean {
  if (len < 8 || (pkt[off]! & 0xc0) !== 0x80) return true;
  const pt = pkt[off + 1]!;
  if (pt >= 192 && pt <= 223) {
    if (parseRtcpInto(pkt, len, scratch, off)) queueReports(slot);
    // generate-RTCP terminates RTCP here: the other side gets our reports instead.
    return S.genRtcp[slot] === 0;
  }
  if (len < 12 || S.component[slot] !== 1) return true;
  const clock = S.clockRate[slot]!;
  RS.update(slot, pkt.readUInt32BE(off + 8), pkt.readUInt16BE(off + 2), pkt.readUInt32BE(off + 4), (performance.now() * clock) / 1000);
  return true;
}

/** Wall-clock µs shared by all threads (an RTT subtracts receive times seen by different sockets). */
function wallUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function queueReports(slot: number): void {
  const s = scratch;
  if (s.srCount + s.blockCount + s.vmCount === 0) return;
  const at = wallUs();
  const r = ring.records;
  for (let i = 0; i < s.srCount; i++) {
    const b = ring.claim();
    if (b < 0) return;
    r[b] = REC_SENDER_REPORT; r[b + 1] = slot; r[b + 2] = at; r[b + 3] = s.srSsrc[i]!; r[b + 4] = s.srNtpMiddle(i);
    ring.publish();
  }
  for (let i = 0; i < s.vmCount; i++) {
    const b = ring.claim();
    if (b < 0) return;
    r[b] = REC_VOIP_METRICS; r[b + 1] = slot; r[b + 2] = at; r[b + 3] = s.vmReporter[i]!; r[b + 4] = s.vmSource[i]!;
    r[b + 5] = s.vmRoundTripDelay[i]!;
    ring.publish();
  }
  for (let i = 0; i < s.blockCount; i++) {
    const b = ring.claim();
    if (b < 0) return;
    r[b] = REC_REPORT_BLOCK; r[b + 1] = slot; r[b + 2] = at; r[b + 3] = s.blockReporter[i]!; r[b + 4] = s.blockSource[i]!;
    r[b + 5] = s.blockFraction[i]!; r[b + 6] = s.blockCumLost[i]!; r[b + 7] = s.blockJitter[i]!;
    r[b + 8] = s.blockLsr[i]!; r[b + 9] = s.blockDlsr[i]!;
    ring.publish();
  }
}

/** Stage: send out of the other side's socket to the other side's endpoint. */
function forward(slot: number, pkt: Buffer, off: number, len: number): boolean {
  let out = S.sink[slot]!;
  // rtcp-mux (RFC 5761 §4): RTCP on an RTP port has a packet type of 192..223 in byte 1.
  const rs = S.rtcpSink[slot]!;
  if (rs >= 0 && len >= 2 && pkt[off + 1]! >= 192 && pkt[off + 1]! <= 223) out = rs;
  if (out < 0) return drop(slot);
  const addr = S.epAddr[out];
  if (S.open[out] !== 1 || addr === null || addr === undefined) return drop(slot);
  io.send(out, pkt, off, len, S.epPort[out]!, addr);
  f64[slot * SLOT_FIELDS + F_FORWARDED]! += 1;
  return true;
}

function drop(slot: number): boolean {
  f64[slot * SLOT_FIELDS + F_DROPPED]! += 1;
  f64[wBase + W_DROPS]! += 1;
  return false;
}

/** The stage list. Order matters: account first so drops are still counted as received. */
const stages: Stage[] = [learn, inspect, forward];

/** Runs the pipeline on one datagram received on `slot` from (addr, port). */
export function onPacket(slot: number, pkt: Buffer, off: number, len: number, addr: Addr, port: number): void {
  if (S.open[slot] !== 1) return;
  srcAddr = addr;
  srcPort = port;
  account(slot, pkt, off, len);
  for (let i = 0; i < stages.length; i++) if (!stages[i]!(slot, pkt, off, len)) return;
}
