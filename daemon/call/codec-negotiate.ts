/**
 * Codecs of one media section through offer and answer: the codec flags (protocol/sdp/codec-flags.ts
 * decides the lists), what each side is sent, and — once both sides are known — what the workers do
 * with the RTP between them (CallMedia.transcode, a transcode/types.ts DirectionConfig per sender).
 *
 * What rtpengine 10.5 does with transcoded media, measured on the wire (Node + dgram against
 * /usr/bin/rtpengine; notes in the xcode-sdp report):
 * - Transcoding is engaged only by codec flags (transcode, mask, consume, accept, always-transcode) or
 *   by `ptime`/`ptime-reverse`. Without them nothing is transcoded, whatever the codecs (a plain call
 *   keeps transcode = null here).
 * - The encoder of a direction is the recipient's first codec: the first of its answer toward the
 *   answerer (the offerer → answerer direction), the first codec of the answer we wrote toward the
 *   offerer. An offerer sending PCMU into `0 8 101` + `transcode-G722` answered `9 0 101` gets G722 out,
 *   although the answerer also took PCMU.
 * - A packet whose PT the recipient was given with the same codec is passed through unchanged (PT,
 *   marker, timestamp), except the sender's own first codec when it is not the encoder: that one is
 *   transcoded (above). Other PTs are decoded and re-encoded; PTs the recipient cannot get are dropped.
 * - Output SSRC: rtpengine's own per input SSRC, the same for passed-through and transcoded packets.
 *   Sequence numbers follow the input's, shifted by the frames the encoder swallowed or made (ptime
 *   20 → 30: 6 packets in, 4 out, the next input seq 1010 leaves as 1008). Timestamps start at the
 *   first input timestamp and then count the samples encoded: input gaps are not carried over.
 *   The transcoded packets carry no marker bit; telephone-event is passed through on its PT with its
 *   timestamp moved onto the encoder's clock, also to a recipient whose answer left it out but that
 *   was offered it. A direction without any transcoding keeps even the sender's SSRC (plain relay).
 * - Ptime: the `ptime` flag is what the offer recipient gets (encoder ptime toward it), `ptime-reverse`
 *   what the offerer gets; otherwise the recipient's a=ptime, else 20. A ptime change turns off
 *   passthrough in that direction (everything is repacketized).
 * Only the codecs our engine has (codec-defs.ts `transcodable`) become decoders or the encoder. A
 * direction whose encoder is another one (G.729 answered, golden 15 #7) gets a config without
 * decoders, and a sender codec we cannot decode (G.729 from that answerer) is left out of the
 * decoders: the worker counts such packets as drops.
 */
import type { CallOptions } from '../../protocol/ng/call-options.js';
import { applySingleCodec, filterAnswerCodecs } from '../../protocol/sdp/codecs.js';
import { answerCodecs, isSupplementary, offerCodecs, type CodecFlags, type CodecOffer } from '../../protocol/sdp/codec-flags.js';
import { transcodable } from '../../protocol/sdp/codec-defs.js';
import type { Codec, SdpMedia } from '../../protocol/sdp/types.js';
import type { CodecSpec, DirectionConfig, DtmfPt, PtCodec } from '../../transcode/types.js';
import type { CallMedia } from './media.js';

/** The codec flags of one request. */
export function codecFlags(opts: CallOptions): CodecFlags {
  return {
    strip: opts.codecStrip, except: opts.codecExcept, offer: opts.codecOffer, mask: opts.codecMask,
    transcode: opts.codecTranscode, consume: opts.codecConsume, accept: opts.codecAccept, set: opts.codecSet,
    alwaysTranscode: opts.flags.has('always-transcode'),
  };
}

/**
 * Records the codecs `from` sent and what `to` is sent (to.sentCodecs, the plan's codec list). An
 * answer also decides both directions' transcoding.
 */
export function negotiateCodecs(opts: CallOptions, isOffer: boolean, from: CallMedia, to: CallMedia, sm: SdpMedia): void {
  if (!sm.isRtp) {
    from.codecs = [];
    to.sentCodecs = [];
    return;
  }
  if (isOffer) {
    const offer = offerCodecs(sm.codecs, codecFlags(opts));
    from.codecs = offer.offerer;
    to.codecOffer = { ...offer, ptime: opts.ptime, ptimeReverse: opts.ptimeReverse, answered: null };
    to.sentCodecs = offer.out;
    return;
  }
  const offer = from.codecOffer;
  // A second answer to the same offer (183 then 200) may only keep what the first one said
  // (rtpengine 10.5: `8 101` then `0 101` answers `101`).
  let answered = filterAnswerCodecs(offer?.answered ?? from.sentCodecs ?? sm.codecs, sm.codecs);
  // single-codec (answer): the first real codec plus telephone-event/CN-type codecs.
  if (opts.flags.has('single-codec')) answered = applySingleCodec(answered);
  from.codecs = answered;
  if (offer) offer.answered = answered;
  to.sentCodecs = offer ? answerCodecs(offer, answered) : answered;
  updateTranscode(to, from);
}

/**
 * After an answer: `offerer` and `answerer` media of one section. Sets each one's `transcode` (its
 * RTP on the way to the other) or null when the packets go through unchanged.
 */
