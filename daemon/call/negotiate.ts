/**
 * One SDP passing through: from `sender` (who wrote it) to `recipient` (who gets our rewrite).
 * Records what the sender said per media section, makes sure both sides have sockets, points the
 * workers' forwarding along the call's subscriptions, and builds the rewritten SDP (spec §4).
 */
import type { CallOptions, MediaEcho, RtcpMuxOption } from '../../protocol/ng/call-options.js';
import { NgError } from '../../protocol/ng/errors.js';
import { effectiveConnection, sessionMediaIndex, sessionOf } from '../../protocol/sdp/parse.js';
import { rewriteSdpText, type MediaPlan, type SessionPlan } from '../../protocol/sdp/rewrite.js';
import type { AddrFamily, SdpMedia, SdpSession } from '../../protocol/sdp/types.js';
import type { SlotConfig, SlotSrtp } from '../media/messages.js';
import type { Call } from './call.js';
import { NO_MUX_OPTIONS, type CallMedia } from './media.js';
import type { Endpoint } from './stream.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import { allocateStreams, type StreamNeed } from './stream-alloc.js';
import { answerSdes, isSrtpProto, offerSdes } from './sdes-negotiate.js';
import { answerDtls, offerDtls } from './dtls-negotiate.js';
import { icePlan, iceSessionPlan } from './ice-negotiate.js';
import { negotiateCodecs } from './codec-negotiate.js';

export interface Negotiation {
  call: Call;
  sender: Monologue;
  recipient: Monologue;
  sdp: SdpSession;
  opts: CallOptions;
  isOffer: boolean;
  now: number;
  instanceId: string;
}

export async function negotiate(ctx: MediaContext, n: Negotiation): Promise<string> {
  const { sender, recipient, sdp } = n;
  if (n.opts.generateRtcp !== undefined) n.call.generateRtcp = n.opts.generateRtcp;
  // TOS (spec §3.3): only offers; < 0 keeps the call's value, absent or > 255 reverts to --tos.
  if (n.isOffer) {
    const t = n.opts.tos;
    if (t === undefined || t > 255) n.call.tos = ctx.settings.tos;
    else if (t >= 0) n.call.tos = t;
  }
  selectInterfaces(ctx, n);

  const needs: StreamNeed[] = [];
  for (const sm of sdp.media) {
    const from = sender.media(sm.index, n.now);
    const to = recipient.media(sm.index, n.now);
    const endpointMoved = recordSenderMedia(ctx, n, from, to, sm);
    applyMediaEcho(n.opts.mediaEcho, from, to);
    if (from.rejected || isPassthrough(sm)) {
      // A rejected section (port 0), or one not relayed (m=message), has no sockets on either side.
      from.close();
      to.close();
      continue;
    }
    // A new remote endpoint gets new recipient-facing ports (spec §4.7), unless port latching.
    if (endpointMoved && !n.opts.flags.has('port-latching')) to.close();
    // Recipient-facing first, as rtpengine allocates them (golden 03: offer port < answer port).
    if (!to.hasSockets) needs.push({ media: to, local: recipient.local! });
    if (!from.hasSockets) needs.push({ media: from, local: sender.local! });
  }
  await allocateStreams(ctx, n.call, needs, n.now);

  const plans: MediaPlan[] = [];
  for (const sm of sdp.media) {
    const from = sender.media(sm.index, n.now);
    const to = recipient.media(sm.index, n.now);
    const offerMux = decideRtcpMux(n, from, to, sm);
    // Signalling refreshes the timeout clock and, as in rtpengine, clears "confirmed" until media
    // arrives again (the worker re-learns; it keeps sending to the last known address meanwhile).
    for (const s of [...from.streams(), ...to.streams()]) {
      s.lastSignalMs = n.now;
      s.confirmed = false;
    }
    const plan = mediaPlan(n, from, to, sm, offerMux);
    securityPlan(ctx, n, from, to, sm, plan);
    icePlan(n, from, to, sm, plan);
    plans.push(plan);
  }
  ctx.pool.configure(n.call.worker, forwardingConfigs(ctx, n.call));
  ctx.dtls?.sync(n.call);
  ctx.ice?.sync(n.call);
  return render(n, plans);
}

