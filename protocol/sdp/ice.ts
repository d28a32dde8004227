// ICE attributes of one media section (RFC 8839 §5: a=candidate, a=ice-ufrag, a=ice-pwd,
// a=ice-options, a=ice-lite, a=end-of-candidates), read from the section and its session part
// (media-level attributes win, RFC 8839 §5.4), and the a=candidate grammar both ways.

import { isIP } from 'node:net';
import { attrName } from './lines.js';
import type { SdpMedia, SdpSessionPart } from './types.js';

export type IceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** RFC 8839 §5.1: `foundation component transport priority address port typ type [raddr a rport p] *(ext)`. */
export interface SdpCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: IceCandidateType;
  relAddr?: string;
  relPort?: number;
}

export interface MediaIce {
  ufrag?: string;
  pwd?: string;
  /** a=ice-lite at session level (RFC 8839 §5.3: session-level only). */
  lite: boolean;
  /** a=ice-options with `trickle` (RFC 8840 §4.1.1), media or session level. */
  trickle: boolean;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
}

const TYPES: ReadonlySet<string> = new Set(['host', 'srflx', 'prflx', 'relay']);
const DIGITS = /^[0-9]+$/;

/** Parses an a=candidate value (without `candidate:`); undefined when malformed. */
export function parseCandidate(value: string): SdpCandidate | undefined {
  const t = value.trim().split(/ +/);
  if (t.length < 8 || t[6] !== 'typ') return undefined;
  const [foundation, comp, transport, prio, address, port, , type] = t as [string, string, string, string, string, string, string, string];
  if (!DIGITS.test(comp) || !DIGITS.test(prio) || !DIGITS.test(port) || !TYPES.has(type)) return undefined;
  const component = Number(comp);
  const priority = Number(prio);
  const p = Number(port);
  if (component < 1 || component > 256 || priority > 0xffffffff || p > 65535) return undefined;
  // Only IP literals: rtpengine 10.5 ignores a candidate with anything else (a host name, an mDNS
  // `.local` name), measured; resolving one would block signalling on DNS.
  if (isIP(address) === 0) return undefined;
  const c: SdpCandidate = { foundation, component, transport, priority, address, port: p, type: type as IceCandidateType };
  for (let i = 8; i + 1 < t.length; i += 2) {
    if (t[i] === 'raddr') c.relAddr = t[i + 1];
    else if (t[i] === 'rport' && DIGITS.test(t[i + 1]!)) c.relPort = Number(t[i + 1]);
  }
  return c;
}

/** Writes an a=candidate value (without `candidate:`), as rtpengine does (`UDP` upper case). */
export function formatCandidate(c: SdpCandidate): string {
  let s = `${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relAddr !== undefined && c.relPort !== undefined) s += ` raddr ${c.relAddr} rport ${c.relPort}`;
  return s;
}

/** The ICE attributes that apply to `media`. */
export function mediaIce(session: SdpSessionPart, media: SdpMedia): MediaIce {
  const out: MediaIce = { lite: false, trickle: false, candidates: [], endOfCandidates: false };
  let sUfrag: string | undefined;
  let sPwd: string | undefined;
  for (const l of session.sessionLines) {
    if (l.type !== 'a') continue;
    const { name, rest } = attrName(l.value);
    if (name === 'ice-lite') out.lite = true;
    else if (name === 'ice-ufrag') sUfrag = rest;
    else if (name === 'ice-pwd') sPwd = rest;
    else if (name === 'ice-options' && rest?.split(' ').includes('trickle')) out.trickle = true;
  }
  for (const l of media.lines) {
    if (l.type !== 'a') continue;
    const { name, rest } = attrName(l.value);
    if (name === 'ice-ufrag') out.ufrag = rest;
    else if (name === 'ice-pwd') out.pwd = rest;
    else if (name === 'ice-options' && rest?.split(' ').includes('trickle')) out.trickle = true;
    else if (name === 'end-of-candidates') out.endOfCandidates = true;
    else if (name === 'candidate' && rest !== undefined) {
      const c = parseCandidate(rest);
      if (c) out.candidates.push(c);
    }
  }
  out.ufrag ??= sUfrag;
  out.pwd ??= sPwd;
  return out;
}

/** ICE in use on this section: credentials and at least the intention of candidates (RFC 8839 §5.4). */
export function hasIceCredentials(ice: MediaIce): boolean {
  return ice.ufrag !== undefined && ice.pwd !== undefined;
}

/** One media section of a trickle-ICE fragment (RFC 8840 §9.2: application/trickle-ice-sdpfrag). */
export interface FragmentMedia {
  /** a=mid of the section, undefined without one (then matched by position). */
  mid?: string;
  ufrag?: string;
  pwd?: string;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
}

/**
 * Parses a trickle-ICE SDP fragment (RFC 8840 §9.2): session-level ice-ufrag/ice-pwd (and
 * ice-options) lines, then per `m=` line its mid, credentials and candidates. Lines of other types
 * are ignored; CRLF or LF line ends. A section's credentials default to the session-level ones.
 */
export function parseIceFragment(text: string): FragmentMedia[] {
  const out: FragmentMedia[] = [];
  let sUfrag: string | undefined;
  let sPwd: string | undefined;
  let cur: FragmentMedia | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('m=')) {
      cur = { candidates: [], endOfCandidates: false };
      out.push(cur);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const { name, rest } = attrName(line.slice(2));
    if (name === 'ice-ufrag') { if (cur) cur.ufrag = rest; else sUfrag = rest; }
    else if (name === 'ice-pwd') { if (cur) cur.pwd = rest; else sPwd = rest; }
    else if (cur === null) continue;
    else if (name === 'mid') cur.mid = rest;
    else if (name === 'end-of-candidates') cur.endOfCandidates = true;
    else if (name === 'candidate' && rest !== undefined) {
      const c = parseCandidate(rest);
      if (c) cur.candidates.push(c);
    }
  }
  for (const m of out) {
    m.ufrag ??= sUfrag;
    m.pwd ??= sPwd;
  }
  return out;
}
