// Copy-and-patch SDP rewriter (spec §4). The received body is copied line by
// line; specific tokens are replaced in place, specific lines dropped, and a
// generated block appended to the session part and to every media section.
// Copied lines keep their terminator; generated lines end in CRLF.

import type { SdpConnection, SdpLine, SdpOrigin, SdpSession } from './types.js';
import type { MediaPlan, SessionPlan } from './plan.js';
import { attrName, binaryToBuffer, genAttr, joinLines } from './lines.js';
import { asDirection, isIceAttr, isRelayCandidate } from './attributes.js';
import { connectionFor, connectionValue, rewriteMedia } from './rewrite-media.js';

export type { MediaPlan, SessionPlan, RtcpPlan, IcePlan, IceMode } from './plan.js';

/** The indices (into sdp.media / plan.media) of the media sections of session `k`. */
function mediaOf(sdp: SdpSession, k: number): number[] {
  const out: number[] = [];
  sdp.media.forEach((m, i) => {
    if (m.session === k) out.push(i);
  });
  return out;
}

/**
 * Which media plan supplies a session's c= address: the first accepted media of that session
 * without its own c=, else its first accepted media, else its first media. A session without media
 * takes the media that follow it (rtpengine 10.5 looks at the call's media at the position the
 * session's media would have), else the whole body.
 */
function sessionConnectionPlan(sdp: SdpSession, plan: SessionPlan, k: number): MediaPlan | undefined {
  const own = mediaOf(sdp, k);
  const later = sdp.media.flatMap((m, i) => (m.session > k ? [i] : []));
  const pool = own.length > 0 ? own : later.length > 0 ? later : sdp.media.map((_m, i) => i);
  const accepted = (i: number): boolean => plan.media[i]!.port !== 0 && plan.media[i]!.passthrough !== true;
  const pick =
    pool.find((i) => !sdp.media[i]!.connection && accepted(i)) ?? pool.find(accepted) ?? pool[0] ?? 0;
  return plan.media[pick];
}

function sessionConnection(sdp: SdpSession, plan: SessionPlan, k: number): SdpConnection | undefined {
  if (plan.sessionConnection) return plan.sessionConnection;
  const mp = sessionConnectionPlan(sdp, plan, k);
  if (mp) return connectionFor(mp, sdp.sessions[k]!.connection);
  // A body without any m= (its sessions rewritten against media of an earlier SDP): the o= address.
  return plan.originFamily !== undefined && plan.originAddress !== undefined
    ? { family: plan.originFamily, address: plan.originAddress }
    : undefined;
}

/** RFC 8866 §5.2 o= with replaced username / sess-version / address. */
function originValue(o: SdpOrigin, plan: SessionPlan, local: SdpConnection | undefined, value: string): string {
  let { username, version, netType, family, address } = o;
  let changed = false;
  if (plan.username !== undefined && plan.username !== username) {
    username = plan.username;
    changed = true;
  }
  if (plan.sdpVersion !== undefined && plan.sdpVersion !== version) {
    version = plan.sdpVersion;
    changed = true;
  }
  if (plan.replaceOrigin) {
    const fam = plan.originFamily ?? local?.family;
    const addr = plan.originAddress ?? local?.address;
    if (fam !== undefined && addr !== undefined && (netType !== 'IN' || fam !== family || addr !== address)) {
      netType = 'IN';
      family = fam;
      address = addr;
      changed = true;
    }
  }
  if (!changed) return value;
  return [username, o.sessionId, version, netType, family, address].join(' ');
}

function dropSessionAttr(value: string, plan: SessionPlan): boolean {
  if (asDirection(value)) return !plan.originalSendrecv;
  if (isIceAttr(value)) {
    if (plan.iceMode === 'optional') return false;
    if (plan.iceMode === 'force-relay') return isRelayCandidate(value);
    return true;
  }
  const { name, rest } = attrName(value);
  switch (name) {
    case 'fingerprint': // RFC 8122
    case 'setup': // RFC 4145
      return true;
    case 'group': // RFC 5888 §5 / RFC 9143: only BUNDLE groups are removed
      return (rest ?? '').split(' ')[0] === 'BUNDLE';
    case 'extmap': // RFC 8285
      return plan.stripExtmap === true;
    default:
      return false;
  }
}

