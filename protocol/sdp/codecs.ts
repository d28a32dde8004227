// SDP-level codec list manipulation (spec §3.4): answer filtering, strip /
// except / offer, single-codec. Pure functions on Codec arrays.

import type { Codec } from './types.js';

export { buildCodecs, codecLines, encodingWithParams } from './codec-parse.js';

/**
 * Answer codecs whose payload type was not in the corresponding offer are
 * dropped. Matching is by payload NUMBER only (rtpengine 10.5 quirk: an answer
 * using 101 for telephone-event against an offered 126 loses DTMF). Order of
 * the answer is kept. If nothing would remain, the answer list is returned
 * unchanged rather than producing an m= line without formats.
 */
export function filterAnswerCodecs(offered: readonly Codec[], answered: readonly Codec[]): Codec[] {
  const pts = new Set(offered.map((c) => c.pt));
  const kept = answered.filter((c) => pts.has(c.pt));
  return kept.length > 0 ? kept : [...answered];
}

/**
 * Does a codec match a strip/except/offer entry? Entry syntax
 * `name[/clock[/channels[/...]]]`; the name compares case-sensitively (spec
 * §3.4), clock and channels only when given (a codec without channel count
 * counts as 1 channel). Further parameters (bitrate, ...) are ignored here.
 */
export function codecMatches(c: Codec, entry: string): boolean {
  const parts = entry.split('/');
  if (parts[0] !== c.name) return false;
  if (parts.length >= 2 && parts[1] !== '') {
    if (Number(parts[1]) !== c.clock) return false;
  }
  if (parts.length >= 3 && parts[2] !== '') {
    if (Number(parts[2]) !== (c.channels ?? 1)) return false;
  }
  return true;
}

function matchesAny(c: Codec, entries: readonly string[]): boolean {
  return entries.some((e) => codecMatches(c, e));
}

export interface CodecStripOptions {
  strip?: readonly string[];
  except?: readonly string[];
  offer?: readonly string[];
}

/**
 * strip: remove codecs by name (or name/clock/channels); `all` / `full` remove
 * everything except the `except` whitelist (original order kept).
 * offer: every entry, in the given order, brings back matching codecs that
 * were stripped (appended after the survivors) — so `offer` alone changes
 * nothing, and `strip: [all], offer: [PCMA, PCMU]` yields `8 0`.
 * If nothing would remain, the original list is kept.
 */
export function applyCodecStrip(codecs: readonly Codec[], opts: CodecStripOptions): Codec[] {
  const strip = opts.strip ?? [];
  const except = opts.except ?? [];
  const offer = opts.offer ?? [];
  const stripAll = strip.includes('all') || strip.includes('full');
  const named = strip.filter((s) => s !== 'all' && s !== 'full');

  const kept: Codec[] = [];
  const stripped: Codec[] = [];
  for (const c of codecs) {
    const gone = (stripAll && !matchesAny(c, except)) || matchesAny(c, named);
    (gone ? stripped : kept).push(c);
  }
  for (const entry of offer) {
    for (const c of stripped) {
      if (!kept.includes(c) && codecMatches(c, entry)) kept.push(c);
    }
  }
  return kept.length > 0 ? kept : [...codecs];
}

/** Codecs that do not count as "the" codec for single-codec: DTMF and comfort noise. */
export function isSupplementaryCodec(c: Codec): boolean {
  const n = c.name.toLowerCase();
  return n === 'telephone-event' || n === 'cn';
}

/** flag single-codec: keep the first real codec plus all supplementary ones. */
export function applySingleCodec(codecs: readonly Codec[]): Codec[] {
  let haveReal = false;
  return codecs.filter((c) => {
    if (isSupplementaryCodec(c)) return true;
    if (haveReal) return false;
    haveReal = true;
    return true;
  });
}
