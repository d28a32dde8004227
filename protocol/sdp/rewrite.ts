// Copy-and-patch SDP rewriter (spec §4). The received body is copied line by
// line; specific tokens are replaced in place, specific lines dropped, and a
// generated block appended to the session part and to every media section.
// Copied lines keep their terminator; generated lines end in CRLF.

import type { SdpConnection, SdpLine, SdpSession } from './types.js';
import type { MediaPlan, SessionPlan } from './plan.js';
import { attrName, binaryToBuffer, genAttr, joinLines } from './lines.js';
import { asDirection, isIceAttr, isRelayCandidate } from './attributes.js';
import { connectionFor, connectionValue, rewriteMedia } from './rewrite-media.js';

export type { MediaPlan, SessionPlan, RtcpPlan, IcePlan, IceMode } from './plan.js';

/** Which media plan supplies the session-level c= address. */
function sessionConnectionPlan(sdp: SdpSession, plan: SessionPlan): MediaPlan | undefined {
  const accepted = (i: number): boolean => plan.media[i]!.port !== 0 && plan.media[i]!.passthrough !== true;
  const idx = sdp.media.findIndex((m, i) => !m.connection && accepted(i));
  if (idx >= 0) return plan.media[idx];
  const any = sdp.media.findIndex((_m, i) => accepted(i));
  return plan.media[any >= 0 ? any : 0];
}

function sessionConnection(sdp: SdpSession, plan: SessionPlan): SdpConnection | undefined {
  if (plan.sessionConnection) return plan.sessionConnection;
  const mp = sessionConnectionPlan(sdp, plan);
  return mp ? connectionFor(mp, sdp.connection) : undefined;
}

/** RFC 8866 §5.2 o= with replaced username / sess-version / address. */
function originValue(sdp: SdpSession, plan: SessionPlan, local: SdpConnection | undefined, value: string): string {
  const o = sdp.origin;
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
function originDefault(sdp: SdpSession, plan: SessionPlan): SdpConnection | undefined {
  if (plan.sessionConnection) return plan.sessionConnection;
  const mp = sessionConnectionPlan(sdp, plan);
  return mp ? { family: mp.family, address: mp.address } : undefined;
}

/** Whether the session c= is rewritten: on request, or when a relayed section has no c= of its own. */
function replacesSessionConnection(sdp: SdpSession, plan: SessionPlan): boolean {
  if (plan.iceMode === 'force-relay' || sdp.connection === undefined) return false;
  return plan.replaceSessionConnection === true || sdp.media.some((m, i) => !m.connection && plan.media[i]!.passthrough !== true);
}

function rewriteSession(sdp: SdpSession, plan: SessionPlan): SdpLine[] {
  const conn = sessionConnection(sdp, plan);
  const replaceC = replacesSessionConnection(sdp, plan);
  const out: SdpLine[] = [];
  for (const l of sdp.sessionLines) {
    switch (l.type) {
      case 'o':
        out.push({ ...l, value: originValue(sdp, plan, originDefault(sdp, plan), l.value) });
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
  const lines = rewriteSession(sdp, plan);
  const ctx = {
    iceMode: plan.iceMode,
    originalSendrecv: plan.originalSendrecv === true,
    stripExtmap: plan.stripExtmap === true,
    sessionConnection: sdp.connection,
    sessionConnectionReplaced: replacesSessionConnection(sdp, plan) && sessionConnection(sdp, plan) !== undefined,
  };
  sdp.media.forEach((m, i) => lines.push(...rewriteMedia(m, plan.media[i]!, ctx)));
  return joinLines(lines);
}

/** loop-protect: does the session part already carry `a=rtpengine:<id>`? */
export function hasLoopProtectId(sdp: SdpSession, id: string): boolean {
  return sdp.sessionLines.some((l) => l.type === 'a' && l.value === `rtpengine:${id}`);
}