/**
 * `direction` names the interface facing the sender ([0]) and the recipient ([1]), once per side.
 * Within a logical interface that has both families, the sender gets a local address of its own
 * SDP's family; the recipient gets `address-family`, else the sender's family too (its own SDP is
 * not known yet). As in rtpengine 10.5, a side keeps its address once chosen: an IPv4 answer to an
 * IPv6 offer without `address-family=IP4` stays on the IPv6 address it was offered.
 */
function selectInterfaces(ctx: MediaContext, n: Negotiation): void {
  const dir = n.opts.direction;
  const family = sdpFamily(n.sdp);
  if (!n.sender.local) n.sender.local = ctx.interfaces.select(dir?.[0], family).local;
  if (!n.recipient.local) n.recipient.local = ctx.interfaces.select(dir?.[1], n.opts.addressFamily ?? family).local;
}

/** The family of the SDP's media address: the first media section's c=, else the session's. */
function sdpFamily(sdp: SdpSession): AddrFamily | undefined {
  for (const m of sdp.media) {
    const c = effectiveConnection(sdp, m);
    if (c) return c.family;
  }
  return sdp.connection?.family;
}

/** Returns whether the sender's media endpoint moved since its last SDP. */
function recordSenderMedia(ctx: MediaContext, n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia): boolean {
  const { sdp, opts } = n;
  const prevProto = from.protocol;
  from.initialized = true;
  from.type = sm.type;
  from.protocol = sm.proto;
  if (!to.initialized) to.type = sm.type;
  if (n.isOffer) {
    // The protocol towards the recipient stays across re-offers, in either direction (rtpengine
    // 10.5: an SRTP callee keeps RTP/SAVP when the plain caller re-offers RTP/AVP, and the other
    // way round): `transport-protocol` sets it, otherwise it follows the offerer's only when that
    // is new or changed.
    const tp = opts.transportProtocol && opts.transportProtocol !== 'accept' ? opts.transportProtocol : undefined;
    if (tp) to.protocol = tp;
    else if (!to.protocol || prevProto !== sm.proto) to.protocol = sm.proto;
    to.offeredProtocol = to.protocol;
  }
  from.rejected = sm.port === 0;
  from.mid = sm.mid;
  from.ptime = sm.ptime;
  from.direction = sm.direction ?? sessionOf(sdp, sm).direction ?? 'sendrecv';
  from.rtcpMuxOffered = sm.rtcpMux;
  // A fresh Set per request, never changed: kept for the answer of this recipient (decideRtcpMux).
  if (n.isOffer) to.muxOptionsOfferedToIt = opts.rtcpMux.size > 0 ? opts.rtcpMux : NO_MUX_OPTIONS;
  negotiateCodecs(opts, n.isOffer, from, to, sm);
  const conn = effectiveConnection(sdp, sm);
  let address = conn?.address ?? '';
  const zero = address === '0.0.0.0' || address === '::';
  // The trickle-ICE placeholder (c=0.0.0.0, port 9, RFC 8840 §4.1.1) is no old-style hold: the
  // address comes with the candidates (spec §4.2).
  const placeholder = zero && sm.port === 9 && hasTrickle(sdp, sm);
  from.zeroAddress = zero && !placeholder;
  const useSipSource = opts.flags.has('SIP-source-address') || (ctx.settings.sipSource && !opts.flags.has('trust-address'));
  if (useSipSource && opts.receivedFrom) address = opts.receivedFrom.address;
  const rtcpAddress = sm.rtcp?.address && !useSipSource ? sm.rtcp.address : address;
  const before = from.remote;
  from.remote = zero
    ? null
    : { rtp: { address, port: sm.port }, rtcp: { address: rtcpAddress, port: sm.rtcp?.port ?? sm.port + 1 } };
  for (const [st, ep] of [[from.rtp, from.remote?.rtp ?? null], [from.rtcp, from.remote?.rtcp ?? null]] as const) {
    // A changed SDP endpoint restarts from it (the worker does the same).
    if (st.advertised?.address !== ep?.address || st.advertised?.port !== ep?.port) st.learned = null;
    st.advertised = ep;
  }
  // Per-participant media options, from whichever message (offer or answer) that participant sent.
  n.sender.asymmetric = opts.flags.has('asymmetric');
  n.sender.strictSource = opts.flags.has('strict-source');
  if (opts.endpointLearning) n.sender.learning = opts.endpointLearning;
  return before !== null && from.remote !== null && !from.rejected &&
    (before.rtp.address !== from.remote.rtp.address || before.rtp.port !== from.remote.rtp.port);
}

