/**
 * ICE candidates and candidate pairs (RFC 8445 §5.1.2, §6.1.2.3) as the agent keeps them.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** RFC 8445 §5.1.2.2 recommended type preferences. */
export const TYPE_PREFERENCE: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** RFC 8445 §5.1.2.1: priority = 2^24·type preference + 2^8·local preference + (256 − component). */
export function candidatePriority(type: CandidateType, localPreference: number, component: number): number {
  return TYPE_PREFERENCE[type] * 0x1000000 + (localPreference & 0xffff) * 0x100 + (256 - component);
}

export interface Candidate {
  foundation: string;
  component: number;
  /** Only UDP candidates take part; others are kept for SDP but never paired. */
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: CandidateType;
}

export const PAIR_FROZEN = 0;
export const PAIR_WAITING = 1;
export const PAIR_IN_PROGRESS = 2;
export const PAIR_SUCCEEDED = 3;
export const PAIR_FAILED = 4;

export class CandidatePair {
  state = PAIR_FROZEN;
  /** Nominated (RFC 8445 §8.1.1): USE-CANDIDATE sent and answered (controlling) or received on a valid pair (controlled). */
  nominated = false;
  /** The controlled side got USE-CANDIDATE before this pair's own check succeeded. */
  nominateOnSuccess = false;
  /** Check in flight: its transaction id, send count and next retransmission time. */
  txid: Buffer | null = null;
  sends = 0;
  nextSendMs = 0;
  /** The check in flight carries USE-CANDIDATE. */
  useCandidate = false;
  /** Last time a response (or, for the controlled side, a request) proved the pair alive (consent, RFC 7675). */
  lastAliveMs = 0;

  constructor(readonly local: Candidate, readonly remote: Candidate) {}

  /** RFC 8445 §6.1.2.3, with G the controlling agent's candidate priority; as a float (< 2^63, exact enough to order). */
  priority(controlling: boolean): number {
    const g = controlling ? this.local.priority : this.remote.priority;
    const d = controlling ? this.remote.priority : this.local.priority;
    return 2 ** 32 * Math.min(g, d) + 2 * Math.max(g, d) + (g > d ? 1 : 0);
  }

  get foundation(): string {
    return `${this.local.foundation}:${this.remote.foundation}`;
  }
}
