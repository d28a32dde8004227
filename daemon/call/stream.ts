/**
 * One packet stream: a component (1 = RTP, 2 = RTCP) of a media section, facing one participant.
 * While it has a socket, the socket lives in a media worker (worker + slot) and the counters in that
 * worker's StreamTable. A stream outlives its socket: rejected media and deleted fork branches are
 * still listed by `query`, without local port (as rtpengine does). Its CallMedia closes the socket
 * (both streams of a media in one worker command, through a StreamReleaser).
 */
import type { LocalAddress } from '../net/interfaces.js';

export interface Endpoint {
  address: string;
  port: number;
}

export interface StreamSocket {
  local: LocalAddress;
  port: number;
  worker: number;
  slot: number;
}

/**
 * Closes stream sockets (the MediaContext, which knows the workers and the slot index). Every model
 * object that can own sockets keeps one reference to it, so it can close them itself.
 */
export interface StreamReleaser {
  /**
   * Closes the sockets of those `streams` that have one, in one worker command, and detaches them:
   * each stream's counters are frozen first (query and delete still report them; the slot will be
   * reused). Slots and ports come back once the worker has closed the sockets.
   */
  release(streams: readonly PacketStream[]): void;
}

export interface FrozenCounters {
  packets: number;
  bytes: number;
  errors: number;
  lastPacketMs: number;
  ssrc: number;
  lastPt: number;
}

export class PacketStream {
  /** Address/port from this participant's SDP (or SIP source). */
  advertised: Endpoint | null = null;
  /** Source address the worker sends to after seeing this participant's packets. */
  learned: Endpoint | null = null;
  /** The learned address is committed (rtpengine's "confirmed" stream flag). */
  confirmed = false;
  sock: StreamSocket | null = null;
  /** The local address and port of the last socket, once closed (the end-of-call stats print it, as rtpengine). */
  lastLocal: { address: string; port: number } | null = null;
  /** Counters frozen when the socket closed (the worker slot is reused). */
  final: FrozenCounters = { packets: 0, bytes: 0, errors: 0, lastPacketMs: 0, ssrc: -1, lastPt: -1 };
  /** Wall-clock ms of the last signalling event touching this stream (refreshes timeouts). */
  lastSignalMs: number;

  constructor(readonly component: 1 | 2, now: number) {
    this.lastSignalMs = now;
  }

  /** Where media is sent: the learned source once known, else the SDP address. */
  get endpoint(): Endpoint | null {
    return this.learned ?? this.advertised;
  }
}