/** `a=ice-options:trickle` (RFC 8840 §4.1.1) in the section or its session part. */
function hasTrickle(sdp: SdpSession, sm: SdpMedia): boolean {
  const trickle = (l: { type: string; value: string }): boolean =>
    l.type === 'a' && l.value.startsWith('ice-options:') && l.value.slice(12).split(' ').includes('trickle');
  return sm.lines.some(trickle) || sessionOf(sdp, sm).sessionLines.some(trickle);
}

/**
 * `media-echo` as rtpengine 10.5 keeps it: a flag on each side's media of this section, set only by
 * a message that carries the key (without it the previous mode stays). The names are relative to
 * the message, so the same value in an answer echoes the offerer: `forward` → the recipient gets its
 * own media back and the sender's is dropped; `backward` → the other way round.
 */
function applyMediaEcho(mode: MediaEcho | undefined, from: CallMedia, to: CallMedia): void {
  if (mode === undefined) return;
  from.echo = mode === 'backward' || mode === 'both' ? 'echo' : 'blackhole';
  to.echo = mode === 'forward' || mode === 'both' ? 'echo' : 'blackhole';
}

/**
 * rtcp-mux (spec §4.6). Decides what is in effect towards each side and returns whether the offer
 * written to the recipient offers mux. Options given with an offer also govern its answer.
 */
function decideRtcpMux(n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia): boolean {
  if (n.isOffer) {
    const mux = n.opts.rtcpMux;
    // Once a side runs rtcp-mux, a re-offer towards it behaves like `require`.
    to.rtcpMux = mux.has('require') || to.rtcpMux;
    const offerMux = to.rtcpMux || (!mux.has('demux') && (from.rtcpMuxOffered || mux.has('offer')));
    to.muxOfferedToIt = offerMux;
    return offerMux;
  }
  // Answer: `from` is the answerer, `to` the offerer; the options are those of the offer this
  // answerer got (not the offerer's latest offer to another branch) plus the answer's own.
  const mux = new Set<RtcpMuxOption>([...from.muxOptionsOfferedToIt, ...n.opts.rtcpMux]);
  from.rtcpMux = sm.rtcpMux && from.muxOfferedToIt;
  if (!to.rtcpMuxOffered || mux.has('reject')) to.rtcpMux = false;
  else if (mux.has('demux') || mux.has('accept') || mux.has('require')) to.rtcpMux = true;
  else to.rtcpMux = sm.rtcpMux;
  return false;
}

/**
 * Where each socket's packets go: a participant's media is sent out of the socket facing the first
 * of its subscribers that has one, to that subscriber's endpoint. Rebuilt for the whole call on every
 * signalling event (a handful of slots; never per packet).
 */
