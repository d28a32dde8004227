// What the call model decides and the rewriter writes. The rewriter makes no
// decisions of its own beyond the fixed copy/remove/append rules of spec §4.

import type { AddrFamily, Codec, Direction, SdpConnection } from './types.js';

export type RtcpPlan =
  /** `a=rtcp:<port>` (+ `a=rtcp-mux` if offerMux): separate RTCP socket exists. */
  | { kind: 'separate'; port: number; offerMux: boolean }
  /** `a=rtcp:<RTP port>` + `a=rtcp-mux`: mux accepted (answer) or required (offer). */
  | { kind: 'mux' }
  /** Nothing. */
  | { kind: 'none' };

/** rtpengine's own ICE lines for one media section (spec §4.4 items 10-12). */
export interface IcePlan {
  /** Omitted when the peer's credentials are kept (ICE=optional / force-relay). */
  ufrag?: string;
  pwd?: string;
  /** Emit `a=ice-options:trickle` (and, by default, `a=end-of-candidates`). */
  trickle?: boolean;
  /** Candidate attribute values without the `candidate:` prefix, in output order. */
  candidates: string[];
  /** Value of `a=remote-candidates:` (controlling side after completion). */
  remoteCandidates?: string;
}

export interface MediaPlan {
  /** Local RTP port for m=. 0 = rejected: section copied untouched except mid / end-of-candidates. */
  port: number;
  /**
   * Not relayed (m=message, e.g. TCP/MSRP): the section is copied verbatim, port and a=setup
   * included, nothing appended; when the session c= is rewritten and the section has no c= of its
   * own, one with the received session address is added after m= so it still points at the peer.
   */
  passthrough?: boolean;
  /** Advertised address for c= (media-level and, via the session rule, session-level). */
  family: AddrFamily;
  address: string;
  /** Transport protocol to write into m= (default: keep the received one). */
  protocol?: string;
  /**
   * Codec list in preference order. For RTP media the received list is used
   * when omitted; the m= format list is regenerated from it and rtpmap / fmtp /
   * payload-specific rtcp-fb lines are removed and re-emitted in the block.
   */
  codecs?: Codec[];
  /** Emitted at the end of the section unless SessionPlan.originalSendrecv. */
  direction: Direction;
  rtcp: RtcpPlan;
  /** flag full-rtcp-attribute: `a=rtcp:<port> IN <family> <address>`. */
  fullRtcpAttribute?: boolean;
  /** flag no-rtcp-attribute: suppress the `a=rtcp` line (a=rtcp-mux is still written). */
  noRtcpAttribute?: boolean;
  /** Known ptime: input a=ptime removed and `a=ptime:<n>` appended. */
  ptime?: number;
  /** mid to write (default: the received a=mid); null: write none (an answer to an offer without mid). */
  mid?: string | null;
  /** flag generate-mid: write `a=mid:<index>` if there is no mid. */
  generateMid?: boolean;
  /** Old-style hold: write a zero address in c= instead of `address`. */
  zeroAddress?: boolean;
  /** `a=crypto:` values (without the `crypto:` prefix), spec §4.4 item 7. */
  crypto?: string[];
  /** `a=setup:` value and `a=fingerprint:` value (`sha-256 AB:CD:…`), item 8. */
  setup?: string;
  fingerprint?: string;
  /** rtpengine's ICE lines, items 10-12. */
  ice?: IcePlan;
  /** Override item 13. Default: ice.trickle, or the received section had a=end-of-candidates. */
  endOfCandidates?: boolean;
  /** Passthrough: keep received (well-formed) a=crypto / a=fingerprint / a=setup in place. */
  keepSecurity?: boolean;
}

/**
 * ICE handling of received attributes:
 * - remove / default / force: strip every ICE attribute (session and media).
 * - optional: keep the peer's ICE attributes.
 * - force-relay: keep everything except relay candidates; m= port, c=, and
 *   a=rtcp-mux are left as received and no a=rtcp is written.
 * In every mode a=end-of-candidates is moved to the end of the section.
 */
export type IceMode = 'remove' | 'default' | 'force' | 'optional' | 'force-relay';

export interface SessionPlan {
  /** replace: origin — o= nettype/addrtype/address. */
  replaceOrigin: boolean;
  /** Default: the address chosen for the session c= (see sessionConnection). */
  originAddress?: string;
  originFamily?: AddrFamily;
  /** replace: session-connection. The session c= is also rewritten when some m= has no own c=. */
  replaceSessionConnection: boolean;
  /**
   * Address for the session c=. Default: the plan of the first accepted media
   * without its own c= (else the first accepted media, else media[0]).
   */
  sessionConnection?: SdpConnection;
  /** replace: username — o= username. */
  username?: string;
  /** replace: session-name — s= value. */
  sessionName?: string;
  /** replace: SDP-version — o= sess-version. */
  sdpVersion?: string;
  iceMode: IceMode;
  /** Append session-level `a=ice-lite`. */
  iceLite?: boolean;
  /** flag original-sendrecv: keep received direction attributes, emit none. */
  originalSendrecv?: boolean;
  /** flag strip-extmap. */
  stripExtmap?: boolean;
  /** flag loop-protect: append `a=rtpengine:<id>` to the session part. */
  loopProtectId?: string;
  /** Same length and order as SdpSession.media. */
  media: MediaPlan[];
}
