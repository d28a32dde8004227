/**
 * Per-slot state of one media worker, in typed arrays indexed by slot (no per-packet Map lookups,
 * no per-packet allocation). Owned by the worker thread only; counters go to the shared
 * StreamTable so the main thread can read them.
 */
import type { Addr } from './io.js';
import type { SrtpParams } from './messages.js';
import type { createSrtpContext } from './srtp-factory.js';
import { StreamTable } from './stream-table.js';

/** The worker's SRTP context type: whatever srtp-factory.ts builds (JS or native crypto). */
export type SlotSrtpContext = ReturnType<typeof createSrtpContext>;

/** Learning states of a slot's endpoint. */
export const LEARN_FIXED = 0; // never learn (off / asymmetric): send to the SDP endpoint
export const LEARN_WAITING = 1; // learning enabled, no packet yet
export const LEARN_WINDOW = 2; // delayed/heuristic: window open, following sources
export const LEARN_DONE = 3; // endpoint committed ("confirmed")

export const MODE_DELAYED = 0;
export const MODE_IMMEDIATE = 1;
export const MODE_HEURISTIC = 2;

/**
 * Packet handlers (pipeline.ts stage 5), chosen per slot at configure time by chooseHandler() from
 * the slot's and its sinks' settings, so no packet asks those settings again.
 */
/** Passthrough: everything to the sink. */
export const H_FORWARD = 0;
/** RTCP to rtcpSink (e.g. the other side's RTCP socket: rtcp-mux demux), the rest to the sink. */
export const H_RTCP_MUX = 1;
/** generate-RTCP: RTCP is consumed (statistics only), the rest goes to the sink. */
export const H_CONSUME_RTCP = 2;
/** No sink: every packet is a counted drop. */
export const H_DROP = 3;

/** Bits of RelayState.srtp: the slot has an rx (unprotect) / tx (protect) SRTP context. */
export const SRTP_RX = 1;
export const SRTP_TX = 2;

/** How long delayed/heuristic learning watches sources before committing (rtpengine: 3 s). */
export const LEARNING_WINDOW_MS = 3000;

export class RelayState {
  /** 1 while the slot's socket is open (the socket itself lives in the I/O backend, io.ts). */
  readonly open: Uint8Array;
  /** Slot whose socket and endpoint carry packets received on this slot to the other side. */
  readonly sink: Int32Array;
  /** rtcp-mux: where RTCP arriving on this (RTP) slot goes; -1 = same as sink. */
  readonly rtcpSink: Int32Array;
  /** Where we send to this slot's participant, in the I/O backend's address form (io.ts). */
  readonly epAddr: (Addr | null)[];
  readonly epPort: Int32Array;
  /** SDP-advertised endpoint, kept for heuristic learning. */
  readonly sdpAddr: (Addr | null)[];
  readonly sdpPort: Int32Array;
  readonly learnState: Uint8Array;
  readonly learnMode: Uint8Array;
  readonly learnDeadline: Float64Array;
  /** Heuristic learning: score of the best source seen in the window (0..3). */
  readonly learnScore: Int8Array;
  readonly strict: Uint8Array;
  /** Last unconfirmed-endpoint notice to the main thread (rate limit). */
  readonly noticeMs: Float64Array;
  /** 1 = an endpoint change waits for the notice rate limit (pipeline.ts flushNotices). */
  readonly noticePending: Uint8Array;
  readonly component: Uint8Array;
  /** RTP clock rate of what this slot's participant sends (jitter is in timestamp units). */
  readonly clockRate: Int32Array;
  /** generate-RTCP: 1 = consume incoming RTCP, send our own reports (see rtcp-generator.ts). */
  readonly genRtcp: Uint8Array;
  /** RTP slot → slot whose socket/endpoint our generated RTCP uses. */
  readonly rtcpSlot: Int32Array;
  /** The slot's packet handler (H_*), see chooseHandler(). */
  readonly handler: Uint8Array;
  /**
   * Send side of the RTP this slot's socket sends to its participant (relayed from the other side),
   * for the sender info of generated SRs (RFC 3550 §6.4.1): 1 once any was sent, its SSRC, the last
   * RTP timestamp, and packet and octet counts of that SSRC. Uint32 so the counts wrap at 2^32 as the
   * SR's 32-bit fields do. Octets are whole datagrams, 12-byte header included: rtpengine 10.5
   * counts them so (measured), unlike RFC 3550's payload octets.
   */
  readonly outRtp: Uint8Array;
  readonly outSsrc: Uint32Array;
  readonly outTs: Uint32Array;
  readonly outPackets: Uint32Array;
  readonly outOctets: Uint32Array;
  /**
   * SRTP_RX | SRTP_TX: which SRTP contexts the slot has (srtp-slots.ts). A slot with either never
   * relays anything but RTP/RTCP, and one with SRTP_TX never sends a plain packet.
   */
  readonly srtp: Uint8Array;
  /**
   * The slot's SRTP contexts and the params each was built from (srtp-slots.ts). A flag in `srtp`
   * with a null context means the keys were unusable: every packet that way is dropped.
   */
  readonly srtpRx: (SlotSrtpContext | null)[];
  readonly srtpTx: (SlotSrtpContext | null)[];
  readonly srtpRxParams: (SrtpParams | null)[];
  readonly srtpTxParams: (SrtpParams | null)[];
  /** 1 = DTLS records arriving here go to the DTLS sink (SlotConfig.dtls). */
  readonly dtls: Uint8Array;
  /** 1 = STUN arriving here goes to the ICE agent in the main thread (SlotConfig.ice). */
  readonly ice: Uint8Array;
  readonly table: StreamTable;