export function forwardingConfigs(ctx: MediaContext, call: Call): SlotConfig[] {
  const configs: SlotConfig[] = [];
  for (const m of call.monologues) {
    for (const mine of m.medias) {
      if (!mine.rtp.sock || !mine.rtcp.sock) continue;
      let other: CallMedia | undefined;
      for (const sub of m.subscribers) {
        const o = sub.medias.find((x) => x.index === mine.index);
        if (o && o.rtp.sock && o.rtcp.sock && !sub.deleted) { other = o; break; }
      }
      let sink = other ? other.rtp.sock!.slot : -1;
      // RTCP towards the other participant goes to its RTP socket when it runs rtcp-mux.
      let rtcpSink = other ? (other.rtcpMux ? other.rtp.sock!.slot : other.rtcp.sock!.slot) : -1;
      if (mine.echo === 'echo') {
        // Back to this participant, unchanged, out of the socket it sent to. RTCP goes out of the
        // RTCP socket to its RTCP endpoint even when it runs rtcp-mux: rtpengine 10.5 does so.
        sink = mine.rtp.sock.slot;
        rtcpSink = mine.rtcp.sock.slot;
      } else if (mine.echo === 'blackhole') {
        // Dropped: still counted as received (query packets), not as errors, as in rtpengine.
        sink = -1;
        rtcpSink = -1;
      }
      // DTLS-SRTP without keys yet (handshake running, or the peer's certificate did not match its
      // fingerprint): nothing from it can be decrypted and nothing may reach it in clear.
      if (dtlsWithoutKeys(mine) || (other !== undefined && dtlsWithoutKeys(other) && mine.echo === 'relay')) {
        sink = -1;
        rtcpSink = -1;
      }
      const clockRate = mine.codecs.find((c) => c.clock > 0)?.clock ?? 8000;
      const common = {
        // A participant on old-style hold (c=0.0.0.0) gets nothing, not even after it sends: no learning.
        // With ICE the agent picks the endpoint (a checked pair), so nothing is learned from media.
        learning: mine.zeroAddress || mine.ice !== null ? 'off' as const : m.learning ?? ctx.settings.endpointLearning,
        asymmetric: m.asymmetric, strictSource: m.strictSource, clockRate,
        generateRtcp: call.generateRtcp,
        tos: call.tos ?? -1,
        srtp: slotKeys(mine),
        // DTLS records reach the worker's DTLS sink only on slots that say so.
        dtls: mine.dtls !== null,
        // STUN reaches the ICE agent (main thread) only where we run ICE with this participant.
        ice: mine.ice !== null,
        // Our own RTCP to this participant leaves from its RTP socket when it runs rtcp-mux.
        rtcpSlot: mine.rtcpMux ? mine.rtp.sock.slot : mine.rtcp.sock.slot,
      };
      configs.push(
        {
          slot: mine.rtp.sock.slot, sink, rtcpSink, endpoint: mine.ice !== null ? iceEndpoint(mine, 1) : mine.rtp.advertised, component: 1, ...common,
          // Transcoding is toward the other participant only: echoed media goes back as it came.
          transcode: mine.echo === 'relay' && sink >= 0 ? mine.transcode : null,
        },
        // Without rtcp-mux DTLS-SRTP keys the RTCP socket by its own handshake (RFC 5764 §4).
        { slot: mine.rtcp.sock.slot, sink: rtcpSink, rtcpSink, endpoint: mine.ice !== null ? iceEndpoint(mine, 2) : mine.rtcp.advertised, component: 2, ...common, srtp: mine.dtls !== null && mine.rtcpSrtp !== null ? mine.rtcpSrtp : slotKeys(mine) },
      );
    }
  }
  return configs;
}

/** A media that runs DTLS-SRTP but has no keys (yet): blocked both ways (forwardingConfigs). */
function dtlsWithoutKeys(m: CallMedia): boolean {
  return m.dtls !== null && m.dtlsKeys === null;
}

/**
 * The keys a media's slots use: with DTLS-SRTP only the handshake's (an SDES key we offered next to
 * DTLS, which `srtp` may still hold for query, must never protect toward a peer that chose DTLS);
 * before they exist the slot has none, so early SRTP from the peer waits for them (key-wait.ts).
 */
function slotKeys(m: CallMedia): SlotSrtp | null {
  return m.dtls !== null ? m.dtlsKeys : m.srtp;
}

/**
 * The pair ICE selected for a component (rtcp-mux: the RTP one for both). Until one is nominated
 * nothing is sent to a participant we run ICE with: only a checked address gets media.
 */
function iceEndpoint(m: CallMedia, component: 1 | 2): Endpoint | null {
  if (m.ice === null) return null;
  return component === 2 && !m.rtcpMux ? m.iceSelected[1] : m.iceSelected[0];
}

