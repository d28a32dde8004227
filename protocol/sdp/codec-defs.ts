/**
 * The codecs rtpengine 10.5 knows by name when a codec flag (`transcode`, `set`) names one that the
 * offer does not carry: default clock rate, channels and fmtp, and the RFC 3551 §6 static payload
 * type it gets when the defaults match. Facts from RFC 3551, RFC 7587 (opus), RFC 4733, RFC 3389 and
 * measured on rtpengine 10.5 (Debian build): `transcode=X` adds X only for the codecs below marked
 * `addable` (it has an encoder for them); L16, iLBC, AMR, AMR-WB, EVS, QCELP, DVI4 ... are not added.
 */

export interface CodecDef {
  /** Name as rtpengine spells it (a flag's own spelling is what gets written, e.g. `pcma/8000`). */
  name: string;
  clock: number;
  channels: number;
  /** a=fmtp written for a codec added by `transcode` (G.729: `annexb=no`). */
  fmtp?: string;
  /** RFC 3551 static payload type, used when clock and channels are the defaults. */
  staticPt?: number;
  /** Only this clock rate exists (opus, RFC 7587 §4.1: the RTP clock is always 48000). */
  fixedClock?: boolean;
  /** rtpengine 10.5 adds it for `transcode` (it can encode it). */
  addable: boolean;
}

const DEFS: readonly CodecDef[] = [
  { name: 'PCMU', clock: 8000, channels: 1, staticPt: 0, addable: true },
  { name: 'GSM', clock: 8000, channels: 1, staticPt: 3, addable: true },
  { name: 'G723', clock: 8000, channels: 1, staticPt: 4, addable: true },
  { name: 'PCMA', clock: 8000, channels: 1, staticPt: 8, addable: true },
  // RFC 3551 §4.5.2: G.722's RTP clock is 8000 although it samples at 16000.
  { name: 'G722', clock: 8000, channels: 1, staticPt: 9, addable: true },
  { name: 'G729', clock: 8000, channels: 1, staticPt: 18, fmtp: 'annexb=no', addable: true },
  { name: 'G729a', clock: 8000, channels: 1, addable: true },
  { name: 'speex', clock: 16000, channels: 1, addable: true },
  { name: 'opus', clock: 48000, channels: 2, fixedClock: true, addable: true },
  { name: 'L16', clock: 8000, channels: 1, addable: false },
  { name: 'telephone-event', clock: 8000, channels: 1, addable: false },
  { name: 'CN', clock: 8000, channels: 1, staticPt: 13, addable: false },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name.toLowerCase(), d]));

/** rtpengine matches codec names in flags case-insensitively against its table. */
export function codecDef(name: string): CodecDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** rtpengine 10.5 has a codec for it (it drops the others from an offer it adds codecs to). */
export function knownCodec(name: string): boolean {
  const d = codecDef(name);
  return d !== undefined && (d.addable || isSupplementaryName(d.name));
}

/**
 * The codecs our transcoding engine (transcode/) can decode and encode. The one place that says so:
 * everything else (G.729, GSM, speex ...) may appear in SDP but never becomes a decoder or encoder.
 */
const TRANSCODABLE = new Set(['pcmu', 'pcma', 'g722', 'opus', 'l16', 'telephone-event', 'cn']);

export function transcodable(name: string): boolean {
  return TRANSCODABLE.has(name.toLowerCase());
}

/** DTMF (RFC 4733) and comfort noise (RFC 3389): they follow the audio codecs' clock rates. */
export function isSupplementaryName(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'telephone-event' || n === 'cn';
}

/** One codec flag entry `name[/clock[/channels[/bitrate[/ptime[/fmtp]]]]]` (spec §3.4). */
export interface CodecEntry {
  name: string;
  clock?: number;
  channels?: number;
  bitrate?: number;
  ptime?: number;
  fmtp?: string;
}

export function parseCodecEntry(s: string): CodecEntry {
  const [name = '', clock, channels, bitrate, ptime, ...fmtp] = s.split('/');
  const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const e: CodecEntry = { name };
  const c = num(clock);
  if (c !== undefined && c > 0) e.clock = c;
  const ch = num(channels);
  if (ch !== undefined && ch > 0) e.channels = ch;
  const br = num(bitrate);
  if (br !== undefined && br > 0) e.bitrate = br;
  const pt = num(ptime);
  if (pt !== undefined && pt > 0) e.ptime = pt;
  if (fmtp.length > 0 && fmtp.join('/') !== '') e.fmtp = fmtp.join('/');
  return e;
}
