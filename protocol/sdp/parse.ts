// SDP parser (RFC 8866 §5, §9 grammar), with the acceptance rules of
// rtpengine 10.5 (spec §4.1): `v=` first, `<type>=` syntax on every line, only
// known line types, a port on every m= line; parsing stops at the first empty
// line (the remainder of the body is ignored and not reproduced).

import type { AddrFamily, SdpConnection, SdpLine, SdpMedia, SdpOrigin, SdpSession, SdpSessionPart } from './types.js';
import { attrName, bufferToBinary, splitLines } from './lines.js';
import { asDirection, ipLiteral, isIceAttr, parseDecimal, parseRtcpAttr } from './attributes.js';
import { buildCodecs } from './codec-parse.js';
import { parseCrypto } from './crypto.js';
import { parseFingerprint, parseSetup } from './dtls-attrs.js';

export class SdpParseError extends Error {
  /** Human-readable reason (not part of the ng reply). */
  readonly detail: string;
  constructor(detail: string) {
    super('Failed to parse SDP');
    this.name = 'SdpParseError';
    this.detail = detail;
  }
}

/** Raised by assertSdpComplete: a stream has neither a media nor a session c=. */
export class SdpIncompleteError extends Error {
  constructor() {
    super('Incomplete SDP specification');
    this.name = 'SdpIncompleteError';
  }
}