  constructor(sab: SharedArrayBuffer, readonly slots: number) {
    this.table = new StreamTable(sab, slots);
    this.open = new Uint8Array(slots);
    this.sink = new Int32Array(slots).fill(-1);
    this.rtcpSink = new Int32Array(slots).fill(-1);
    this.epAddr = new Array<Addr | null>(slots).fill(null);
    this.epPort = new Int32Array(slots);
    this.sdpAddr = new Array<Addr | null>(slots).fill(null);
    this.sdpPort = new Int32Array(slots);
    this.learnState = new Uint8Array(slots);
    this.learnMode = new Uint8Array(slots);
    this.learnDeadline = new Float64Array(slots);
    this.learnScore = new Int8Array(slots);
    this.strict = new Uint8Array(slots);
    this.noticeMs = new Float64Array(slots);
    this.noticePending = new Uint8Array(slots);
    this.component = new Uint8Array(slots);
    this.clockRate = new Int32Array(slots).fill(8000);
    this.genRtcp = new Uint8Array(slots);
    this.rtcpSlot = new Int32Array(slots).fill(-1);
    this.handler = new Uint8Array(slots).fill(H_DROP);
    this.outRtp = new Uint8Array(slots);
    this.outSsrc = new Uint32Array(slots);
    this.outTs = new Uint32Array(slots);
    this.outPackets = new Uint32Array(slots);
    this.outOctets = new Uint32Array(slots);
    this.srtp = new Uint8Array(slots);
    this.srtpRx = new Array<SlotSrtpContext | null>(slots).fill(null);
    this.srtpTx = new Array<SlotSrtpContext | null>(slots).fill(null);
    this.srtpRxParams = new Array<SrtpParams | null>(slots).fill(null);
    this.srtpTxParams = new Array<SrtpParams | null>(slots).fill(null);
    this.dtls = new Uint8Array(slots);
    this.ice = new Uint8Array(slots);
  }

  /** Picks the slot's handler once its sink, rtcpSink and genRtcp are set (configure). */
  chooseHandler(slot: number): void {
    this.handler[slot] = this.genRtcp[slot] === 1 ? H_CONSUME_RTCP
      : this.sink[slot]! < 0 ? H_DROP
        : this.rtcpSink[slot]! >= 0 ? H_RTCP_MUX
          : H_FORWARD;
  }

  clear(slot: number): void {
    this.open[slot] = 0;
    this.sink[slot] = -1;
    this.rtcpSink[slot] = -1;
    this.epAddr[slot] = null;
    this.epPort[slot] = 0;
    this.sdpAddr[slot] = null;
    this.sdpPort[slot] = 0;
    this.learnState[slot] = LEARN_FIXED;
    this.learnScore[slot] = -1;
    this.strict[slot] = 0;
    this.noticeMs[slot] = 0;
    this.noticePending[slot] = 0;
    this.genRtcp[slot] = 0;
    this.rtcpSlot[slot] = -1;
    this.handler[slot] = H_DROP;
    this.outRtp[slot] = 0;
    this.outSsrc[slot] = 0;
    this.outTs[slot] = 0;
    this.outPackets[slot] = 0;
    this.outOctets[slot] = 0;
    this.srtp[slot] = 0;
    closeSrtpContext(this.srtpRx[slot]!);
    closeSrtpContext(this.srtpTx[slot]!);
    this.srtpRx[slot] = null;
    this.srtpTx[slot] = null;
    this.srtpRxParams[slot] = null;
    this.srtpTxParams[slot] = null;
    this.dtls[slot] = 0;
    this.ice[slot] = 0;
  }
}

/**
 * Releases a context the slot no longer uses. Contexts on native crypto hold OpenSSL state and have
 * close(); plain JS ones may not, so the call is optional.
 */
export function closeSrtpContext(c: SlotSrtpContext | null): void {
  if (c !== null) (c as { close?: () => void }).close?.();
}
