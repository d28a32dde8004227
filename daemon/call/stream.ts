/**
 * One packet stream: a component (1 = RTP, 2 = RTCP) of a media section, facing one participant.
 * Its socket lives in a media worker (worker + slot); its counters in that worker's StreamTable.
 */
import type { LocalAddress } from '../net/interfaces.js';

export interface Endpoint {
  address: string;
  port: number;
}

export class PacketStream {
  /** Address/port from this participant's SDP (or SIP source). */
  advertised: Endpoint | null = null;
  /** Source address the worker sends to after seeing this participant's packets. */
  learned: Endpoint | null = null;
  /** The learned address is committed (rtpengine's "confirmed" stream flag). */
  confirmed = false;
  /** Wall-clock ms of the last signalling event touching this stream (refreshes timeouts). */
  lastSignalMs: number;

  constructor(
    readonly component: 1 | 2,
    readonly local: LocalAddress,
    readonly port: number,
    readonly worker: number,
    readonly slot: number,
    now: number,
  ) {
    this.lastSignalMs = now;
  }

  /** Where media is sent: the learned source once known, else the SDP address. */
  get endpoint(): Endpoint | null {
    return this.learned ?? this.advertised;
  }
}
