/**
 * One SDP passing through: from `sender` (who wrote it) to `recipient` (who gets our rewrite).
 * Records what the sender said per media section, makes sure both sides have sockets, points the
 * workers' forwarding at the right endpoints, and builds the rewritten SDP (spec §4).
 */
import type { CallOptions } from '../../protocol/ng/call-options.js';
import { applyCodecStrip, filterAnswerCodecs } from '../../protocol/sdp/codecs.js';
import { rewriteSdp, type MediaPlan, type SessionPlan } from '../../protocol/sdp/rewrite.js';
import type { SdpMedia, SdpSession } from '../../protocol/sdp/types.js';
import type { SlotConfig } from '../media/messages.js';
import type { Call } from './call.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import { allocateStreams, type StreamNeed } from './stream-alloc.js';

export interface Negotiation {
  call: Call;
  sender: Monologue;
  recipient: Monologue;
  sdp: SdpSession;
  opts: CallOptions;
  isOffer: boolean;
  now: number;
}

export async function negotiate(ctx: MediaContext, n: Negotiation): Promise<Buffer> {
  const { sender, recipient, sdp, opts } = n;
  selectInterfaces(ctx, n);

  const needs: StreamNeed[] = [];
  for (const sm of sdp.media) {
    const from = sender.media(sm.index);
    const to = recipient.media(sm.index);
    recordSenderMedia(ctx, n, from, to, sm);
    if (from.rejected) continue;
    if (!from.rtp) needs.push({ media: from, local: sender.local! });
    if (!to.rtp) needs.push({ media: to, local: recipient.local! });
  }
  await allocateStreams(ctx, n.call.worker, needs, n.now);

  const configs: SlotConfig[] = [];
  const plans: MediaPlan[] = [];
  for (const sm of sdp.media) {
    const from = sender.media(sm.index);
    const to = recipient.media(sm.index);
    decideRtcpMux(n, from, to, sm);
    // Signalling refreshes the timeout clock and, as in rtpengine, clears "confirmed" until media
    // arrives again (the worker re-learns; it keeps sending to the last known address meanwhile).
    for (const s of [...from.streams(), ...to.streams()]) {
      s.lastSignalMs = n.now;
      s.confirmed = false;
    }
    if (!from.rejected) {
      configs.push(...slotConfigs(ctx, sender, from, to), ...slotConfigs(ctx, recipient, to, from));
    }
    plans.push(mediaPlan(n, from, to, sm));
    to.sentCodecs = from.codecs;
  }
  ctx.pool.configure(n.call.worker, configs);

  const local = recipient.local!;
  const address = opts.mediaAddress ?? local.advertised;
  const plan: SessionPlan = {
    replaceOrigin: opts.replace.has('origin'),
    originAddress: address,
    originFamily: local.family,
    replaceSessionConnection: opts.replace.has('session-connection'),
    iceMode: opts.ice === 'remove' ? 'remove' : 'default',
    originalSendrecv: opts.flags.has('original-sendrecv'),
    stripExtmap: opts.flags.has('strip-extmap'),
    media: plans,
  };
  const out = rewriteSdp(sdp, plan);
  recipient.lastSentSdp = out;
  return out;
}

/** `direction` names the interface facing the sender ([0]) and the recipient ([1]), once per call. */
function selectInterfaces(ctx: MediaContext, n: Negotiation): void {
  const dir = n.opts.direction;
  if (!n.sender.local) n.sender.local = ctx.interfaces.select(dir?.[0]).local;
  if (!n.recipient.local) n.recipient.local = ctx.interfaces.select(dir?.[1], n.opts.addressFamily).local;
}

function recordSenderMedia(ctx: MediaContext, n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia): void {
  const { sdp, opts } = n;
  from.type = sm.type;
  from.protocol = sm.proto;
  from.rejected = sm.port === 0;
  from.lastSdp = sm;
  from.mid = sm.mid;
  from.ptime = sm.ptime ?? from.ptime;
  from.direction = sm.direction ?? sdp.direction ?? 'sendrecv';
  from.rtcpMuxOffered = sm.rtcpMux;
  if (sm.isRtp) {
    from.codecs = n.isOffer
      ? applyCodecStrip(sm.codecs, { strip: opts.codecStrip, except: opts.codecExcept, offer: opts.codecOffer })
      : filterAnswerCodecs(from.sentCodecs ?? sm.codecs, sm.codecs);
  } else {
    from.codecs = [];
  }
  const conn = sm.connection ?? sdp.connection;
  let address = conn?.address ?? '';
  from.zeroAddress = address === '0.0.0.0' || address === '::';
  const useSipSource = opts.flags.has('SIP-source-address') || (ctx.settings.sipSource && !opts.flags.has('trust-address'));
  if (useSipSource && opts.receivedFrom) address = opts.receivedFrom.address;
  const rtcpAddress = sm.rtcp?.address && !useSipSource ? sm.rtcp.address : address;
  from.remote = from.zeroAddress
    ? null
    : { rtp: { address, port: sm.port }, rtcp: { address: rtcpAddress, port: sm.rtcp?.port ?? sm.port + 1 } };
  if (n.isOffer) {
    const asym = opts.flags.has('asymmetric');
    n.sender.asymmetric = asym;
    n.sender.strictSource = opts.flags.has('strict-source');
  }
}

