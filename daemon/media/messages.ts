/**
 * What the main thread and a media worker tell each other. Main → worker commands travel through
 * the command ring (command-ring.ts); worker → main notices are messages (rare, never per packet).
 */

import type { RingBuffers } from './record-ring.js';
import type { DtlsChannelBuffers } from './dtls-channel.js';
import type { DirectionConfig } from '../../transcode/types.js';

export type LearningMode = 'delayed' | 'immediate' | 'off' | 'heuristic';

export interface BindRequest { slot: number; address: string; port: number; family: 4 | 6 }

/**
 * SRTP keying of one direction of one slot: an RFC 3711 master key and salt with the suite and the
 * RFC 4568 §6.3 session parameters that change the packet format. Comes from SDES (a=crypto) or
 * from a DTLS-SRTP key export (RFC 5764 §4.2); the worker builds its SrtpContext from it.
 */
export interface SrtpParams {
  /** a=crypto suite name as in protocol/srtp/suites.ts, e.g. AES_CM_128_HMAC_SHA1_80. */
  suite: string;
  key: Uint8Array;
  salt: Uint8Array;
  /** MKI value carried in every packet (RFC 3711 §3.1), its length = the a=crypto MKI length; null: none. */
  mki: Uint8Array | null;
  /** RFC 4568 §6.3.7 key derivation rate as a power of two exponent (0 = derive once). */
  kdr: number;
  unencryptedSrtp: boolean;
  unencryptedSrtcp: boolean;
  unauthenticatedSrtp: boolean;
}

/**
 * SRTP on one slot, as seen from the participant the slot faces: `rx` unprotects what that
 * participant sends us (its own keys: its a=crypto, or the DTLS peer's export), `tx` protects what we
 * send it (the keys we gave it: our a=crypto to it, or our DTLS export). null = plain RTP that way.
 */
export interface SlotSrtp { rx: SrtpParams | null; tx: SrtpParams | null }

/** Where packets received on `slot` go, and how the slot learns its own participant's address. */
export interface SlotConfig {
  slot: number;
  /**
   * Slot whose socket sends the packets received here: the other side's stream, or this
   * participant's own (media-echo); -1 = drop.
   */
  sink: number;
  /**
   * RTCP arriving here goes to this slot instead of `sink`: the other side's RTCP socket, or its RTP
   * socket when it runs rtcp-mux; with media-echo this participant's own RTCP socket.
   */
  rtcpSink: number;
  /** Participant's address from SDP (where we send to it before/without learning); null = unknown. */
  endpoint: { address: string; port: number } | null;
  learning: LearningMode;
  /** `asymmetric`: never learn, always send to the SDP endpoint. */
  asymmetric: boolean;
  /** `strict-source`: once learned, drop packets from other sources. */
  strictSource: boolean;
  /** RTP (1) or RTCP (2) component; RTCP slots skip RTP payload-type accounting. */
  component: 1 | 2;
  /** RTP clock rate of the participant's codec (for jitter). */
  clockRate: number;
  /**
   * generate-RTCP: RTCP from this participant is consumed (statistics only) and the worker sends
   * its own reports to it. On the RTP slot `rtcpSlot` names the socket and endpoint RTCP goes to.
   */
  generateRtcp: boolean;
  rtcpSlot: number;
  /** TOS/DSCP byte for this slot's packets (the call's `TOS` or --tos), -1 = leave the default. */
  tos: number;
  /**
   * SRTP towards/from this slot's participant (the RTP and the RTCP slot of a media get the same
   * keys); null = plain both ways. The worker keeps a slot's contexts (ROC, replay state) while the
   * params it gets are equal to the ones it has, so re-sending a config does not reset them.
   */
  srtp: SlotSrtp | null;
  /**
   * DTLS-SRTP on this slot: DTLS records (RFC 7983 first byte 20..63) arriving here go to the
   * worker's DTLS sink (pipeline.ts setDtlsSink) instead of being dropped. Set by the call layer
   * for media that negotiated DTLS; false everywhere else.
   */
  dtls: boolean;
  /** STUN arriving here goes to the ICE agent in the main thread (we run ICE with this participant). */
  ice: boolean;
  /**
   * RTP slots only: the participant's RTP is transcoded on its way to `sink` (transcode/types.ts);
   * null = relayed unchanged. The worker keeps a slot's transcoder (its codec state, sequence and
   * timestamp continuity) while the config it gets is equal to the one it has.
   */
  transcode?: DirectionConfig | null;
}

/** A socket the main thread bound (batch I/O): the worker puts `fd` into `slot`. */
export interface Adoption { slot: number; family: 4 | 6; fd: number }

/** A SlotConfig without its endpoint (which each command channel carries in its own form). */
export type ConfigFields = Omit<SlotConfig, 'endpoint' | 'srtp' | 'transcode'>;

export interface BindResult { slot: number; ok: boolean; code?: string }

/** BindResult.code of a worker that died before or while binding (the port itself is not at fault). */
export const WORKER_DIED = 'EWORKERDIED';

export type WorkerToMain =
  /**
   * `io`: the worker's media I/O backend; with 'batch' the main thread binds sockets itself and
   * wakes the worker through WorkerInit.wakeFd, with 'dgram' the worker binds (a 'bind' command) and
   * waits on the ring's wake word.
   */
  | { type: 'ready'; io: 'batch' | 'dgram' }
  | { type: 'bound'; id: number; results: BindResult[] }
  /**
   * The worker now sends to a new address for this slot (learning), or committed it (`confirmed`).
   * Sent on change only and at most every ENDPOINT_NOTICE_MS per slot, never per packet.
   */
  | { type: 'learned'; slot: number; address: string; port: number; confirmed: boolean }
  | { type: 'log'; level: 'warn' | 'info' | 'debug'; msg: string };

export interface WorkerInit {
  index: number;
  sab: SharedArrayBuffer;
  slots: number;
  /** ReceiverStats storage (RFC 3550 receiver state per slot), read by the main thread. */
  receiverSab: SharedArrayBuffer;
  /** ReportRing storage: RTCP report data for the main thread. */
  reportSab: SharedArrayBuffer;
  /** Main → worker command ring (command-ring.ts). */
  ring: RingBuffers;
  /** The main thread's eventfd that wakes a batch worker for the ring (-1: none); the main thread closes it. */
  wakeFd: number;
  /** RTPENGINE_TS_TEST_HOOKS=1: the worker obeys the ring's crash command (tests of worker death). */
  testHooks: boolean;
  /** The daemon's instance id (12 hex characters): the CNAME of generated RTCP, as in rtpengine. */
  instanceId: string;
  /** Worker → main DTLS records (dtls-channel.ts). */
  dtls: DtlsChannelBuffers;
}
