// Classification and parsing of the `a=` attributes the rewriter cares about.
// Everything not recognised here is opaque and copied through unchanged.

import { isIPv4, isIPv6 } from 'node:net';
import type { AddrFamily, Direction } from './types.js';
import { attrName } from './lines.js';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** RFC 8866 §6.7: property attributes `a=sendrecv` etc. */
export function asDirection(value: string): Direction | undefined {
  return DIRECTIONS.has(value) ? (value as Direction) : undefined;
}

/** ICE attributes of RFC 8839 §5 (plus legacy ice-mismatch). */
const ICE_ATTRS: ReadonlySet<string> = new Set([
  'candidate',
  'ice-ufrag',
  'ice-pwd',
  'ice-options',
  'ice-lite',
  'ice-mismatch',
  'remote-candidates',
]);

export function isIceAttr(value: string): boolean {
  return ICE_ATTRS.has(attrName(value).name);
}

/** RFC 8839 §5.1 candidate: `foundation component transport priority addr port typ <type> ...`. */
export function isRelayCandidate(value: string): boolean {
  const { name, rest } = attrName(value);
  if (name !== 'candidate' || rest === undefined) return false;
  const tok = rest.split(' ').filter((t) => t !== '');
  const typ = tok.indexOf('typ');
  return typ >= 0 && tok[typ + 1] === 'relay';
}

const DEC = /^[0-9]+$/;

export function parseDecimal(s: string | undefined): number | undefined {
  if (s === undefined || !DEC.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface RtcpAttr {
  port: number;
  family?: AddrFamily;
  address?: string;
}

/**
 * RFC 3605 §2.1: `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]`.
 * Returns undefined for a malformed attribute (such lines are dropped).
 */
export function parseRtcpAttr(rest: string | undefined): RtcpAttr | undefined {
  if (rest === undefined) return undefined;
  const tok = rest.split(' ').filter((t) => t !== '');
  const port = parseDecimal(tok[0]);
  if (port === undefined || port > 65535) return undefined;
  if (tok.length === 1) return { port };
  if (tok.length !== 4 || tok[1] !== 'IN') return undefined;
  if (tok[2] !== 'IP4' && tok[2] !== 'IP6') return undefined;
  const address = ipLiteral(tok[2], tok[3]!);
  if (address === undefined) return undefined;
  return { port, family: tok[2], address };
}

/**
 * An a=rtcp line rtpengine 10.5 leaves in the SDP it writes (measured): a valid port followed by an
 * address part it cannot use (`IN IP7 ...`, `IN` alone, a host name, an IPv6 literal under IP4). It
 * then writes its own a=rtcp as well. A bad port, or a usable line, is replaced by ours.
 */
export function isKeptRtcpAttr(rest: string | undefined): boolean {
  if (rest === undefined) return false;
  const tok = rest.split(' ').filter((t) => t !== '');
  const port = parseDecimal(tok[0]);
  return port !== undefined && port <= 65535 && tok.length > 1 && parseRtcpAttr(rest) === undefined;
}

/**
 * The address of an SDP address field (RFC 8866 §5.7) when it is an IP literal of `family`
 * (IP4/IP6), else undefined. An IPv6 literal may come in brackets (rtpengine 10.5 accepts them).
 */
export function ipLiteral(family: string, text: string): string | undefined {
  if (family === 'IP4') return isIPv4(text) ? text : undefined;
  const bare = text.length > 2 && text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return isIPv6(bare) ? bare : undefined;
}

/**
 * RFC 4568 §9.1: `a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]`
 * with key-params `inline:<key||salt>[|lifetime][|MKI:length]`. Only the shape
 * is checked; semantic validation of suites/keys belongs to the SRTP code.
 */
export function isWellFormedCrypto(rest: string | undefined): boolean {
  if (rest === undefined) return false;
  const tok = rest.split(' ').filter((t) => t !== '');
  if (tok.length < 3) return false;
  if (parseDecimal(tok[0]) === undefined) return false;
  if (!/^[A-Za-z0-9_]+$/.test(tok[1]!)) return false;
  return tok[2]!.startsWith('inline:') && tok[2]!.length > 'inline:'.length;
}
