/**
 * The per-packet path of a media worker. Every datagram goes through the same stages, in order, on
 * the worker's one PacketContext (packet-context.ts), which each stage reads and may rewrite:
 *
 *   ingress  1. classify  first byte → RTP / RTCP / STUN / DTLS / ... (RFC 7983, protocol/demux.ts);
 *                         RTP payload type and SSRC, or the RTCP sender SSRC (protocol/rtp/header.ts)
 *            1a. dispatch packets that are neither RTP nor RTCP: DTLS to the DTLS sink on slots that
 *                         run DTLS; dropped on slots with SRTP either way; else on down the media path
 *            1b. unprotect SRTP → RTP, SRTCP → RTCP in place with the slot's rx context (RFC 3711
 *                         §3.3/§3.4, RFC 7714); a packet that fails is dropped and counted as an error
 *            2. account   received packet/byte counters, SSRC and payload type of the stream; bytes
 *                         of the decrypted packet, as rtpengine 10.5 counts them (measured)
 *            3. learn     endpoint learning (latching) and strict-source
 *            4. inspect   RTP receiver statistics, RTCP report data for MOS/RTT
 *            5. handle    the slot's handler, chosen at configure time (not per packet) from the
 *                         slot's and its sink's settings: picks the output slot or consumes the packet
 *            5a. transcode RTP of a slot with a transcoder (SlotConfig.transcode) goes through it
 *                         (transcode/direction-transcoder.ts): decode → resample → encode, ptime, DTMF;
 *                         what it makes leaves through emit() like relayed packets
 *   egress   6. emit      to the output slot's endpoint through the I/O backend (io.ts send); with
 *                         the slot's tx context protected first, in the backend's output area (the
 *                         trailer needs room behind the packet); what is not RTP/RTCP never leaves
 *                         a slot with a tx context
 *
 * Packets the worker makes itself (generated RTCP; later played media and DTMF) enter at egress
 * (emit()), so they pass the same egress stages as relayed ones: generated RTCP becomes SRTCP.
 * Learning, statistics, the handlers (rtcp-mux demux, generate-RTCP) all see decrypted packets.
 * Like rtpengine's stream_packet(), whose handlers are likewise picked per stream pair at signalling
 * time; passthrough is the trivial handler, transcoding the one with codec state.
 *
 * A packet's bytes are (buf, off, len): with the dgram backend the datagram's own Buffer (off 0), with
 * the batch backend the batch's shared receive area; addresses are strings or numbers accordingly
 * (io.ts). Stages compare addresses with `===` only, so they work on either form.
 *
 * Rules for everything in this file: no allocation beyond what the I/O backend hands over, no
 * closures, no promises, no postMessage except the once-per-learning-event notice.
 */
