// Data model of a parsed SDP body (RFC 8866, which obsoletes RFC 4566).
//
// All text is held as latin1 ("binary") JS strings: one char per octet, so any
// byte sequence (including invalid UTF-8) survives parse -> rewrite unchanged.

import type { SdesCrypto } from './crypto.js';
import type { Fingerprint, SetupRole } from './dtls-attrs.js';

export type AddrFamily = 'IP4' | 'IP6';

/** RFC 8866 §6.7 media direction attributes. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * One `<type>=<value>` line (RFC 8866 §5). `eol` is the line terminator exactly
 * as received: '\r\n', '\n', or '' for a final line without terminator.
 */
export interface SdpLine {
  type: string;
  value: string;
  eol: string;
}

export interface Codec {
  pt: number;
  /** Encoding name as written in a=rtpmap (case preserved); '' if unknown (dynamic PT without rtpmap). */
  name: string;
  /** Clock rate; 0 if unknown. */
  clock: number;
  /** Only set when the rtpmap carried a channel count (or the static table defines one, e.g. L16/44100/2). */
  channels?: number;
  /** Value after `a=fmtp:<pt> `. */
  fmtp?: string;
  /** Values after `a=rtcp-fb:<pt> ` (payload-specific feedback only; `*` stays in place). */
  rtcpFb: string[];
}

/** RFC 8866 §5.7 `c=<nettype> <addrtype> <connection-address>`. */
export interface SdpConnection {
  family: AddrFamily;
  address: string;
}

export interface SdpMedia {
  /** 1-based position of the m= line in the whole body (numbering runs on across sessions). */
  index: number;
  /** Index into SdpSession.sessions of the session description this section belongs to. */
  session: number;
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
  /** The m= line first, then every line of the section in order. */
  lines: SdpLine[];
  /** Media-level c= (absent if the section has none). */
  connection?: SdpConnection;
  /** Media-level direction attribute if any (last one wins). */
  direction?: Direction;
  /** Parsed a=rtcp (RFC 3605); absent if missing or malformed. */
  rtcp?: { port: number; family?: AddrFamily; address?: string };
  rtcpMux: boolean;
  mid?: string;
  ptime?: number;
  hasEndOfCandidates: boolean;
  /** Any ICE attribute (ufrag/pwd/candidate/...) at media level. */
  hasIce: boolean;
  /** In m= format order; static payload types filled in from RFC 3551 when no rtpmap. */
  codecs: Codec[];
  /** Proto is an RTP profile (RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVP(F)). */
  isRtp: boolean;
  /** Valid `a=crypto` lines (RFC 4568) in order; malformed ones are left out (rtpengine ignores them). */
  crypto: SdesCrypto[];
  /** `a=setup` (media level, else the session's). */
  setup?: SetupRole;
  /** `a=fingerprint` (media level, else the session's). */
  fingerprint?: Fingerprint;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  version: string;
  netType: string;
  family: AddrFamily | string;
  address: string;
}

/**
 * One session description of the body (RFC 8866 §5): from its `v=` up to, not including, its first
 * `m=`. A body may hold several; each `v=` starts a new one, and the media section before it ends
 * there (rtpengine 10.5 rewrites each session on its own).
 */
export interface SdpSessionPart {
  /** v= up to (not including) the session's first m=. */
  sessionLines: SdpLine[];
  /** RFC 8866 §5.2; all fields '' when the session has no o= line. */
  origin: SdpOrigin;
  sessionName: string;
  /** Session-level c=. */
  connection?: SdpConnection;
  /** Session-level direction attribute if any. */
  direction?: Direction;
  /** Session-level ICE attributes present (ice-ufrag/pwd/options/lite, candidate). */
  hasIce: boolean;
  /** Session-level `a=setup` / `a=fingerprint` (RFC 5763 §5), inherited by media without their own. */
  setup?: SetupRole;
  fingerprint?: Fingerprint;
}

/** A whole SDP body. The session-level fields are those of the first session description. */
export interface SdpSession extends SdpSessionPart {
  /** Every media section of the body, in order, whatever session it belongs to. */
  media: SdpMedia[];
  /** The session descriptions in order (at least one); sessions[0] carries the top-level fields. */
  sessions: SdpSessionPart[];
}
