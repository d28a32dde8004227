/**
 * The per-packet path of a media worker: a fixed list of stages run in order for every datagram.
 * A stage returns false to stop the packet (dropped or consumed). Later features slot in here
 * (SRTP decrypt/encrypt, RTCP statistics, recording taps, transcoding) without touching the others.
 *
 * Rules for everything in this file: no allocation beyond the Buffer and rinfo dgram hands over, no
 * closures, no promises, no postMessage except the once-per-learning-event notice.
 */
import type { RemoteInfo } from 'node:dgram';
import { parseRtcpInto, RtcpScratch } from '../../protocol/rtcp/parse.js';
import type { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { REC_REPORT_BLOCK, REC_SENDER_REPORT, REC_VOIP_METRICS, type ReportRing } from './report-ring.js';
import {
  F_BYTES, F_DROPPED, F_FORWARDED, F_LAST_PACKET_MS, F_LAST_PT, F_PACKETS, F_SSRC, SLOT_FIELDS,
  W_BYTES, W_DROPS, W_PACKETS,
} from './stream-table.js';
import {
  LEARN_DONE, LEARN_FIXED, LEARN_WAITING, LEARN_WINDOW, LEARNING_WINDOW_MS, MODE_HEURISTIC, MODE_IMMEDIATE,
  type RelayState,
} from './relay-state.js';

export type Stage = (slot: number, pkt: Buffer, rinfo: RemoteInfo) => boolean;

let S: RelayState;
let RS: ReceiverStats;
let ring: ReportRing;
const scratch = new RtcpScratch();
let f64: Float64Array;
let wBase = 0;
/** Coarse wall clock, refreshed by the worker's tick (packets need ms, not ns). */
let nowMs = Date.now();
let onLearned: (slot: number, address: string, port: number, confirmed: boolean) => void = () => {};

/** Minimum spacing of unconfirmed endpoint notices per slot (spoofed sources cannot flood main). */
const ENDPOINT_NOTICE_MS = 200;

export function initPipeline(
  state: RelayState,
  receiverStats: ReceiverStats,
  reports: ReportRing,
  learned: (slot: number, address: string, port: number, confirmed: boolean) => void,
): void {
  S = state;
  RS = receiverStats;
  ring = reports;
  f64 = state.table.f64;
  wBase = state.table.workerBase;
  onLearned = learned;
}

export function tick(now: number): void {
  nowMs = now;
}

export function currentMs(): number {
  return nowMs;
}

/**
 * Stage: accounting. Counts the datagram as received from this slot's participant and notes SSRC and
 * payload type. RTP header: RFC 3550 §5.1 (V=2 in the top bits of byte 0, PT in byte 1, SSRC at 8);
 * RTCP: RFC 3550 §6.4 (PT 200..204 in byte 1, sender SSRC at 4).
 */
function account(slot: number, pkt: Buffer): boolean {
  const b = slot * SLOT_FIELDS;
  f64[b + F_PACKETS]! += 1;
  f64[b + F_BYTES]! += pkt.length;
  f64[b + F_LAST_PACKET_MS] = nowMs;
  f64[wBase + W_PACKETS]! += 1;
  f64[wBase + W_BYTES]! += pkt.length;
  if (pkt.length >= 8 && (pkt[0]! & 0xc0) === 0x80) {
    const pt = pkt[1]!;
    if (pt >= 200 && pt <= 204) {
      if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = pkt.readUInt32BE(4);
    } else if (pkt.length >= 12) {
      f64[b + F_LAST_PT] = pt & 0x7f;
      if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = pkt.readUInt32BE(8);
    }
  }
  return true;
}

/** Preference of a source for heuristic learning (spec §7.4): exact > same address > same port > any. */
function heuristicScore(slot: number, rinfo: RemoteInfo): number {
  const sameAddr = rinfo.address === S.sdpAddr[slot];
  const samePort = rinfo.port === S.sdpPort[slot];
  return sameAddr && samePort ? 3 : sameAddr ? 2 : samePort ? 1 : 0;
}

/** Stage: endpoint learning (latching) and strict-source filtering. */
function learn(slot: number, _pkt: Buffer, rinfo: RemoteInfo): boolean {
  const st = S.learnState[slot]!;
  if (st === LEARN_FIXED) return true;
  if (st === LEARN_DONE) {
    if (S.strict[slot] === 1 && (rinfo.port !== S.epPort[slot] || rinfo.address !== S.epAddr[slot])) return drop(slot);
    return true;
  }
  const mode = S.learnMode[slot]!;
  // A packet from exactly the SDP endpoint confirms it at once (rtpengine does the same); the
  // delayed/heuristic window only applies to sources that differ from what the SDP said.
  if (mode === MODE_IMMEDIATE || (rinfo.port === S.sdpPort[slot] && rinfo.address === S.sdpAddr[slot])) {
    commit(slot, rinfo);
    return true;
  }
  if (st === LEARN_WAITING) {
    S.learnState[slot] = LEARN_WINDOW;
    S.learnDeadline[slot] = nowMs + LEARNING_WINDOW_MS;
  } else if (nowMs >= S.learnDeadline[slot]!) {
    // Window over: the next packet's source is committed (heuristic keeps its best candidate).
    if (mode === MODE_HEURISTIC && heuristicScore(slot, rinfo) < S.learnScore[slot]!) {
      S.learnState[slot] = LEARN_DONE;
      onLearned(slot, S.epAddr[slot]!, S.epPort[slot]!, true);
      return true;
    }
    commit(slot, rinfo);
    return true;
  }
  // Inside the window: follow the source so NATed endpoints get media at once.
  if (mode === MODE_HEURISTIC) {
    const score = heuristicScore(slot, rinfo);
    if (score < S.learnScore[slot]!) return true;
    S.learnScore[slot] = score;
  }
  if (rinfo.port !== S.epPort[slot] || rinfo.address !== S.epAddr[slot]) {
    S.epAddr[slot] = rinfo.address;
    S.epPort[slot] = rinfo.port;
    if (nowMs - S.noticeMs[slot]! >= ENDPOINT_NOTICE_MS) {
      S.noticeMs[slot] = nowMs;
      onLearned(slot, rinfo.address, rinfo.port, false);
    }
  }
  return true;
}

function commit(slot: number, rinfo: RemoteInfo): void {
  S.epAddr[slot] = rinfo.address;
  S.epPort[slot] = rinfo.port;
  S.learnState[slot] = LEARN_DONE;
  onLearned(slot, rinfo.address, rinfo.port, true);
}

/**
 * Stage: quality statistics. RTP feeds the receiver statistics of RFC 3550 A.1/A.8 (sequence, loss,
 * jitter) in the shared ReceiverStats; RTCP (RFC 3550 §6.4, RFC 3611) is parsed into a reused
 * scratch and its report data queued for the main thread's MOS computation.
 */
function inspect(slot: number, pkt: Buffer): boolean {
  if (pkt.length < 8 || (pkt[0]! & 0xc0) !== 0x80) return true;
  const pt = pkt[1]!;
  if (pt >= 192 && pt <= 223) {
    if (parseRtcpInto(pkt, pkt.length, scratch)) queueReports(slot);
    // generate-RTCP terminates RTCP here: the other side gets our reports instead.
    return S.genRtcp[slot] === 0;
  }
  if (pkt.length < 12 || S.component[slot] !== 1) return true;
  const clock = S.clockRate[slot]!;
  RS.update(slot, pkt.readUInt32BE(8), pkt.readUInt16BE(2), pkt.readUInt32BE(4), (performance.now() * clock) / 1000);
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
function forward(slot: number, pkt: Buffer): boolean {
  let out = S.sink[slot]!;
  // rtcp-mux (RFC 5761 §4): RTCP on an RTP port has a packet type of 192..223 in byte 1.
  const rs = S.rtcpSink[slot]!;
  if (rs >= 0 && pkt.length >= 2 && pkt[1]! >= 192 && pkt[1]! <= 223) out = rs;
  if (out < 0) return drop(slot);
  const sock = S.sockets[out];
  const addr = S.epAddr[out];
  if (sock === null || sock === undefined || addr === null || addr === undefined) return drop(slot);
  sock.send(pkt, S.epPort[out]!, addr);
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

/** The 'message' listener of every media socket (`this` is the socket, which carries its slot). */
export function onDatagram(this: { slot: number }, pkt: Buffer, rinfo: RemoteInfo): void {
  const slot = this.slot;
  account(slot, pkt);
  for (let i = 0; i < stages.length; i++) if (!stages[i]!(slot, pkt, rinfo)) return;
}