import type { Addr, MediaIo } from './io.js';
import { DirectionTranscoder } from '../../transcode/direction-transcoder.js';
import type { DirectionConfig, RtpOut } from '../../transcode/types.js';
import { classifyPacket, PKT_DTLS, PKT_RTCP, PKT_RTP, PKT_STUN } from '../../protocol/demux.js';
import { ERR_AUTH, ERR_REPLAY } from '../../protocol/srtp/srtp-context.js';
import { rtcpSenderSsrc, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../../protocol/rtp/header.js';
import { parseRtcpInto, RtcpScratch } from '../../protocol/rtcp/parse.js';
import type { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import { PacketContext } from './packet-context.js';
import { SlotChainCounter } from './transcode-counters.js';
import { KeyWaitQueue } from './key-wait.js';
import { REC_REPORT_BLOCK, REC_SENDER_REPORT, REC_VOIP_METRICS, type ReportRing } from './report-ring.js';
import {
  F_BYTES, F_DROPPED, F_ERRORS, F_FORWARDED, F_LAST_PACKET_MS, F_LAST_PT, F_PACKETS, F_SSRC, SLOT_FIELDS,
  W_BYTES, W_DROPS, W_DTLS_RECORDS, W_ERRORS, W_NON_MEDIA_DROPS, W_PACKETS, W_SRTP_AUTH_FAILURES, W_SRTP_MALFORMED,
  W_SRTP_PROTECTED, W_SRTP_REPLAY_DROPS, W_SRTP_UNPROTECTED,
} from './stream-table.js';
import {
  H_CONSUME_RTCP, H_FORWARD, H_RTCP_MUX, LEARN_DONE, LEARN_FIXED, MODE_HEURISTIC, MODE_IMMEDIATE, SRTP_RX, SRTP_TX,
  type RelayState,
} from './relay-state.js';

let S: RelayState;
/** SRTP that came before its slot's DTLS-SRTP keys (key-wait.ts). */
const keyWait = new KeyWaitQueue();
let io: MediaIo;
/** The worker's one packet context (see the file comment). */
const ctx = new PacketContext();
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
  transcoders = new Array<DirectionTranscoder | null>(state.slots).fill(null);
  transcodedOuts = new Array<TranscodedOut | null>(state.slots).fill(null);
  chainCounters = new Array<SlotChainCounter | null>(state.slots).fill(null);
}

/**
 * Receives the DTLS records (RFC 7983 first byte 20..63) that arrive on slots whose SlotConfig.dtls
 * is set: (slot, bytes, source). The bytes are valid only during the call (the I/O backend reuses
 * them): copy what you keep. It runs on the packet path, so it must return quickly; an exception it
 * throws is counted as an error of the slot and the record is gone.
 */
export type DtlsSink = (slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number) => void;

let dtlsSink: DtlsSink | null = null;

/** Registers the worker's DTLS handler (null: DTLS records are dropped like on slots without DTLS). */
let stunSink: DtlsSink | null = null;

/** Where STUN on ICE slots goes (the worker's channel to the ICE agents in the main thread). */
export function setStunSink(fn: DtlsSink | null): void {
  stunSink = fn;
}

export function setDtlsSink(fn: DtlsSink | null): void {
  dtlsSink = fn;
}

/**
 * Sends a packet out of `slot`'s socket to (addr, port) as it is: no SRTP, no counters. For what
 * is not media — DTLS records of the slot's handshake. Outside the I/O backend's receive callback
 * (timers), call flushSends() after. False when the slot is closed.
 */
export function sendRaw(slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number): boolean {
  if (S.open[slot] !== 1) return false;
  io.send(slot, buf, off, len, port, addr);
  return true;
}

/** Sends what sendRaw() and emit() queued (the batch backend queues; node:dgram sends at once). */
export function flushSends(): void {
  io.flush();
}

/** An address of the active I/O backend as text (for logs and the main thread). */
export function addrString(a: Addr): string {
  return io.addrString(a);
}

/**
 * Runs the packets that waited for their slot's keys (after the command ring was drained: keys and
 * configuration arrive together). Called by the worker after every drain.
 */
export function replayKeyWaits(): void {
  if (keyWait.pending > 0) keyWait.replay(nowMs, keysReady, onPacket, drop);
}

function keysReady(slot: number): boolean {
  return (S.srtp[slot]! & SRTP_RX) !== 0;
}

/** A closing slot's waiting packets go with it. */
export function forgetKeyWaits(slot: number): void {
  keyWait.forget(slot);
}

export function tick(now: number): void {
  nowMs = now;
  if (pendingNotices.length > 0) flushNotices();
  if (activeTranscoders.length > 0) tickTranscoders();
}

/** True while tick() has work to do every 10 ms: endpoint notices waiting out their spacing, or transcoders (media-worker.ts runs its clock fast only then). */
export function needsClock(): boolean {
  return pendingNotices.length > 0 || activeTranscoders.length > 0;
}

export function currentMs(): number {
  return nowMs;
}

/** Runs the pipeline on one datagram received on `slot` from (addr, port). */
export function onPacket(slot: number, buf: Buffer, off: number, len: number, addr: Addr, port: number): void {
  if (S.open[slot] !== 1) return;
  const c = ctx;
  c.begin(slot, buf, off, len, addr, port);
  classify(c);
  // PKT_RTP and PKT_RTCP are the two highest classes; everything below is not media.
  if (c.cls < PKT_RTP && !dispatchNonMedia(c)) return;
  if ((S.srtp[slot]! & SRTP_RX) !== 0) {
    if (!unprotect(c)) return;
  } else if (S.dtls[slot] === 1) {
    // DTLS-SRTP whose keys are still on their way from the handshake (key-wait.ts).
    if (!keyWait.hold(slot, c.buf, c.off, c.len, c.srcAddr, c.srcPort, nowMs)) drop(slot);
    return;
  }
  account(c);
  if (!learn(c)) return;
  if (!inspect(c)) return;
  if (!handle(c)) return;
  if (c.cls === PKT_RTP && transcoders[slot] !== null) {
    transcode(c);
    return;
  }
  forward(c);
}

/**
 * Stage 1: classify. RFC 7983 §7 first-byte ranges with RFC 5761 §4 splitting RTP from RTCP
 * (protocol/demux.ts), then the header fields later stages need: RTP (RFC 3550 §5.1) payload type
 * and SSRC, RTCP (RFC 3550 §6.4) sender SSRC. Reduced-size RTCP feedback (RFC 5506, PT 205/206) is
 * RTCP, not RTP.
 */
function classify(c: PacketContext): void {
  const cls = classifyPacket(c.buf, c.off, c.len);
  c.cls = cls;
  if (cls === PKT_RTP) {
    c.pt = rtpPayloadType(c.buf, c.off);
    c.ssrc = rtpSsrc(c.buf, c.off);
  } else if (cls === PKT_RTCP) {
    c.ssrc = rtcpSenderSsrc(c.buf, c.off);
  }
}

/**
 * Stage 1a: what is neither RTP nor RTCP (STUN, ZRTP, DTLS, TURN channel data, unassigned first
 * bytes) never goes down the media path blindly. DTLS goes to the DTLS sink where the slot runs
 * DTLS-SRTP, and is a counted drop elsewhere. On a slot with SRTP either way, or whose sink protects
 * what it sends, anything else non-media is a counted drop too: it could not be authenticated, and
 * must not reach an encrypted leg in clear. On plain slots the rest (STUN, ...) is relayed as before.
 * True: continue down the media path.
 */
function dispatchNonMedia(c: PacketContext): boolean {
  const slot = c.slot;
  if (c.cls === PKT_DTLS) {
    if (S.dtls[slot] === 1 && dtlsSink !== null) {
      f64[wBase + W_DTLS_RECORDS]! += 1;
      try {
        dtlsSink(slot, c.buf, c.off, c.len, c.srcAddr, c.srcPort);
      } catch {
        f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
        f64[wBase + W_ERRORS]! += 1;
      }
      return false;
    }
    return nonMediaDrop(slot);
  }
  // STUN (RFC 7983 §7: first byte 0-3) on a slot where we run ICE is for our agent, never relayed.
  if (c.cls === PKT_STUN && S.ice[slot] === 1 && stunSink !== null) {
    try {
      stunSink(slot, c.buf, c.off, c.len, c.srcAddr, c.srcPort);
    } catch {
      f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
      f64[wBase + W_ERRORS]! += 1;
    }
    return false;
  }
  if (S.srtp[slot] !== 0) return nonMediaDrop(slot);
  const sink = S.sink[slot]!;
  if (sink >= 0 && (S.srtp[sink]! & SRTP_TX) !== 0) return nonMediaDrop(slot);
  return true;
}

/**
 * Non-media that is not relayed: an error of the stream, not a received packet (rtpengine 10.5
 * counts STUN, DTLS, ZRTP and garbage arriving on an SRTP stream so, measured), and a drop.
 */
function nonMediaDrop(slot: number): boolean {
  f64[wBase + W_NON_MEDIA_DROPS]! += 1;
  return errorDrop(slot);
}

/**
 * Stage 1b: SRTP/SRTCP → RTP/RTCP in place with the slot's rx context (RFC 3711 §3.3, §3.4; RFC 7714
 * §8, §9 for GCM): replay check, authentication, then decryption; `len` loses the trailer. A packet
 * that fails (too short or malformed, tag mismatch, index replayed or behind the window, or keys that
 * could not be used) is dropped before accounting, learning or anything else sees it: counted as an
 * error of the stream, not as received — as rtpengine 10.5 counts them (measured), except that it
 * relays replayed packets. False: dropped.
 */
function unprotect(c: PacketContext): boolean {
  const ctx = S.srtpRx[c.slot]!;
  let n = -1;
  if (ctx !== null) n = c.cls === PKT_RTP ? ctx.unprotectRtp(c.buf, c.off, c.len) : ctx.unprotectRtcp(c.buf, c.off, c.len);
  if (n >= 0) {
    c.len = n;
    f64[wBase + W_SRTP_UNPROTECTED]! += 1;
    return true;
  }
  f64[wBase + (n === ERR_AUTH ? W_SRTP_AUTH_FAILURES : n === ERR_REPLAY ? W_SRTP_REPLAY_DROPS : W_SRTP_MALFORMED)]! += 1;
  return errorDrop(c.slot);
}

function errorDrop(slot: number): boolean {
  f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
  f64[wBase + W_ERRORS]! += 1;
  return drop(slot);
}

/** Stage 2: accounting. Counts the datagram as received from this slot's participant (also one later dropped). */
function account(c: PacketContext): void {
  const b = c.slot * SLOT_FIELDS;
  f64[b + F_PACKETS]! += 1;
  f64[b + F_BYTES]! += c.len;
  f64[b + F_LAST_PACKET_MS] = nowMs;
  f64[wBase + W_PACKETS]! += 1;
  f64[wBase + W_BYTES]! += c.len;
  if (c.cls === PKT_RTP) {
    f64[b + F_LAST_PT] = c.pt;
    if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = c.ssrc;
  } else if (c.cls === PKT_RTCP && S.component[c.slot] === 2) {
    // Only an RTCP stream takes its SSRC from RTCP: RTCP muxed onto an RTP stream (a PLI, say) does
    // not name that stream's sender, and rtpengine 10.5 reports none for it.
    if (f64[b + F_SSRC] === -1) f64[b + F_SSRC] = c.ssrc;
  }
}

/** Preference of a source for heuristic learning (spec §7.4): exact > same address > same port > any. */
function heuristicScore(c: PacketContext): number {
  const sameAddr = c.srcAddr === S.sdpAddr[c.slot];
  const samePort = c.srcPort === S.sdpPort[c.slot];
  return sameAddr && samePort ? 3 : sameAddr ? 2 : samePort ? 1 : 0;
}

/** Stage 3: endpoint learning (latching) and strict-source filtering. */
function learn(c: PacketContext): boolean {
  const slot = c.slot;
  const st = S.learnState[slot]!;
  if (st === LEARN_FIXED) return true;
  if (st === LEARN_DONE) {
    // strict-source: rtpengine counts the rejected packets as errors of the stream.
    if (S.strict[slot] === 1 && (c.srcPort !== S.epPort[slot] || c.srcAddr !== S.epAddr[slot])) {
      f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
      return drop(slot);
    }
    return true;
  }
  const mode = S.learnMode[slot]!;
  if (mode === MODE_IMMEDIATE) {
    commit(c);
    return true;
  }
  // delayed/heuristic: the window was opened by the signalling event (configure()); inside it the
  // destination follows the source, the first packet after it commits its source.
  if (nowMs >= S.learnDeadline[slot]!) {
    // Window over: the next packet's source is committed (heuristic keeps its best candidate).
    if (mode === MODE_HEURISTIC && heuristicScore(c) < S.learnScore[slot]!) {
      S.learnState[slot] = LEARN_DONE;
      onLearned(slot, S.epAddr[slot]!, S.epPort[slot]!, true);
      return true;
    }
    commit(c);
    return true;
  }
  // Inside the window: follow the source so NATed endpoints get media at once.
  if (mode === MODE_HEURISTIC) {
    const score = heuristicScore(c);
    if (score < S.learnScore[slot]!) return true;
    S.learnScore[slot] = score;
  }
  if (c.srcPort !== S.epPort[slot] || c.srcAddr !== S.epAddr[slot]) {
    S.epAddr[slot] = c.srcAddr;
    S.epPort[slot] = c.srcPort;
    if (nowMs - S.noticeMs[slot]! >= ENDPOINT_NOTICE_MS) {
      S.noticeMs[slot] = nowMs;
      onLearned(slot, c.srcAddr, c.srcPort, false);
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

function commit(c: PacketContext): void {
  const slot = c.slot;
  S.epAddr[slot] = c.srcAddr;
  S.epPort[slot] = c.srcPort;
  S.learnState[slot] = LEARN_DONE;
  onLearned(slot, c.srcAddr, c.srcPort, true);
}

/**
 * Stage 4: quality statistics. RTP feeds the receiver statistics of RFC 3550 A.1/A.8 (sequence, loss,
 * jitter) in the shared ReceiverStats; RTCP (RFC 3550 §6.4, RFC 3611) is parsed into a reused
 * scratch and its report data queued for the main thread's MOS computation.
 */
function inspect(c: PacketContext): boolean {
  const slot = c.slot;
  if (c.cls === PKT_RTCP) {
    if (parseRtcpInto(c.buf, c.len, scratch, c.off)) queueReports(slot);
  } else if (c.cls === PKT_RTP && S.component[slot] === 1) {
    const clock = S.clockRate[slot]!;
    RS.update(slot, c.ssrc, rtpSequence(c.buf, c.off), rtpTimestamp(c.buf, c.off), (performance.now() * clock) / 1000);
  }
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

/**
 * Stage 5: the slot's handler (relay-state.ts chooseHandler(), run at configure time). It picks the
 * output slot, or consumes the packet (false; not a drop).
 */
function handle(c: PacketContext): boolean {
  const slot = c.slot;
  switch (S.handler[slot]) {
    case H_FORWARD:
      c.out = S.sink[slot]!;
      return true;
    case H_RTCP_MUX:
      // rtcp-mux (RFC 5761 §4) toward the other side is off: its RTCP goes to its RTCP socket.
      c.out = c.cls === PKT_RTCP ? S.rtcpSink[slot]! : S.sink[slot]!;
      return true;
    case H_CONSUME_RTCP:
      // generate-RTCP terminates RTCP here (after inspect): the other side gets our reports instead.
      if (c.cls === PKT_RTCP) return false;
      c.out = S.sink[slot]!;
      return true;
    default:
      return drop(slot);
  }
}

/**
 * Where a slot's transcoder sends what it makes: out of the slot the handler picked (its sink), counted
 * like a relayed packet on the sink's send side. One per transcoder, made at configure time.
 */
class TranscodedOut implements RtpOut {
  /** The output slot, set by the transcode stage before every push (the handler's choice). */
  out = -1;

  sendRtp(buf: Buffer, off: number, len: number): void {
    const out = this.out;
    if (out < 0 || !emit(out, buf, off, len, PKT_RTP)) return;
    countSentPacket(out, rtpSsrc(buf, off), rtpTimestamp(buf, off), len);
  }
}

/** Per slot: its transcoder (SlotConfig.transcode) and where that sends, or null: relayed unchanged. */
let transcoders: (DirectionTranscoder | null)[] = [];
let transcodedOuts: (TranscodedOut | null)[] = [];
/** Per transcoding slot: its per-chain counters (rtpengine_transcode_*_total, transcode-counters.ts). */
let chainCounters: (SlotChainCounter | null)[] = [];
/** Slots that have a transcoder (their timers run in tick()). */
const activeTranscoders: number[] = [];

/**
 * The slot's transcoding from now on (CMD_TRANSCODE; null: none). An existing transcoder takes a new
 * config with update(), which keeps its output SSRC, sequence numbers and timestamps continuous.
 * Throws when the config cannot be built (a codec the engine lacks); the caller then sets null and
 * logs it, and the slot relays unchanged.
 */
export function setTranscode(slot: number, cfg: DirectionConfig | null): void {
  const had = transcoders[slot]!;
  if (cfg === null) {
    if (had === null) return;
    had.close();
    transcoders[slot] = null;
    transcodedOuts[slot] = null;
    chainCounters[slot] = null;
    activeTranscoders.splice(activeTranscoders.indexOf(slot), 1);
    return;
  }
  if (had !== null) {
    had.update(cfg);
    chainCounters[slot] = new SlotChainCounter(f64, S.table.xcIndex(slot, 0), cfg);
    return;
  }
  const out = new TranscodedOut();
  transcoders[slot] = new DirectionTranscoder(cfg, out);
  transcodedOuts[slot] = out;
  chainCounters[slot] = new SlotChainCounter(f64, S.table.xcIndex(slot, 0), cfg);
  activeTranscoders.push(slot);
}

function tickTranscoders(): void {
  for (let i = 0; i < activeTranscoders.length; i++) {
    const slot = activeTranscoders[i]!;
    const o = transcodedOuts[slot]!;
    o.out = S.sink[slot]!;
    try {
      transcoders[slot]!.tick(nowMs);
    } catch {
      f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
      f64[wBase + W_ERRORS]! += 1;
    }
  }
  io.flush();
}

/**
 * Stage 5a: the slot's transcoder takes the RTP (decrypted, accounted, inspected) and sends what it
 * makes through TranscodedOut → emit(). The input packet counts as forwarded when the transcoder took
 * it (a frame it holds for repacketization included); a packet it cannot use (unknown payload type,
 * undecodable) is a counted drop, as rtpengine counts them. Its chain counts it on the way in
 * (packets, payload bytes) and, once the transcoder took it, its samples (transcode-counters.ts).
 */
function transcode(c: PacketContext): void {
  const slot = c.slot;
  transcodedOuts[slot]!.out = c.out;
  const counter = chainCounters[slot]!;
  const chain = counter.input(c.buf, c.off, c.len);
  let n = -1;
  try {
    n = transcoders[slot]!.push(c.buf, c.off, c.len, nowMs);
  } catch {
    f64[slot * SLOT_FIELDS + F_ERRORS]! += 1;
    f64[wBase + W_ERRORS]! += 1;
  }
  if (n < 0) {
    drop(slot);
    return;
  }
  if (chain >= 0) counter.decoded(chain);
  f64[slot * SLOT_FIELDS + F_FORWARDED]! += 1;
}

/**
 * Stage 6 for relayed packets: emit toward the output slot's participant, counted on the input slot;
 * RTP also on the output slot's send side (sender info of generated SRs, rtcp-generator.ts).
 */
function forward(c: PacketContext): void {
  const out = c.out;
  if (out < 0 || !emit(out, c.buf, c.off, c.len, c.cls)) {
    drop(c.slot);
    return;
  }
  f64[c.slot * SLOT_FIELDS + F_FORWARDED]! += 1;
  if (c.cls === PKT_RTP) countSent(out, c);
}

/**
 * Send-side counters of one SSRC, as rtpengine keeps per outgoing SSRC: a new SSRC starts them over,
 * so an SR never mixes two streams' counts. The timestamp is the packet's own (rtpengine 10.5 puts the
 * last one sent into its SR, not one extrapolated to the SR's wall-clock time).
 */
function countSent(out: number, c: PacketContext): void {
  countSentPacket(out, c.ssrc, rtpTimestamp(c.buf, c.off), c.len);
}

function countSentPacket(out: number, ssrc: number, ts: number, len: number): void {
  if (S.outRtp[out] === 0 || S.outSsrc[out] !== ssrc) {
    S.outRtp[out] = 1;
    S.outSsrc[out] = ssrc;
    S.outPackets[out] = 0;
    S.outOctets[out] = 0;
  }
  S.outTs[out] = ts;
  S.outPackets[out]! += 1;
  S.outOctets[out]! += len;
}

/**
 * Egress: sends buf[off, off+len), a packet of class `cls` (PKT_*), out of slot `out`'s socket to its
 * participant's endpoint; protected first when the slot has a tx context. Every media packet leaves
 * through here, relayed or generated (rtcp-generator.ts). False when the slot is closed, has no
 * endpoint yet, or the packet cannot be protected (then nothing is sent).
 */
export function emit(out: number, buf: Buffer, off: number, len: number, cls: number): boolean {
  const addr = S.epAddr[out];
  if (S.open[out] !== 1 || addr === null || addr === undefined) return false;
  if ((S.srtp[out]! & SRTP_TX) !== 0) return protect(out, buf, off, len, cls, addr);
  io.send(out, buf, off, len, S.epPort[out]!, addr);
  return true;
}

/**
 * Egress protect stage: RTP → SRTP, RTCP → SRTCP (RFC 3711 §3.1, §3.4; RFC 7714) with the slot's tx
 * context. The trailer needs room behind the packet, which neither backend's received datagram
 * has: the packet is copied into the backend's output area (io.ts out(); allocation-free) and
 * protected there. Anything else — non-media, a malformed RTP header, unusable keys — is not sent:
 * a plain packet never leaves a slot that has a tx context.
 */
function protect(out: number, buf: Buffer, off: number, len: number, cls: number, addr: Addr): boolean {
  const ctx = S.srtpTx[out]!;
  if (ctx === null || (cls !== PKT_RTP && cls !== PKT_RTCP)) return false;
  const rtp = cls === PKT_RTP;
  const at = io.out(len + (rtp ? ctx.srtpOverhead : ctx.srtcpOverhead));
  if (at < 0) return false;
  const o = io.outBuf;
  buf.copy(o, at, off, off + len);
  const n = rtp ? ctx.protectRtp(o, at, len) : ctx.protectRtcp(o, at, len);
  if (n < 0) {
    f64[wBase + W_SRTP_MALFORMED]! += 1;
    return false;
  }
  f64[wBase + W_SRTP_PROTECTED]! += 1;
  io.send(out, o, at, n, S.epPort[out]!, addr);
  return true;
}

function drop(slot: number): boolean {
  f64[slot * SLOT_FIELDS + F_DROPPED]! += 1;
  f64[wBase + W_DROPS]! += 1;
  return false;
}
