/**
 * rtpengine 10.5's codec flags on one media section (spec §3.4): what the offer to the recipient
 * lists (`transcode` adds, `mask`/`consume` hide, `accept` changes nothing there) and what the answer
 * to the offerer lists once the recipient answered. Pure: Codec arrays in, Codec arrays out. Every
 * rule below was measured on rtpengine 10.5 (golden 15 and test/integration/codec-flags.test.ts).
 *
 * Offer:
 * - strip/except/offer first (codecs.ts). What is left is what the offerer may send us.
 * - `mask`/`consume` (`all` = every codec, minus `except`) hide codecs from the recipient; a
 *   `transcode` entry naming a codec the offerer has keeps it visible and changes nothing else; one
 *   naming a codec `strip` removed brings that codec back (its own PT), after the survivors.
 * - `transcode` of a codec the offerer lacks adds it when rtpengine can encode it (codec-defs.ts),
 *   in flag order, written as the flag spells the name: the RFC 3551 static PT when clock and
 *   channels are the defaults and the PT is free, else the lowest free PT from 96 up. A clock given
 *   without channels means 1 channel; opus always gets clock 48000. Once a codec is added, the
 *   offerer's codecs rtpengine has no codec for (iLBC, L16, unknown names) are not offered on.
 * - For every clock rate new with the added (or restored) codecs, a CN (if the visible list has CN) and a
 *   telephone-event (if it has one, `a=fmtp 0-15`) are added too: CNs first, then telephone-events,
 *   each by ascending clock, PTs allocated after the added codecs.
 * - Restored, added codecs, added CNs, added telephone-events go right before the first visible
 *   telephone-event/CN (golden 15 #6, #13), else at the end.
 *
 * Answer (only when a codec flag engaged the transcoder; otherwise the answer is passed on as before):
 * - Each answered codec the offerer has itself is kept (the answerer's line); an answered codec that
 *   was added for transcoding becomes the offerer's first codec rtpengine knows (masked ones count,
 *   golden 15 #9), once (golden #7: G729 answered → PCMU).
 * - telephone-event/CN: an answered one that is the offerer's own stays if an audio codec kept above
 *   has its clock; if any telephone-event (CN) was answered, the offerer's own at each of those
 *   clocks is added. So DTMF disappears when the answerer had none.
 * - `accept`/`consume` (`always-transcode` = accept all): the audio codecs are then replaced by the
 *   offerer's first accepted or consumed codec; telephone-event/CN stay as decided above.
 */
import type { Codec } from './types.js';
import { applyCodecStrip, codecMatches } from './codecs.js';
import { codecDef, isSupplementaryName, knownCodec, parseCodecEntry } from './codec-defs.js';

export interface CodecFlags {
  strip: readonly string[];
  except: readonly string[];
  offer: readonly string[];
  mask: readonly string[];
  transcode: readonly string[];
  consume: readonly string[];
  accept: readonly string[];
  set: readonly string[];
  /** Legacy flag `always-transcode` = `accept: [all]`. */
  alwaysTranscode: boolean;
}

export const NO_CODEC_FLAGS: CodecFlags = {
  strip: [], except: [], offer: [], mask: [], transcode: [], consume: [], accept: [], set: [], alwaysTranscode: false,
};

/** The outcome of one offer's codec flags, kept for the answer (CallMedia.codecOffer). */
export interface CodecOffer {
  /** The offerer's codecs after strip/except/offer: what it may send (masked/consumed included). */
  offerer: Codec[];
  /** The list written to the recipient. */
  out: Codec[];
  /** Payload types of `out` that the transcoder added (the offerer does not have them). */
  added: number[];
  /**
   * The offerer's codecs named by `accept` (all with `always-transcode`) or `consume`, their PTs in its
   * order: the first is the one codec the answer to the offerer then lists.
   */
  accepted: number[];
  /** A codec flag engaged the transcoder (transcode, mask, consume, accept, always-transcode). */
  engaged: boolean;
  /** Encoder bit rates asked for by `transcode` (first) or `set` entries, by lower-case codec name. */
  bitrates: Record<string, number>;
}

export function isSupplementary(c: Codec): boolean {
  return isSupplementaryName(c.name);
}

function entryMatches(c: Codec, entries: readonly string[], except: readonly string[]): boolean {
  if (entries.includes('all') || entries.includes('full')) return !except.some((e) => codecMatches(c, e));
  return entries.some((e) => codecMatches(c, e));
}

function sameCodec(a: Codec, b: Codec): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clock === b.clock && (a.channels ?? 1) === (b.channels ?? 1);
}

