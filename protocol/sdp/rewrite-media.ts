// Rewriting of one media section (spec §4.3 in-place changes and removals,
// §4.4 appended block).

import type { Codec, SdpConnection, SdpLine, SdpMedia } from './types.js';
import type { IceMode, MediaPlan } from './plan.js';
import { attrName, genAttr, genLine } from './lines.js';
import { asDirection, isIceAttr, isKeptRtcpAttr, isRelayCandidate, isWellFormedCrypto } from './attributes.js';
import { codecLines } from './codec-parse.js';
import { isZeroAddress } from './parse.js';

export interface MediaContext {
  iceMode: IceMode;
  originalSendrecv: boolean;
  stripExtmap: boolean;
  /** The received session-level c= (for zero-address detection). */
  sessionConnection: SdpConnection | undefined;
  /** The session-level c= is written with our address (a passthrough section then needs its own). */
  sessionConnectionReplaced: boolean;
}

/** Address to write into c= lines that describe this media (RFC 8866 §5.7). */
export function connectionFor(plan: MediaPlan, received: SdpConnection | undefined): SdpConnection {
  if (plan.zeroAddress) {
    if (received && isZeroAddress(received.address)) return received;
    return { family: plan.family, address: plan.family === 'IP6' ? '::' : '0.0.0.0' };
  }
  return { family: plan.family, address: plan.address };
}

export function connectionValue(c: SdpConnection): string {
  return `IN ${c.family} ${c.address}`;
}

/** RFC 8866 §5.14 m= line with a new port / proto / format list; `/<n>` kept. */
function mLineValue(media: SdpMedia, port: number, proto: string, formats: readonly string[]): string {
  const ports = media.portCount !== undefined ? `${port}/${media.portCount}` : `${port}`;
  return [media.type, ports, proto, ...formats].join(' ');
}

/** Payload-specific rtcp-fb (RFC 4585 §4.2); the `*` wildcard is not. */
function isPtRtcpFb(rest: string | undefined): boolean {
  return rest !== undefined && !rest.startsWith('*');
}

/** Should this received attribute line be dropped from an accepted section? */
function dropAttr(value: string, plan: MediaPlan, ctx: MediaContext, codecs: boolean): boolean {
  if (asDirection(value)) return !ctx.originalSendrecv;
  if (isIceAttr(value)) {
    if (ctx.iceMode === 'optional') return false;
    if (ctx.iceMode === 'force-relay') return isRelayCandidate(value);
    return true;
  }
  const { name, rest } = attrName(value);
  switch (name) {
    case 'end-of-candidates':
    case 'mid':
      return true;
    case 'rtcp':
      return !isKeptRtcpAttr(rest);
    case 'rtcp-mux':
      return ctx.iceMode !== 'force-relay';
    case 'rtpmap':
    case 'fmtp':
      return codecs;
    case 'rtcp-fb':
      return codecs && isPtRtcpFb(rest);
    case 'ptime':
      return plan.ptime !== undefined;
    case 'crypto':
      // rtpengine copies a line of fewer than three fields (not an a=crypto to it); every other one
      // is removed and replaced by ours, unless passthrough keeps the well-formed ones.
      if (rest === undefined || rest.split(' ').filter((t) => t !== '').length < 3) return false;
      return !(plan.keepSecurity && isWellFormedCrypto(rest));
    case 'fingerprint':
    case 'setup':
      return !plan.keepSecurity;
    case 'extmap':
      return ctx.stripExtmap;
    default:
      return false;
  }
}

function midLine(media: SdpMedia, plan: MediaPlan): SdpLine[] {
  if (plan.mid === null) return [];
  const mid = plan.mid ?? media.mid ?? (plan.generateMid ? String(media.index) : undefined);
  return mid !== undefined ? [genAttr(`mid:${mid}`)] : [];
}

function endOfCandidates(media: SdpMedia, plan: MediaPlan): SdpLine[] {
  const want = plan.endOfCandidates ?? (plan.ice?.trickle === true || media.hasEndOfCandidates);
  return want ? [genAttr('end-of-candidates')] : [];
}

/** Rejected stream (port 0): copied untouched except mid / end-of-candidates, which move to the end. */
function rewriteRejected(media: SdpMedia, plan: MediaPlan): SdpLine[] {
  const [mline, ...rest] = media.lines;
  const out: SdpLine[] = [];
  // Untouched, except for the protocol the plan asks for (rtpengine 10.5 writes the recipient's
  // protocol into a rejected m= line too, e.g. RTP/SAVP for a rejected video with transport-protocol).
  const proto = plan.protocol ?? media.proto;
  if (media.port === 0 && proto === media.proto) out.push(mline!);
  else out.push({ ...mline!, value: mLineValue(media, 0, proto, media.formats) });
  for (const l of rest) {
    if (l.type === 'a') {
      const { name } = attrName(l.value);
      if (name === 'mid' || name === 'end-of-candidates') continue;
    }
    out.push(l);
  }
  return [...out, ...midLine(media, plan), ...endOfCandidates(media, plan)];
}