function mediaPlan(n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia, offerMux: boolean): MediaPlan {
  const local = n.recipient.local!;
  const address = n.opts.mediaAddress ?? local.advertised;
  if (isPassthrough(sm)) return { port: sm.port, passthrough: true, family: local.family, address, direction: from.direction, rtcp: { kind: 'none' } };
  if (from.rejected || !to.rtp.sock) {
    return { port: 0, family: local.family, address, direction: from.direction, rtcp: { kind: 'none' }, protocol: planProtocol(n, from, to) };
  }
  const rtcp: MediaPlan['rtcp'] = !sm.isRtp
    ? { kind: 'none' }
    : to.rtcpMux ? { kind: 'mux' } : { kind: 'separate', port: to.rtp.sock.port + 1, offerMux };
  // ptime: offer → the requested or offered one; answer → ptime-reverse, the answer's, the offer's.
  if (n.isOffer) from.ptimeReverse = n.opts.ptimeReverse;
  const ptime = n.isOffer ? n.opts.ptime ?? from.ptime : to.ptimeReverse ?? from.ptime ?? to.ptime;
  return {
    port: to.rtp.sock.port,
    family: local.family,
    address,
    protocol: planProtocol(n, from, to),
    codecs: sm.isRtp ? to.sentCodecs ?? [] : undefined,
    direction: holdDirection(from),
    rtcp,
    fullRtcpAttribute: n.opts.flags.has('full-rtcp-attribute'),
    noRtcpAttribute: n.opts.flags.has('no-rtcp-attribute'),
    ptime,
    // The answer carries the offerer's own mid, or none (rtpengine 10.5: not the answerer's).
    mid: n.isOffer ? from.mid : to.mid ?? null,
    generateMid: n.opts.flags.has('generate-mid'),
    zeroAddress: from.zeroAddress && !n.opts.replace.has('zero-address'),
  };
}

/**
 * SRTP keying of one relayed RTP section (SDES and DTLS-SRTP attributes, spec §4.4 items 7-8): sets
 * both sides' `srtp` / `dtls` state and the plan's a=crypto, a=setup and a=fingerprint.
 */
function securityPlan(ctx: MediaContext, n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia, plan: MediaPlan): void {
  if (!sm.isRtp || plan.port === 0 || plan.passthrough) return;
  const { opts } = n;
  const proto = plan.protocol ?? sm.proto;
  if (n.isOffer) {
    const toSrtp = isSrtpProto(proto);
    // An offerer's own OSRTP offer (RTP/AVP with a=crypto, RFC 8643) goes on as one (its suites
    // first, then ours), unless a transport protocol is forced.
    const passOsrtp = !toSrtp && !isSrtpProto(sm.proto) && sm.crypto.length > 0 && opts.transportProtocol === undefined;
    const srtp = toSrtp || opts.osrtp.offer || passOsrtp;
    const dtls = offerDtls(ctx, opts, from, to, sm, srtp);
    // A recipient whose own SRTP offer came without a=crypto gets no SDES offer (an answer without
    // one does not count: rtpengine 10.5 keeps offering SDES to a DTLS-only answerer).
    plan.crypto = offerSdes(opts, from, to, sm, srtp && !opts.sdes.off && !to.sdesDeclined);
    plan.setup = dtls.setup;
    plan.fingerprint = dtls.fingerprint;
  } else {
    const dtls = answerDtls(ctx, opts, from, to, sm, isSrtpProto(proto));
    plan.crypto = answerSdes(opts, from, to, sm, proto, dtls.setup !== undefined);
    plan.setup = dtls.setup;
    plan.fingerprint = dtls.fingerprint;
  }
}

/**
 * m=message sections (MSRP over TCP or TLS, RFC 4975) pass through verbatim, as rtpengine 10.5 passes
 * them: it relays only datagram media. Other non-RTP media (UDP BFCP in m=application, T.38 in
 * m=image) are relayed.
 */
function isPassthrough(sm: SdpMedia): boolean {
  return sm.type === 'message';
}

/**
 * The m= protocol written: in an offer the one kept for the recipient (recordSenderMedia); in an
 * answer `transport-protocol` when given, else the one the offerer offered (`to` is the offerer's media), unless `transport-protocol=accept`
 * takes the answerer's (rtpengine 10.5: RTP/AVP offered and RTP/AVPF answered gives RTP/AVP).
 */