export function offerCodecs(input: readonly Codec[], f: CodecFlags): CodecOffer {
  const offerer = applyCodecStrip(input, { strip: f.strip, except: f.except, offer: f.offer });
  const transcode = f.transcode.map(parseCodecEntry);
  // A transcode entry naming one of the offerer's codecs keeps it visible, even under `mask: all`.
  const named = (c: Codec): boolean => transcode.some((e) => codecMatches(c, [e.name, e.clock ?? '', e.channels ?? ''].join('/')));
  const visible = offerer.filter((c) => named(c) || !(entryMatches(c, f.mask, f.except) || entryMatches(c, f.consume, f.except)));

  const used = new Set(input.map((c) => c.pt));
  let nextDyn = 96;
  const dynamicPt = (): number => {
    while (used.has(nextDyn) && nextDyn < 128) nextDyn++;
    const pt = nextDyn < 128 ? nextDyn : -1;
    if (pt >= 0) used.add(pt);
    return pt;
  };

  const addedCodecs: Codec[] = [];
  const restored: Codec[] = [];
  for (const e of transcode) {
    const def = codecDef(e.name);
    if (!def || !def.addable) continue; // rtpengine 10.5 warns "not supported" and adds nothing
    const c: Codec = {
      pt: -1,
      name: e.name,
      clock: def.fixedClock ? def.clock : e.clock ?? def.clock,
      rtcpFb: [],
    };
    const channels = e.channels ?? (e.clock !== undefined ? 1 : def.channels);
    if (channels !== 1) c.channels = channels;
    const fmtp = e.fmtp ?? def.fmtp;
    if (fmtp !== undefined) c.fmtp = fmtp;
    if (offerer.some((o) => sameCodec(o, c)) || addedCodecs.some((o) => sameCodec(o, c))) continue;
    // A stripped codec of the offerer comes back as its own (its PT and lines), not as a new one.
    const stripped = input.find((o) => sameCodec(o, c) && !offerer.includes(o));
    if (stripped) {
      offerer.push(stripped);
      restored.push(stripped);
      continue;
    }
    const isDefault = c.clock === def.clock && channels === def.channels;
    if (def.staticPt !== undefined && isDefault && !used.has(def.staticPt)) {
      c.pt = def.staticPt;
      used.add(c.pt);
    } else {
      c.pt = dynamicPt();
      if (c.pt < 0) continue;
    }
    addedCodecs.push(c);
  }

  // CN and telephone-event at the clock rates the added codecs bring (only if the list has them).
  const addedSupp: Codec[] = [];
  const newClocks = [...new Set([...restored, ...addedCodecs].map((c) => c.clock))].sort((a, b) => a - b);
  for (const [name, fmtp] of [['CN', undefined], ['telephone-event', '0-15']] as const) {
    const have = visible.filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (have.length === 0) continue;
    for (const clock of newClocks) {
      if (have.some((c) => c.clock === clock)) continue;
      const pt = dynamicPt();
      if (pt < 0) continue;
      const c: Codec = { pt, name, clock, rtcpFb: [] };
      if (fmtp) c.fmtp = fmtp;
      addedSupp.push(c);
    }
  }

  // Once something is added, the offerer's codecs rtpengine has no codec for (iLBC, L16, unknown
  // names) are no longer offered to the recipient.
  const out = addedCodecs.length > 0 || restored.length > 0 ? visible.filter((c) => knownCodec(c.name)) : [...visible];
  const at = out.findIndex(isSupplementary);
  out.splice(at < 0 ? out.length : at, 0, ...restored, ...addedCodecs, ...addedSupp);

  const acceptAll = f.alwaysTranscode || f.accept.includes('all');
  const accepted = offerer
    .filter((c) => !isSupplementary(c) && (acceptAll || entryMatches(c, f.accept, []) || entryMatches(c, f.consume, f.except)))
    .map((c) => c.pt);

  const bitrates: Record<string, number> = {};
  for (const e of [...transcode, ...f.set.map(parseCodecEntry)]) {
    const k = e.name.toLowerCase();
    if (e.bitrate !== undefined && bitrates[k] === undefined) bitrates[k] = e.bitrate;
  }

  return {
    offerer,
    out: out.length > 0 ? out : [...offerer],
    added: [...addedCodecs, ...addedSupp].map((c) => c.pt),
    accepted,
    engaged: f.transcode.length > 0 || f.mask.length > 0 || f.consume.length > 0 || f.accept.length > 0 || f.alwaysTranscode,
    bitrates,
  };
}

/**
 * The codecs of the answer written to the offerer. `answered`: the answerer's codecs, already
 * limited to the payload types it was offered (filterAnswerCodecs) and single-codec.
 */
export function answerCodecs(offer: CodecOffer, answered: readonly Codec[]): Codec[] {
  if (!offer.engaged) return [...answered];
  const added = new Set(offer.added);
  const own = new Map(offer.offerer.map((c) => [c.pt, c]));
  // The offerer's first codec rtpengine has a codec for (its first L16 or iLBC is passed over).
  const preferred = offer.offerer.find((c) => !isSupplementary(c) && knownCodec(c.name)) ?? offer.offerer.find((c) => !isSupplementary(c));
  let audio: Codec[] = [];
  for (const c of answered) {
    if (isSupplementary(c)) continue;
    const mine = added.has(c.pt) || !own.has(c.pt) ? preferred : c;
    if (mine && !audio.some((a) => a.pt === mine.pt)) audio.push(mine);
  }
  if (audio.length === 0) return [...answered];

  const clocks = new Set(audio.map((c) => c.clock));
  const supp: Codec[] = [];
  for (const c of answered) {
    if (isSupplementary(c) && !added.has(c.pt) && own.has(c.pt) && clocks.has(c.clock)) supp.push(c);
  }
  for (const name of ['telephone-event', 'cn']) {
    if (!answered.some((c) => c.name.toLowerCase() === name)) continue;
    for (const clock of clocks) {
      if (supp.some((c) => c.name.toLowerCase() === name && c.clock === clock)) continue;
      const mine = offer.offerer.find((c) => c.name.toLowerCase() === name && c.clock === clock);
      if (mine) supp.push(mine);
    }
  }
  // accept/consume: the offerer gets its first such codec instead, telephone-event/CN as decided above
  // (consume opus, answer `8 101` → `96 101`).
  const forced = offer.accepted.length > 0 ? own.get(offer.accepted[0]!) : undefined;
  if (forced) audio = [forced];
  return [...audio, ...supp];
}