/** rtcp-mux decisions of spec §4.6 (SDP level; the worker demuxes by RTCP packet type). */
function decideRtcpMux(n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia): void {
  const mux = n.opts.rtcpMux;
  if (n.isOffer) {
    // Towards the recipient we only offer mux; it is in effect once its answer accepts it.
    to.rtcpMux = to.rtcpMux || mux.has('require');
    from.rtcpMux = false;
  } else {
    // Answer: `from` is the answerer, `to` the offerer.
    const offeredToAnswerer = from.rtcpMux || to.rtcpMuxOffered || mux.has('offer') || mux.has('require');
    from.rtcpMux = sm.rtcpMux && offeredToAnswerer;
    const acceptTowardsOfferer = to.rtcpMuxOffered && !mux.has('reject') && (sm.rtcpMux || mux.has('demux') || mux.has('accept'));
    to.rtcpMux = acceptTowardsOfferer;
  }
}

function slotConfigs(ctx: MediaContext, owner: Monologue, mine: CallMedia, other: CallMedia): SlotConfig[] {
  if (!mine.rtp || !mine.rtcp || !other.rtp || !other.rtcp) return [];
  for (const [st, ep] of [[mine.rtp, mine.remote?.rtp ?? null], [mine.rtcp, mine.remote?.rtcp ?? null]] as const) {
    // A changed SDP endpoint restarts from it (the worker does the same).
    if (st.advertised?.address !== ep?.address || st.advertised?.port !== ep?.port) st.learned = null;
    st.advertised = ep;
  }
  const learning = ctx.settings.endpointLearning;
  const common = { learning, asymmetric: owner.asymmetric, strictSource: owner.strictSource };
  // RTCP towards the other participant goes to its RTP socket when it runs rtcp-mux.
  const otherRtcp = other.rtcpMux ? other.rtp.slot : other.rtcp.slot;
  return [
    { slot: mine.rtp.slot, sink: other.rtp.slot, rtcpSink: otherRtcp, endpoint: mine.rtp.advertised, component: 1, ...common },
    { slot: mine.rtcp.slot, sink: otherRtcp, rtcpSink: otherRtcp, endpoint: mine.rtcp.advertised, component: 2, ...common },
  ];
}

function mediaPlan(n: Negotiation, from: CallMedia, to: CallMedia, sm: SdpMedia): MediaPlan {
  const local = n.recipient.local!;
  const address = n.opts.mediaAddress ?? local.advertised;
  if (from.rejected || !to.rtp) {
    return { port: 0, family: local.family, address, direction: from.direction, rtcp: { kind: 'none' } };
  }
  const offerMux = n.isOffer
    ? !n.opts.rtcpMux.has('demux') && (from.rtcpMuxOffered || n.opts.rtcpMux.has('offer'))
    : false;
  const rtcp: MediaPlan['rtcp'] = !sm.isRtp
    ? { kind: 'none' }
    : to.rtcpMux ? { kind: 'mux' } : { kind: 'separate', port: to.rtp.port + 1, offerMux };
  return {
    port: to.rtp.port,
    family: local.family,
    address,
    protocol: n.opts.transportProtocol && n.opts.transportProtocol !== 'accept' ? n.opts.transportProtocol : undefined,
    codecs: sm.isRtp ? from.codecs : undefined,
    direction: holdDirection(from),
    rtcp,
    fullRtcpAttribute: n.opts.flags.has('full-rtcp-attribute'),
    noRtcpAttribute: n.opts.flags.has('no-rtcp-attribute'),
    ptime: from.ptime,
    mid: from.mid,
    generateMid: n.opts.flags.has('generate-mid'),
    zeroAddress: from.zeroAddress && !n.opts.replace.has('zero-address'),
  };
}

/** Old-style hold (c=0.0.0.0): the sender cannot receive, so sendrecv→sendonly, recvonly→inactive. */
function holdDirection(m: CallMedia): MediaPlan['direction'] {
  if (!m.zeroAddress) return m.direction;
  if (m.direction === 'sendrecv') return 'sendonly';
  if (m.direction === 'recvonly') return 'inactive';
  return m.direction;
}