/** RFC 8866 §5 line types (v o s i u e p c b t r z k m a). */
const KNOWN_TYPES: ReadonlySet<string> = new Set(['v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'k', 'm', 'a']);

/** Transport protocols that carry RTP (RFC 3551, 3711, 4585, 5124, 5764). */
const RTP_PROTOS: ReadonlySet<string> = new Set([
  'RTP/AVP',
  'RTP/SAVP',
  'RTP/AVPF',
  'RTP/SAVPF',
  'UDP/TLS/RTP/SAVP',
  'UDP/TLS/RTP/SAVPF',
]);

export function isRtpProto(proto: string): boolean {
  return RTP_PROTOS.has(proto);
}

/** Fields separated by one or more spaces (RFC 8866 uses single SP; be lenient). */
function fields(value: string): string[] {
  return value.split(' ').filter((t) => t !== '');
}

/** RFC 8866 §5.2 `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`. */
function parseOrigin(value: string): SdpOrigin {
  const f = fields(value);
  if (f.length !== 6) throw new SdpParseError('malformed o= line');
  return { username: f[0]!, sessionId: f[1]!, version: f[2]!, netType: f[3]!, family: f[4]!, address: f[5]! };
}

/**
 * RFC 8866 §5.7 `c=<nettype> <addrtype> <connection-address>`. As in rtpengine 10.5 (measured) the
 * address must be an IP literal of the stated family: a host name, a multicast address with TTL
 * (`224.1.1.1/127`), `not.an.ip` or an IPv6 literal under IP4 fail the whole SDP; an IPv6 literal in
 * brackets is accepted (and used without them).
 */
function parseConnection(value: string): SdpConnection {
  const f = fields(value);
  if (f.length !== 3 || f[0] !== 'IN') throw new SdpParseError('malformed c= line');
  if (f[1] !== 'IP4' && f[1] !== 'IP6') throw new SdpParseError('unsupported address type in c= line');
  const address = ipLiteral(f[1], f[2]!);
  if (address === undefined) throw new SdpParseError('bad address in c= line');
  return { family: f[1] as AddrFamily, address };
}

interface MLine {
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
}

/** RFC 8866 §5.14 `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`. */
export function parseMLine(value: string): MLine {
  const f = fields(value);
  if (f.length < 3) throw new SdpParseError('malformed m= line');
  const [portStr, countStr, extra] = f[1]!.split('/');
  const port = parseDecimal(portStr);
  if (port === undefined || port > 65535 || extra !== undefined) throw new SdpParseError('bad port in m= line');
  const m: MLine = { type: f[0]!, port, proto: f[2]!, formats: f.slice(3) };
  if (countStr !== undefined) {
    const n = parseDecimal(countStr);
    if (n === undefined || n < 1) throw new SdpParseError('bad port count in m= line');
    m.portCount = n;
  }
  return m;
}

function newMedia(index: number, session: number, line: SdpLine): SdpMedia {
  const m = parseMLine(line.value);
  const media: SdpMedia = {
    index,
    session,
    type: m.type,
    port: m.port,
    proto: m.proto,
    formats: m.formats,
    lines: [line],
    rtcpMux: false,
    hasEndOfCandidates: false,
    hasIce: false,
    codecs: [],
    isRtp: isRtpProto(m.proto),
    crypto: [],
  };
  if (m.portCount !== undefined) media.portCount = m.portCount;
  return media;
}

function applyMediaAttr(media: SdpMedia, value: string): void {
  const dir = asDirection(value);
  if (dir) {
    media.direction = dir;
    return;
  }
  if (isIceAttr(value)) media.hasIce = true;
  const { name, rest } = attrName(value);
  switch (name) {
    case 'rtcp': {
      const r = parseRtcpAttr(rest);
      if (r) media.rtcp = r;
      break;
    }
    case 'rtcp-mux': // RFC 5761 §5.1.1
      media.rtcpMux = true;
      break;
    case 'mid': // RFC 5888 §4
      if (rest !== undefined) media.mid = rest;
      break;
    case 'ptime': {
      // RFC 8866 §6.4
      const n = rest === undefined ? NaN : Number(rest);
      if (rest !== undefined && /^[0-9]+(\.[0-9]+)?$/.test(rest) && n > 0) media.ptime = n;
      break;
    }
    case 'end-of-candidates': // RFC 8840 §8.2
      media.hasEndOfCandidates = true;
      break;
    case 'crypto': { // RFC 4568 §9.1; malformed lines are ignored, as rtpengine does
      const c = rest === undefined ? null : parseCrypto(rest);
      if (c && !('error' in c)) media.crypto.push(c);
      break;
    }
    case 'setup': // RFC 4145 §4
      media.setup = parseSetup(rest) ?? media.setup;
      break;
    case 'fingerprint': // RFC 8122 §5
      media.fingerprint = parseFingerprint(rest) ?? media.fingerprint;
      break;
  }
}

function newSessionPart(): SdpSessionPart {
  return {
    sessionLines: [],
    origin: { username: '', sessionId: '', version: '', netType: '', family: '', address: '' },
    sessionName: '',
    hasIce: false,
  };
}

function applySessionLine(part: SdpSessionPart, line: SdpLine): void {
  part.sessionLines.push(line);
  switch (line.type) {
    case 'o':
      part.origin = parseOrigin(line.value);
      break;
    case 's':
      part.sessionName = line.value;
      break;
    case 'c':
      part.connection = parseConnection(line.value);
      break;
    case 'a': {
      const dir = asDirection(line.value);
      if (dir) part.direction = dir;
      else if (isIceAttr(line.value)) part.hasIce = true;
      const { name, rest } = attrName(line.value);
      if (name === 'setup') part.setup = parseSetup(rest) ?? part.setup; // RFC 4145 §4
      else if (name === 'fingerprint') part.fingerprint = parseFingerprint(rest) ?? part.fingerprint; // RFC 8122 §5
      break;
    }
  }
}

/**
 * Several session descriptions may be concatenated in one body; a `v=` line starts the next one and
 * ends the media section before it (RFC 8866 §5, https://www.rfc-editor.org/rfc/rfc8866#section-5).
 * rtpengine 10.5 parses and rewrites each of them, numbering m= sections across the whole body.
 */
export function parseSdp(body: Buffer): SdpSession {
  const raw = splitLines(bufferToBinary(body));
  const sessions: SdpSessionPart[] = [];
  const media: SdpMedia[] = [];
  let part: SdpSessionPart | undefined;
  let cur: SdpMedia | undefined;

  for (let i = 0; i < raw.length; i++) {
    const { text, eol } = raw[i]!;
    if (text === '') break; // first empty line ends the description
    if (text.length < 2 || text[1] !== '=') throw new SdpParseError(`line ${i + 1}: not <type>=<value>`);
    const type = text[0]!;
    if (!KNOWN_TYPES.has(type)) throw new SdpParseError(`line ${i + 1}: unknown line type '${type}'`);
    if (i === 0 && type !== 'v') throw new SdpParseError('first line is not v=');
    const line: SdpLine = { type, value: text.slice(2), eol };

    if (type === 'v') {
      part = newSessionPart();
      sessions.push(part);
      cur = undefined;
    }
    if (type === 'm') {
      cur = newMedia(media.length + 1, sessions.length - 1, line);
      media.push(cur);
      continue;
    }
    if (cur) {
      cur.lines.push(line);
      if (type === 'c') cur.connection = parseConnection(line.value);
      else if (type === 'a') applyMediaAttr(cur, line.value);
      continue;
    }
    applySessionLine(part!, line);
  }
  if (sessions.length === 0) throw new SdpParseError('empty SDP');

  for (const m of media) {
    if (m.isRtp) m.codecs = buildCodecs(m.formats, m.lines);
    // RFC 5763 §5: session-level DTLS attributes apply to every media section without its own.
    const part = sessions[m.session]!;
    m.setup ??= part.setup;
    m.fingerprint ??= part.fingerprint;
  }

  return { ...sessions[0]!, media, sessions };
}

/**
 * The 1-based m= index that session `k`'s first media section has, or would have if it has none:
 * media are numbered across the whole body, so it is one more than the media of earlier sessions.
 */
export function sessionMediaIndex(sdp: SdpSession, k: number): number {
  return sdp.media.filter((m) => m.session < k).length + 1;
}

/** The session description a media section belongs to. */
export function sessionOf(sdp: SdpSession, m: SdpMedia): SdpSessionPart {
  return sdp.sessions[m.session]!;
}

/**
 * rtpengine rejects an SDP in which some stream has no usable c= (neither at
 * media nor at session level) with "Incomplete SDP specification".
 */
export function assertSdpComplete(sdp: SdpSession): void {
  for (const m of sdp.media) if (!effectiveConnection(sdp, m)) throw new SdpIncompleteError();
}

/** The c= in effect for a media section (media-level overrides that of its own session). */
export function effectiveConnection(sdp: SdpSession, m: SdpMedia): SdpConnection | undefined {
  return m.connection ?? sessionOf(sdp, m).connection;
}

export function isZeroAddress(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return address.includes(':') && /^[0:]+$/.test(address); // '::', '0:0:0:0:0:0:0:0', ...
}