/** Default o= address: the local (advertised) address, never the zero hold address. */
function originDefault(sdp: SdpSession, plan: SessionPlan, k: number): SdpConnection | undefined {
  if (plan.sessionConnection) return plan.sessionConnection;
  const mp = sessionConnectionPlan(sdp, plan, k);
  return mp ? { family: mp.family, address: mp.address } : undefined;
}

/**
 * Whether session `k`'s c= is rewritten: on request, or when one of that session's relayed media has
 * no c= of its own (another session's media, and passthrough ones, do not use it for our address).
 */
function replacesSessionConnection(sdp: SdpSession, plan: SessionPlan, k: number): boolean {
  if (plan.iceMode === 'force-relay') return false;
  return plan.replaceSessionConnection === true ||
    sdp.media.some((m, i) => m.session === k && !m.connection && plan.media[i]!.passthrough !== true);
}

/**
 * The session part of session description `k`. Every session gets the same treatment: username,
 * session name and sess-version come from the plan (one per call, as rtpengine 10.5 writes them),
 * the c= is its own session's, and loop-protect / ice-lite are appended to each.
 */
function rewriteSession(sdp: SdpSession, plan: SessionPlan, k: number): SdpLine[] {
  const part = sdp.sessions[k]!;
  const conn = sessionConnection(sdp, plan, k);
  const replaceC = replacesSessionConnection(sdp, plan, k);
  const out: SdpLine[] = [];
  for (const l of part.sessionLines) {
    switch (l.type) {
      case 'o':
        out.push({ ...l, value: originValue(part.origin, plan, originDefault(sdp, plan, k), l.value) });
        break;
      case 's':
        out.push(plan.sessionName !== undefined ? { ...l, value: plan.sessionName } : l);
        break;
      case 'c':
        out.push(replaceC && conn ? { ...l, value: connectionValue(conn) } : l);
        break;
      case 'a':
        if (!dropSessionAttr(l.value, plan)) out.push(l);
        break;
      default:
        out.push(l);
    }
  }
  if (plan.loopProtectId !== undefined) out.push(genAttr(`rtpengine:${plan.loopProtectId}`));
  if (plan.iceLite && !out.some((l) => l.type === 'a' && l.value === 'ice-lite')) out.push(genAttr('ice-lite'));
  return out;
}

export function rewriteSdp(sdp: SdpSession, plan: SessionPlan): Buffer {
  return binaryToBuffer(rewriteSdpText(sdp, plan));
}

/** The rewritten SDP as a latin1 string (one char per byte), as the ng reply and the daemon keep it. */
export function rewriteSdpText(sdp: SdpSession, plan: SessionPlan): string {
  if (plan.media.length !== sdp.media.length) {
    throw new Error(`rewriteSdp: ${plan.media.length} media plans for ${sdp.media.length} m= sections`);
  }
  const lines: SdpLine[] = [];
  // Each session description in turn: its session part, then its own media sections, whose
  // appended blocks thus end before the next v= (RFC 8866 §5,
  // https://www.rfc-editor.org/rfc/rfc8866#section-5).
  sdp.sessions.forEach((part, k) => {
    lines.push(...rewriteSession(sdp, plan, k));
    const ctx = {
      iceMode: plan.iceMode,
      originalSendrecv: plan.originalSendrecv === true,
      stripExtmap: plan.stripExtmap === true,
      sessionConnection: part.connection,
      sessionConnectionReplaced: part.connection !== undefined && replacesSessionConnection(sdp, plan, k) &&
        sessionConnection(sdp, plan, k) !== undefined,
    };
    for (const i of mediaOf(sdp, k)) lines.push(...rewriteMedia(sdp.media[i]!, plan.media[i]!, ctx));
  });
  return joinLines(lines);
}

/**
 * loop-protect: does every session part already carry `a=rtpengine:<id>`? rtpengine 10.5 passes a
 * body through untouched only then; if one session lacks it, the body is rewritten as usual.
 */
export function hasLoopProtectId(sdp: SdpSession, id: string): boolean {
  return sdp.sessions.every((part) => part.sessionLines.some((l) => l.type === 'a' && l.value === `rtpengine:${id}`));
}