function planProtocol(n: Negotiation, from: CallMedia, to: CallMedia): string | undefined {
  const tp = n.opts.transportProtocol;
  if (n.isOffer) return to.protocol || undefined; // set by recordSenderMedia
  if (tp && tp !== 'accept') return tp;
  // `accept` goes along with a protocol the answerer changed; one that answered with the protocol
  // we offered it leaves the offerer its own (rtpengine 10.5: RTP/AVP offer sent on as RTP/SAVP and
  // answered RTP/SAVP → RTP/AVP back).
  if (tp === 'accept' && from.protocol !== from.offeredProtocol) return undefined;
  return to.protocol || undefined;
}

/** Old-style hold (c=0.0.0.0): the sender cannot receive, so sendrecv→sendonly, recvonly→inactive. */
function holdDirection(m: CallMedia): MediaPlan['direction'] {
  if (!m.zeroAddress) return m.direction;
  if (m.direction === 'sendrecv') return 'sendonly';
  if (m.direction === 'recvonly') return 'inactive';
  return m.direction;
}

/**
 * The first session description without m= lines that rtpengine 10.5 cannot rewrite: it takes such
 * a session's addresses from the recipient's media at the position its media would have (counted
 * across the body), so it works only where the recipient already has a media there, e.g. from an
 * earlier SDP. Thus a last session without media fails on a new call, and a single one always does.
 */
function unrewritableSession(n: Negotiation): number | undefined {
  const { sdp, recipient } = n;
  for (let k = 0; k < sdp.sessions.length; k++) {
    if (sdp.media.some((m) => m.session === k)) continue;
    const index = sessionMediaIndex(sdp, k);
    if (!recipient.medias.some((m) => m.index === index)) return k;
  }
  return undefined;
}

/**
 * Writes the SDP for the recipient. `replace` username/session-name use the values of the first SDP
 * sent to this recipient; `SDP-version` keeps a per-recipient version that only moves when the output
 * changes (render, compare with the last output, bump and render again — spec §4.2).
 */
function render(n: Negotiation, plans: MediaPlan[]): string {
  const { recipient: r, sdp, opts } = n;
  const local = r.local!;
  // rtpengine 10.5 rewrites the sessions in order and fails at the first one it cannot do. Failing
  // in the first session leaves the recipient as it was; failing later, the first session's o= has
  // already fixed this recipient's username / session name / version (but nothing counts as sent).
  const failsAt = unrewritableSession(n);
  if (failsAt === 0) throw new NgError('Error rewriting SDP');
  // One username / session name / version for the whole body, all taken from the first session
  // description of the first SDP (rtpengine 10.5 writes the same into every session's o= and s=).
  r.sentUsername ??= sdp.origin.username;
  r.sentSessionName ??= sdp.sessionName;
  r.sentSdpVersion ??= BigInt(/^\d+$/.test(sdp.origin.version) ? sdp.origin.version : '0');
  if (failsAt !== undefined) throw new NgError('Error rewriting SDP');
  const plan: SessionPlan = {
    replaceOrigin: opts.replace.has('origin'),
    originAddress: opts.mediaAddress ?? local.advertised,
    originFamily: local.family,
    replaceSessionConnection: opts.replace.has('session-connection'),
    iceMode: 'default',
    originalSendrecv: opts.flags.has('original-sendrecv'),
    stripExtmap: opts.flags.has('strip-extmap'),
    loopProtectId: opts.flags.has('loop-protect') ? n.instanceId : undefined,
    media: plans,
  };
  iceSessionPlan(n, plan, n.sdp.media.map((sm) => r.media(sm.index, n.now)));
  if (opts.replace.has('username')) plan.username = r.sentUsername;
  if (opts.replace.has('session-name')) plan.sessionName = r.sentSessionName;
  const versioned = opts.replace.has('sdp-version');
  if (versioned) plan.sdpVersion = r.sentSdpVersion.toString();
  let out = rewriteSdpText(sdp, plan);
  if (versioned && r.lastSentSdp !== undefined && r.lastSentSdp !== out) {
    r.sentSdpVersion += 1n;
    plan.sdpVersion = r.sentSdpVersion.toString();
    out = rewriteSdpText(sdp, plan);
  }
  r.lastSentSdp = out;
  return out;
}
