/**
 * One rtpproxy control-protocol request line (the UDP protocol rtpengine 10.5 serves on
 * `--listen-udp`, as Kamailio's and OpenSIPS' `rtpproxy` modules send it), parsed the way
 * rtpengine reads it:
 *
 *   COOKIE U[mods] CALLID[;VIABRANCH] ADDR PORT FROMTAG;MEDIANUM [TOTAG;MEDIANUM [...]]   update (offer)
 *   COOKIE L[mods] CALLID[;VIABRANCH] ADDR PORT FROMTAG;MEDIANUM TOTAG;MEDIANUM [...]     lookup (answer)
 *   COOKIE D[mods] CALLID[;VIABRANCH] FROMTAG[;N] [TOTAG[;N]]                             delete
 *   COOKIE Q[mods] CALLID[;VIABRANCH] FROMTAG[;N] [TOTAG[;N]]                             query
 *   COOKIE V[mods] [PARAM] ...                                                            version / VF capability
 *
 * Command letters are case-insensitive. Of the modifiers only `E`/`I` (external/internal interface,
 * at most two, anywhere in the modifier string) change anything in rtpengine 10.5; codec lists
 * (`c0,8`), `A`, `R`, `S`, `W`, `Z20`, `6`... are accepted and ignored (checked with the real daemon:
 * `U6` with an IPv6 address still gets an IPv4 port when only IPv4 interfaces exist).
 * rtpproxy's `I` (info) command and anything else it does not know get `E8` (see `fallback`).
 *
 * Protocol reference: the rtpproxy command protocol (https://www.rtpproxy.org/doc/master/user_manual.html,
 * "Control protocol"); the subset and the replies are rtpengine 10.5's.
 */

export interface UpdateLookup {
  kind: 'update' | 'lookup';
  cookie: string;
  modifiers: string;
  callId: string;
  viaBranch?: string;
  /** The IP literal as written (IPv4 dotted, or IPv6 hex with optional `::ffff:a.b.c.d` tail). */
  address: string;
  port: number;
  fromTag: string;
  /** 1-based media index (`;N` after the from-tag); 0 is taken as 1, as rtpengine does. */
  mediaIndex: number;
  toTag?: string;
  /** `external`/`internal` from the `E`/`I` modifiers, in order (at most two). */
  direction: string[];
}

export interface DeleteQuery {
  kind: 'delete' | 'query';
  cookie: string;
  modifiers: string;
  callId: string;
  viaBranch?: string;
  fromTag: string;
  toTag?: string;
}

export type RtpproxyRequest =
  | UpdateLookup
  | DeleteQuery
  | { kind: 'version'; cookie: string; modifiers: string; param?: string }
  /**
   * Not a command rtpengine understands, but it has a cookie. rtpengine answers with `echo` when
   * the line at least looks like `COOKIE U|L... CALLID ADDR PORT` (the address and port tokens,
   * swapped, with their leading whitespace) and with `E8` otherwise.
   */
  | { kind: 'fallback'; cookie: string; echo?: string }
  /** No cookie (empty line, or leading whitespace): rtpengine sends nothing back. */
  | { kind: 'none' };

const WS = '[ \\t\\r\\n\\f\\v]';
const NWS = '[^ \\t\\r\\n\\f\\v]';

// The whole-line grammars, one per command family (case-insensitive, as rtpengine matches them).
const UPDATE_LOOKUP = new RegExp(
  `^(${NWS}+)${WS}+([ul])(${NWS}*)${WS}+([^;]+?)(?:;(${NWS}+))?${WS}+`
  + `(?:([\\d.]+)|([\\da-f:]+(?::ffff:[\\d.]+)?))`
  + `${WS}+(\\d+)${WS}+(${NWS}+?);(\\d+)(?:${WS}+(${NWS}+?);\\d+(?:${WS}+[^]*)?)?\\r?\\n?$`,
  'i',
);
const DELETE_QUERY = new RegExp(
  `^(${NWS}+)${WS}+([dq])(${NWS}*)${WS}+([^;\\s]+)(?:;(${NWS}+))?${WS}+(${NWS}+?)(?:;\\d+)?`
  + `(?:${WS}+(${NWS}+?)(?:;\\d+)?)?\\r?\\n?$`,
  'i',
);
const VERSION = new RegExp(`^(${NWS}+)${WS}+(v)(${NWS}*)(?:${WS}+(${NWS}+))?`, 'i');
const FALLBACK = new RegExp(`^(${NWS}+)(?:${WS}+(${NWS})${NWS}*${WS}+${NWS}+(${WS}+${NWS}+)(${WS}+${NWS}+))?`);

/** Longest request accepted (rtpengine reads one datagram into an 8 KB buffer). */
export const MAX_REQUEST_BYTES = 8192;

/** `E`/`I` modifiers → interface directions, at most two, as rtpengine scans them. */
export function modifierDirections(mods: string): string[] {
  const out: string[] = [];
  for (const ch of mods.toUpperCase()) {
    if (out.length >= 2) break;
    if (ch === 'E') out.push('external');
    else if (ch === 'I') out.push('internal');
  }
  return out;
}

export function parseRtpproxyRequest(line: string): RtpproxyRequest {
  let m = UPDATE_LOOKUP.exec(line);
  if (m) {
    const num = Number(m[10]);
    return {
      kind: m[2]!.toUpperCase() === 'U' ? 'update' : 'lookup',
      cookie: m[1]!,
      modifiers: m[3]!,
      callId: m[4]!,
      ...(m[5] !== undefined ? { viaBranch: m[5] } : {}),
      address: m[6] ?? m[7]!,
      // rtpengine takes the port with atoi() into a 16-bit field.
      port: Number(m[8]!.slice(-9)) & 0xffff,
      fromTag: m[9]!,
      mediaIndex: num > 0 ? num : 1,
      ...(m[11] !== undefined ? { toTag: m[11] } : {}),
      direction: modifierDirections(m[3]!),
    };
  }
  m = DELETE_QUERY.exec(line);
  if (m) {
    return {
      kind: m[2]!.toUpperCase() === 'D' ? 'delete' : 'query',
      cookie: m[1]!,
      modifiers: m[3]!,
      callId: m[4]!,
      ...(m[5] !== undefined ? { viaBranch: m[5] } : {}),
      fromTag: m[6]!,
      ...(m[7] !== undefined ? { toTag: m[7] } : {}),
    };
  }
  m = VERSION.exec(line);
  if (m) return { kind: 'version', cookie: m[1]!, modifiers: m[3]!, ...(m[4] !== undefined ? { param: m[4] } : {}) };
  m = FALLBACK.exec(line);
  if (!m) return { kind: 'none' };
  const cmd = m[2]?.toUpperCase();
  if ((cmd === 'U' || cmd === 'L') && m[3] !== undefined && m[4] !== undefined) {
    return { kind: 'fallback', cookie: m[1]!, echo: `${m[4]}${m[3]}` };
  }
  return { kind: 'fallback', cookie: m[1]! };
}
