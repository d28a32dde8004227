// Build the codec list of an RTP media section from its m= format list and
// its a=rtpmap / a=fmtp / a=rtcp-fb lines, and format codecs back into lines.

import type { Codec, SdpLine } from './types.js';
import { attrName, genAttr } from './lines.js';
import { parseDecimal } from './attributes.js';
import { staticPayload } from './static-payloads.js';

/** RTP payload type: 0..127 (RFC 3550 §5.1, 7-bit PT field). */
export function parsePt(s: string | undefined): number | undefined {
  const n = parseDecimal(s);
  return n !== undefined && n <= 127 ? n : undefined;
}

/** Split `<pt> <rest>` of rtpmap/fmtp/rtcp-fb values. */
function ptAndRest(rest: string | undefined): { pt: number; value: string } | undefined {
  if (rest === undefined) return undefined;
  const sp = rest.indexOf(' ');
  if (sp < 0) return undefined;
  const pt = parsePt(rest.slice(0, sp));
  if (pt === undefined) return undefined;
  return { pt, value: rest.slice(sp + 1).replace(/^ +/, '') };
}

/** RFC 8866 §6.6 `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`. */
function parseRtpmap(value: string): { name: string; clock: number; channels?: number } | undefined {
  const parts = value.trim().split('/');
  if (parts.length < 2 || parts[0] === '') return undefined;
  const clock = parseDecimal(parts[1]);
  if (clock === undefined) return undefined;
  const r: { name: string; clock: number; channels?: number } = { name: parts[0]!, clock };
  if (parts.length >= 3) {
    const ch = parseDecimal(parts[2]);
    if (ch === undefined) return undefined;
    r.channels = ch;
  }
  return r;
}

export function buildCodecs(formats: readonly string[], lines: readonly SdpLine[]): Codec[] {
  const rtpmap = new Map<number, { name: string; clock: number; channels?: number }>();
  const fmtp = new Map<number, string>();
  const fb = new Map<number, string[]>();
  for (const l of lines) {
    if (l.type !== 'a') continue;
    const { name, rest } = attrName(l.value);
    if (name !== 'rtpmap' && name !== 'fmtp' && name !== 'rtcp-fb') continue;
    const pr = ptAndRest(rest);
    if (!pr) continue;
    if (name === 'rtpmap') {
      const r = parseRtpmap(pr.value);
      if (r && !rtpmap.has(pr.pt)) rtpmap.set(pr.pt, r);
    } else if (name === 'fmtp') {
      if (!fmtp.has(pr.pt)) fmtp.set(pr.pt, pr.value); // RFC 8866 §6.15
    } else {
      const list = fb.get(pr.pt) ?? []; // RFC 4585 §4.2
      list.push(pr.value);
      fb.set(pr.pt, list);
    }
  }
  const out: Codec[] = [];
  const seen = new Set<number>();
  for (const f of formats) {
    const pt = parsePt(f);
    if (pt === undefined || seen.has(pt)) continue;
    seen.add(pt);
    const def = rtpmap.get(pt) ?? staticPayload(pt);
    const c: Codec = { pt, name: def?.name ?? '', clock: def?.clock ?? 0, rtcpFb: fb.get(pt) ?? [] };
    if (def?.channels !== undefined) c.channels = def.channels;
    const fp = fmtp.get(pt);
    if (fp !== undefined) c.fmtp = fp;
    out.push(c);
  }
  return out;
}

/** `<name>/<clock>[/<channels>]` as written in a=rtpmap. */
export function encodingWithParams(c: Codec): string {
  return `${c.name}/${c.clock}` + (c.channels !== undefined ? `/${c.channels}` : '');
}

/**
 * Codec block of spec §4.4 item 3: per codec `a=rtpmap`, `a=fmtp`, then each
 * `a=rtcp-fb`. A codec with unknown encoding (dynamic PT without rtpmap) gets
 * no rtpmap line, only its fmtp/rtcp-fb.
 */
export function codecLines(codecs: readonly Codec[]): SdpLine[] {
  const out: SdpLine[] = [];
  for (const c of codecs) {
    if (c.name !== '') out.push(genAttr(`rtpmap:${c.pt} ${encodingWithParams(c)}`));
    if (c.fmtp !== undefined) out.push(genAttr(`fmtp:${c.pt} ${c.fmtp}`));
    for (const fb of c.rtcpFb) out.push(genAttr(`rtcp-fb:${c.pt} ${fb}`));
  }
  return out;
}