function rtcpLines(media: SdpMedia, plan: MediaPlan, conn: SdpConnection, ctx: MediaContext): SdpLine[] {
  if (!media.isRtp || ctx.iceMode === 'force-relay') return [];
  const rtcpAttr = (port: number): SdpLine[] => {
    if (plan.noRtcpAttribute) return [];
    // RFC 3605 §2.1
    return [genAttr(plan.fullRtcpAttribute ? `rtcp:${port} ${connectionValue(conn)}` : `rtcp:${port}`)];
  };
  switch (plan.rtcp.kind) {
    case 'mux':
      return [...rtcpAttr(plan.port), genAttr('rtcp-mux')]; // RFC 5761 §5.1.1
    case 'separate':
      return [...rtcpAttr(plan.rtcp.port), ...(plan.rtcp.offerMux ? [genAttr('rtcp-mux')] : [])];
    case 'none':
      return [];
  }
}

function iceLines(plan: MediaPlan): SdpLine[] {
  const ice = plan.ice;
  if (!ice) return [];
  const out: SdpLine[] = [];
  // RFC 8839 §5.4, §5.6, §5.1, §5.2
  if (ice.ufrag !== undefined) out.push(genAttr(`ice-ufrag:${ice.ufrag}`));
  if (ice.pwd !== undefined) out.push(genAttr(`ice-pwd:${ice.pwd}`));
  if (ice.trickle) out.push(genAttr('ice-options:trickle'));
  for (const c of ice.candidates) out.push(genAttr(`candidate:${c}`));
  if (ice.remoteCandidates !== undefined) out.push(genAttr(`remote-candidates:${ice.remoteCandidates}`));
  return out;
}

/** A section that is not relayed (plan.passthrough): verbatim, plus the peer's c= if it used the session's. */
function rewritePassthrough(media: SdpMedia, ctx: MediaContext): SdpLine[] {
  const [mline, ...rest] = media.lines;
  if (media.connection || !ctx.sessionConnectionReplaced || !ctx.sessionConnection) return media.lines;
  // RFC 8866 §5.7: a media-level c= overrides the session's for this section. rtpengine 10.5 ends
  // this one line with a bare LF, even in a CRLF body; we write the same bytes.
  return [mline!, { ...genLine('c', connectionValue(ctx.sessionConnection)), eol: '\n' }, ...rest];
}

export function rewriteMedia(media: SdpMedia, plan: MediaPlan, ctx: MediaContext): SdpLine[] {
  if (plan.passthrough) return rewritePassthrough(media, ctx);
  if (plan.port === 0) return rewriteRejected(media, plan);

  const forceRelay = ctx.iceMode === 'force-relay';
  const codecs: Codec[] | undefined = media.isRtp ? (plan.codecs ?? media.codecs) : undefined;
  const received = media.connection ?? ctx.sessionConnection;
  const conn = connectionFor(plan, received);

  const [mline, ...rest] = media.lines;
  const out: SdpLine[] = [];
  const formats = codecs ? codecs.map((c) => String(c.pt)) : media.formats;
  const port = forceRelay ? media.port : plan.port;
  out.push({ ...mline!, value: mLineValue(media, port, plan.protocol ?? media.proto, formats) });

  for (const l of rest) {
    if (l.type === 'c') {
      out.push(forceRelay ? l : { ...l, value: connectionValue(conn) });
      continue;
    }
    if (l.type === 'a' && dropAttr(l.value, plan, ctx, codecs !== undefined)) continue;
    out.push(l);
  }

  // spec §4.4, in this exact order
  out.push(...midLine(media, plan));
  if (codecs) out.push(...codecLines(codecs));
  if (!ctx.originalSendrecv) out.push(genAttr(plan.direction));
  out.push(...rtcpLines(media, plan, conn, ctx));
  for (const c of plan.crypto ?? []) out.push(genAttr(`crypto:${c}`)); // RFC 4568 §9.1
  if (plan.setup !== undefined) out.push(genAttr(`setup:${plan.setup}`)); // RFC 4145 §4
  if (plan.fingerprint !== undefined) out.push(genAttr(`fingerprint:${plan.fingerprint}`)); // RFC 8122 §5
  if (plan.ptime !== undefined) out.push(genAttr(`ptime:${plan.ptime}`)); // RFC 8866 §6.4
  out.push(...iceLines(plan));
  out.push(...endOfCandidates(media, plan));
  return out;
}
