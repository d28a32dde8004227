/**
 * ICE in SDP as rtpengine 10.5 does it (spec §3 `ICE`, `ICE-lite`, `trickle-ICE`; §4.4 items 10-13;
 * golden 11 and 13): per message the `ICE` mode decides whether the recipient gets our ICE
 * (credentials and host candidates of its sockets), keeps the sender's, or none; the participant's
 * own ICE (credentials, candidates, lite, trickle) is recorded for its agent (daemon/ice/).
 */
import { randomInt } from 'node:crypto';
import type { IceMode, IcePlan, MediaPlan, SessionPlan } from '../../protocol/sdp/plan.js';
import { formatCandidate, hasIceCredentials, mediaIce, type SdpCandidate } from '../../protocol/sdp/ice.js';
import { sessionOf } from '../../protocol/sdp/parse.js';
import type { SdpMedia } from '../../protocol/sdp/types.js';
import type { CallMedia, IceMediaState } from './media.js';
import type { Negotiation } from './negotiate.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomToken(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** `ICE` values and their aliases (spec §3). */
export function iceMode(v: string | undefined): IceMode {
  switch (v?.toLowerCase().replace(/[ _]/g, '-')) {
    case 'remove': return 'remove';
    case 'force': return 'force';
    case 'optional': return 'optional';
    case 'force-relay': return 'force-relay';
    default: return 'default';
  }
}

/** `ICE-lite` values (spec §3): toward whom we act as an ICE-lite agent. */
export function iceLiteDirection(v: string | undefined): 'forward' | 'backward' | 'both' | 'off' | undefined {
  switch (v?.toLowerCase()) {
    case 'forward': case 'offer': case 'fwd': case 'fw': return 'forward';
    case 'backward': case 'backwards': case 'reverse': case 'answer': case 'back': case 'bkw': case 'bk': return 'backward';
    case 'both': return 'both';
    case 'off': case 'none': case 'no': return 'off';
    default: return undefined;
  }
}

/**
 * rtpengine names a candidate's foundation after the local address it lives on; one random token per
 * address for the daemon's lifetime gives the same shape (16 characters, stable across calls).
 */
const foundations = new Map<string, string>();
function foundationOf(address: string): string {
  let f = foundations.get(address);
  if (f === undefined) {
    f = randomToken(16);
    foundations.set(address, f);
  }
  return f;
}

/** RFC 8445 §5.1.2.1 priority with rtpengine's type/local preferences per ICE mode (golden 11). */
function priority(mode: IceMode, component: number): number {
  if (mode === 'force-relay') return 256 - component; // relay: type preference 0, local preference 0
  if (mode === 'optional') return 125 * 0x1000000 + (256 - component); // below the peer's own host candidates
  return 126 * 0x1000000 + 65535 * 0x100 + (256 - component);
}

/**
 * Records the sender's ICE for `from` and plans ours toward `to` (sets `to.ice` and plan.ice).
 * Called once per relayed section after the media plan is made.
 */
export function icePlan(n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia, plan: MediaPlan): void {
  const mode = iceMode(n.opts.ice);
  const senderIce = mediaIce(sessionOf(n.sdp, sm), sm);
  from.iceRemote = hasIceCredentials(senderIce) ? senderIce : null;
  // `reject-ICE` in an offer: the offerer's ICE is refused — its answer carries none (unless the
  // answer itself asks for ICE); the offer onward is unaffected (rtpengine 10.5, measured).
  if (n.isOffer) from.iceRejected = n.opts.flags.has('reject-ICE');
  if (!sm.isRtp && sm.type !== 'application' && sm.type !== 'image') return;
  if (plan.port === 0 || plan.passthrough || !to.rtp.sock) return;

  let wanted: boolean;
  switch (mode) {
    case 'remove': wanted = false; break;
    case 'force': case 'optional': case 'force-relay': wanted = true; break;
    // Default: ICE toward a participant that speaks it — the offer's recipient when the offerer did,
    // the offerer (in the answer) when it did or the answerer does.
    default: wanted = !n.isOffer && to.iceRejected ? false : from.iceRemote !== null || (!n.isOffer && to.iceRemote !== null);
  }
  if (!wanted) {
    to.ice = null;
    return;
  }
  const lite = iceLiteDirection(n.opts.iceLite);
  const st: IceMediaState = to.ice ?? { ufrag: randomToken(8), pwd: randomToken(26), lite: false, controlling: n.isOffer };
  if (lite !== undefined && n.isOffer) {
    // Offer only (spec §3): forward = toward this offer's recipient, backward = toward the offerer.
    st.lite = lite === 'forward' || lite === 'both';
    from.iceLiteBackward = lite === 'backward' || lite === 'both';
  } else if (!n.isOffer && to.iceLiteBackward) {
    st.lite = true;
  }
  to.ice = st;

  // Candidates on the recipient-facing sockets: RTP, and RTCP unless it is muxed.
  const address = n.opts.mediaAddress ?? n.recipient.local!.advertised;
  const comps: [number, number][] = [[1, to.rtp.sock.port]];
  if (!to.rtcpMux && to.rtcp.sock && sm.isRtp) comps.push([2, to.rtcp.sock.port]);
  const keepPeers = (mode === 'optional' || mode === 'force-relay') && from.iceRemote !== null;
  // optional without ICE from the sender is force (golden 11 exch. 9).
  const prioMode = mode === 'optional' && !keepPeers ? 'force' : mode;
  const candidates: SdpCandidate[] = comps.map(([component, port]) => ({
    foundation: foundationOf(address), component, transport: 'UDP', priority: priority(prioMode, component), address, port,
    type: mode === 'force-relay' ? 'relay' : 'host',
    ...(mode === 'force-relay' ? { relAddr: address, relPort: port } : {}),
  }));
  const ice: IcePlan = {
    // optional / force-relay keep the sender's credentials and candidates in place (RFC 8839 §5.4:
    // one ufrag/pwd per section), ours are added after them.
    ...(keepPeers ? {} : { ufrag: st.ufrag, pwd: st.pwd }),
    trickle: n.opts.flags.has('trickle-ICE') || (to.iceRemote?.trickle ?? false),
    candidates: candidates.map(formatCandidate),
  };
  plan.ice = ice;
}

/** Session-level parts: the rewriter's ICE mode and a=ice-lite toward this recipient. */
export function iceSessionPlan(n: Negotiation, plan: SessionPlan, medias: readonly CallMedia[]): void {
  plan.iceMode = iceMode(n.opts.ice);
  plan.iceLite = medias.some((m) => m.ice?.lite === true);
}