export function updateTranscode(offerer: CallMedia, answerer: CallMedia): void {
  const offer = answerer.codecOffer;
  const ptimeForced = offer?.ptime !== undefined || offer?.ptimeReverse !== undefined;
  if (!offer || (!offer.engaged && !ptimeForced)) {
    offerer.transcode = null;
    answerer.transcode = null;
    offerer.transcoding = answerer.transcoding = false;
    return;
  }
  const bitrates = offer.bitrates;
  // offerer → answerer: the answerer receives its own answer's codecs (and whatever it was offered).
  offerer.transcode = directionConfig({
    sender: offerer.codecs, senderPtime: offerer.ptime,
    recipient: answerer.codecs, recipientGiven: (answerer.sentCodecs ?? []).filter((c) => !offer.added.includes(c.pt)),
    ptime: offer.ptime ?? answerer.ptime ?? 20, bitrates,
  });
  // answerer → offerer: the offerer receives the codecs of the answer we wrote to it.
  const toOfferer = offerer.sentCodecs ?? [];
  answerer.transcode = directionConfig({
    sender: answerer.codecs, senderPtime: answerer.ptime,
    recipient: toOfferer, recipientGiven: toOfferer,
    ptime: offer.ptimeReverse ?? offerer.ptime ?? 20, bitrates,
  });
  offerer.transcoding = answerer.transcoding = offerer.transcode !== null || answerer.transcode !== null;
}

interface DirectionInput {
  /** What the sender may send (its offer after strip, or its answer). */
  sender: readonly Codec[];
  senderPtime: number | undefined;
  /** The recipient's own codec list, in preference order (its answer, or the answer written to it). */
  recipient: readonly Codec[];
  /** Codecs the recipient was given by us (passthrough candidates). */
  recipientGiven: readonly Codec[];
  /** Encoder ptime toward the recipient. */
  ptime: number;
  bitrates: CodecOffer['bitrates'];
}

function same(a: Codec, b: Codec): boolean {
  return a.pt === b.pt && a.name.toLowerCase() === b.name.toLowerCase() && a.clock === b.clock && (a.channels ?? 1) === (b.channels ?? 1);
}

function spec(c: Codec, ptime: number, bitrates: CodecOffer['bitrates']): CodecSpec {
  return {
    name: c.name, clock: c.clock, channels: c.channels ?? 1,
    bitrate: bitrates[c.name.toLowerCase()] ?? 0, fmtp: c.fmtp ?? '', ptime,
  };
}

function named(list: readonly Codec[], name: string): Codec[] {
  return list.filter((c) => c.name.toLowerCase() === name);
}

/** One direction's DirectionConfig, or null when every codec the sender may send passes through. */
export function directionConfig(d: DirectionInput): DirectionConfig | null {
  const enc = d.recipient.find((c) => !isSupplementary(c));
  if (!enc) return null;
  const senderFirst = d.sender.find((c) => !isSupplementary(c));
  const repacketize = d.ptime !== (d.senderPtime ?? 20);
  const given = (c: Codec): boolean => d.recipientGiven.some((r) => same(r, c)) || d.recipient.some((r) => same(r, c));

  const decoders: PtCodec[] = [];
  const passthrough: number[] = [];
  const canEncode = transcodable(enc.name);
  let allPass = true;
  for (const c of d.sender) {
    if (isSupplementary(c)) continue;
    const pass = !repacketize && given(c) && (same(c, enc) || c !== senderFirst);
    if (pass) passthrough.push(c.pt);
    else {
      allPass = false;
      if (canEncode && transcodable(c.name)) decoders.push({ pt: c.pt, codec: spec(c, d.senderPtime ?? 0, {}) });
    }
  }
  // rtpengine sends telephone-event on a PT the recipient was offered even when its answer left it
  // out (transcode-PCMA, `0 101` answered `8`: the caller's 101 reaches the callee as 101).
  const teOut = named(d.recipient, 'telephone-event').find((c) => c.clock === enc.clock)
    ?? named(d.recipientGiven, 'telephone-event').find((c) => c.clock === enc.clock);
  const dtmfIn: DtmfPt[] = named(d.sender, 'telephone-event').map((c) => ({ pt: c.pt, clock: c.clock }));
  for (const te of named(d.sender, 'telephone-event')) {
    if (!repacketize && te.clock === enc.clock && given(te)) passthrough.push(te.pt);
  }
  const cnOut = named(d.recipient, 'cn').find((c) => c.clock === enc.clock);
  // Every codec the sender may send goes through as it is: no transcoder in this direction.
  if (allPass) return null;
  const dtmfOut = teOut ? { pt: teOut.pt, clock: teOut.clock } : null;
  return {
    decoders,
    encoder: { pt: enc.pt, codec: spec(enc, d.ptime, d.bitrates) },
    passthrough,
    dtmfIn,
    dtmfOut,
    detectInband: dtmfIn.length === 0 && dtmfOut !== null,
    cnIn: named(d.sender, 'cn').map((c) => c.pt),
    cnOut: cnOut?.pt ?? -1,
  };
}
