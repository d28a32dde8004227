/**
 * The options of offer/answer/delete/query requests, parsed from the ng dictionary into one typed
 * record (spec §2, §3). Unknown keys and unknown flags are collected as warnings, never errors.
 */
import type { BDict } from './bencode.js';
import { getDict, getInt, getStr, getStrList, getBuf } from './values.js';

export type AddressFamilyName = 'IP4' | 'IP6';
export type EndpointLearning = 'delayed' | 'immediate' | 'off' | 'heuristic';
export type RtcpMuxOption = 'offer' | 'require' | 'demux' | 'accept' | 'reject';
/**
 * `media-echo`, named from the message's point of view: `forward` echoes the recipient's media back
 * to it, `backward` the sender's; the other side's media is dropped. `both` echoes each side,
 * `blackhole` drops both.
 */
export type MediaEcho = 'forward' | 'backward' | 'both' | 'blackhole';

/** SDES options (spec §3.3 `SDES` list, or `SDES-<value>` flags), rtpengine 10.5's set. */
export interface SdesOptions {
  /** `off`/`no`/`disable`/`disabled`: no SDES towards the recipient. */
  off: boolean;
  /** `no-<SUITE>`: suites not offered (upper-case names). */
  no: Set<string>;
  /** `pad` (or flag `pad-crypto`): keep the base64 `=` padding. */
  pad: boolean;
  /** `lifetime`: write `|2^31` after the key. */
  lifetime: boolean;
  /** `static`: keep our keys across re-offers. */
  static: boolean;
  /** RFC 4568 §6.3 session parameters for our keys; undefined = not given (`encrypted_srtp` etc. set false). */
  unencryptedSrtp?: boolean;
  unencryptedSrtcp?: boolean;
  unauthenticatedSrtp?: boolean;
}

export interface CallOptions {
  callId?: string;
  fromTag?: string;
  toTag?: string;
  viaBranch?: string;
  sdp?: Buffer;
  label?: string;
  flags: Set<string>;
  replace: Set<string>;
  direction?: string[];
  mediaAddress?: string;
  addressFamily?: AddressFamilyName;
  receivedFrom?: { family: AddressFamilyName; address: string };
  ice?: string;
  /** `ICE-lite` (spec §3): forward / backward / both / off and aliases. */
  iceLite?: string;
  transportProtocol?: string;
  rtcpMux: Set<RtcpMuxOption>;
  codecStrip: string[];
  codecExcept: string[];
  codecOffer: string[];
  codecMask: string[];
  codecTranscode: string[];
  /** `codec` → `consume`: like mask, and always engages the transcoder (offer only). */
  codecConsume: string[];
  /** `codec` → `accept` (offer only); `always-transcode` flag = accept all. */
  codecAccept: string[];
  /** `codec` → `set`: parameters (bit rate ...) for the encoders of these codecs. */
  codecSet: string[];
  ptime?: number;
  ptimeReverse?: number;
  tos?: number;
  deleteDelay?: number;
  endpointLearning?: EndpointLearning;
  recordCall?: boolean;
  /** `generate-RTCP` key (on/off) or flag: terminate RTCP and send our own reports. */
  generateRtcp?: boolean;
  mediaEcho?: MediaEcho;
  sdes: SdesOptions;
  /** `OSRTP` list (RFC 8643): `offer` = opportunistic SRTP offer on RTP/AVP, `accept` = answer one with SRTP. */
  osrtp: { offer: boolean; accept: boolean };
  /** `DTLS` key: off, or the role wanted towards the recipient of this message. */
  dtls?: 'off' | 'passive' | 'active';
  /** `DTLS-reverse`: the role wanted towards the sender of this message. */
  dtlsReverse?: 'passive' | 'active';
  /** `DTLS-fingerprint`: hash for our a=fingerprint (sha-1 … sha-512). */
  dtlsFingerprint?: string;
  supportsLoadLimit: boolean;
  unknownFlags: string[];
}

/** Flag strings rtpengine 10.5 recognises (spec §3.8), after space→hyphen. */
const KNOWN_FLAGS = new Set([
  'trust-address', 'SIP-source-address', 'sip-source-address', 'asymmetric', 'no-redis-update',
  'unidirectional', 'strict-source', 'media-handover', 'reset', 'all', 'egress', 'SIPREC', 'siprec',
  'fragment', 'port-latching', 'no-port-latching', 'generate-mid', 'strip-extmap', 'record-call', 'debug',
  'debugging', 'no-rtcp-attribute', 'no-RTCP-attribute', 'full-rtcp-attribute', 'full-RTCP-attribute',
  'generate-RTCP', 'generate-rtcp', 'trickle-ICE', 'trickle-ice', 'ICE-reject', 'reject-ICE', 'ice-reject',
  'reject-ice', 'loop-protect', 'original-sendrecv', 'always-transcode', 'asymmetric-codecs',
  'symmetric-codecs', 'reorder-codecs', 'reuse-codecs', 'no-codec-renegotiation', 'single-codec',
  'allow-transcoding', 'inject-DTMF', 'inject-dtmf', 'detect-DTMF', 'detect-dtmf', 'pad-crypto',
  'passthrough', 'no-passthrough', 'no-jitter-buffer', 'pierce-NAT', 'pierce-nat', 'NAT-wait', 'nat-wait',
  'RTCP-mirror', 'mirror-RTCP', 'rtcp-mirror', 'mirror-rtcp', 'fatal',
]);

/** Canonical names for flags that have case/spelling aliases. */
const FLAG_ALIASES: Record<string, string> = {
  'sip-source-address': 'SIP-source-address',
  'no-RTCP-attribute': 'no-rtcp-attribute',
  'full-RTCP-attribute': 'full-rtcp-attribute',
  'generate-rtcp': 'generate-RTCP',
  'trickle-ice': 'trickle-ICE',
  'ICE-reject': 'reject-ICE', 'ice-reject': 'reject-ICE', 'reject-ice': 'reject-ICE',
  'debugging': 'debug', 'siprec': 'SIPREC',
  'inject-dtmf': 'inject-DTMF', 'detect-dtmf': 'detect-DTMF',
  'pierce-nat': 'pierce-NAT', 'nat-wait': 'NAT-wait',
  'mirror-RTCP': 'RTCP-mirror', 'rtcp-mirror': 'RTCP-mirror', 'mirror-rtcp': 'RTCP-mirror',
};

const LEARNING = new Set<EndpointLearning>(['delayed', 'immediate', 'off', 'heuristic']);
const MUX = new Set<RtcpMuxOption>(['offer', 'require', 'demux', 'accept', 'reject']);
/** The `media-echo` values rtpengine 10.5 accepts, case-sensitive (so `bh` or `FW` is no value). */
const MEDIA_ECHO = new Map<string, MediaEcho>([
  ['forward', 'forward'], ['fwd', 'forward'], ['fw', 'forward'],
  ['backward', 'backward'], ['backwards', 'backward'], ['reverse', 'backward'], ['back', 'backward'],
  ['bkw', 'backward'], ['bk', 'backward'],
  ['both', 'both'],
  ['blackhole', 'blackhole'], ['sinkhole', 'blackhole'],
]);

/** Top-level keys we consume; anything else is reported as an unknown key (warning only). */
export function parseCallOptions(d: BDict): CallOptions {
  const o: CallOptions = {
    callId: getStr(d, 'call-id', 'call-ID', 'call id', 'call ID'),
    fromTag: getStr(d, 'from-tag', 'from tag'),
    toTag: getStr(d, 'to-tag', 'to tag'),
    viaBranch: getStr(d, 'via-branch', 'via branch'),
    sdp: getBuf(d, 'sdp', 'SDP'),
    label: getStr(d, 'label', 'from-label', 'from label'),
    flags: new Set(),
    replace: new Set((getStrList(d, 'replace') ?? []).map(hyphenate).map((r) => (r === 'SDP-version' ? 'sdp-version' : r))),
    direction: getStrList(d, 'direction'),
    mediaAddress: getStr(d, 'media-address', 'media address'),
    ice: getStr(d, 'ICE', 'ice'),
    iceLite: getStr(d, 'ICE-lite', 'ice-lite', 'ICE lite', 'ice lite'),
    transportProtocol: getStr(d, 'transport-protocol', 'transport protocol'),
    rtcpMux: new Set(),
    codecStrip: [], codecExcept: [], codecOffer: [], codecMask: [], codecTranscode: [],
    codecConsume: [], codecAccept: [], codecSet: [],
    ptime: getInt(d, 'ptime'),
    ptimeReverse: getInt(d, 'ptime-reverse', 'ptime reverse', 'reverse ptime', 'reverse-ptime'),
    tos: getInt(d, 'TOS', 'tos'),
    // Kamailio sends both keys; rtpengine reads `delete-delay` first (spec §9.6).
    deleteDelay: getInt(d, 'delete-delay') ?? getInt(d, 'delete delay'),
    supportsLoadLimit: (getStrList(d, 'supports') ?? []).includes('load limit'),
    sdes: { off: false, no: new Set(), pad: false, lifetime: false, static: false },
    osrtp: { offer: false, accept: false },
    unknownFlags: [],
  };

  for (const v of getStrList(d, 'SDES', 'sdes') ?? []) applySdes(o.sdes, hyphenate(v));
  for (const v of getStrList(d, 'OSRTP', 'osrtp') ?? []) applyOsrtp(o, v);
  const dtls = getStr(d, 'DTLS', 'dtls');
  if (dtls !== undefined) {
    if (['off', 'no', 'disable', 'disabled'].includes(dtls)) o.dtls = 'off';
    else if (dtls === 'passive' || dtls === 'active') o.dtls = dtls;
  }
  const rev = getStr(d, 'DTLS-reverse', 'DTLS reverse', 'dtls-reverse', 'dtls reverse');
  if (rev === 'passive' || rev === 'active') o.dtlsReverse = rev;
  const fp = getStr(d, 'DTLS-fingerprint', 'DTLS fingerprint', 'dtls-fingerprint', 'dtls fingerprint');
  if (fp !== undefined && ['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'].includes(fp)) o.dtlsFingerprint = fp;

  const af = getStr(d, 'address-family', 'address family');
  if (af === 'IP4' || af === 'IP6') o.addressFamily = af;

  const rf = getStrList(d, 'received-from', 'received from');
  if (rf && rf.length >= 2 && (rf[0] === 'IP4' || rf[0] === 'IP6')) o.receivedFrom = { family: rf[0], address: rf[1]! };

  for (const m of getStrList(d, 'rtcp-mux', 'RTCP-mux') ?? []) if (MUX.has(m as RtcpMuxOption)) o.rtcpMux.add(m as RtcpMuxOption);

  // 10.5 only iterates a list here; a plain string is ignored (spec §3.5, §9.5).
  for (const m of getStrList(d, 'endpoint-learning', 'endpoint learning') ?? []) if (LEARNING.has(m as EndpointLearning)) o.endpointLearning = m as EndpointLearning;

  const gr = getStr(d, 'generate-RTCP', 'generate RTCP', 'generate-rtcp', 'generate rtcp');
  if (gr === 'on' || gr === 'yes') o.generateRtcp = true;
  else if (gr === 'off' || gr === 'no') o.generateRtcp = false;

  // Both spellings are one key to rtpengine, which reads the dictionary in message order: a later
  // valid value wins, an unknown one (or a list: no string) changes nothing (10.5 only logs it).
  for (const [key, v] of d) {
    if (key !== 'media-echo' && key !== 'media echo') continue;
    const mode = Buffer.isBuffer(v) ? MEDIA_ECHO.get(v.toString('latin1')) : undefined;
    if (mode) o.mediaEcho = mode;
  }

  const rc = getStr(d, 'record-call', 'record call');
  if (rc === 'yes' || rc === 'on') o.recordCall = true;
  else if (rc === 'no' || rc === 'off') o.recordCall = false;

  const codec = getDict(d, 'codec');
  if (codec) {
    o.codecStrip.push(...(getStrList(codec, 'strip') ?? []));
    o.codecExcept.push(...(getStrList(codec, 'except') ?? []));
    o.codecOffer.push(...(getStrList(codec, 'offer') ?? []));
    o.codecMask.push(...(getStrList(codec, 'mask') ?? []));
    o.codecTranscode.push(...(getStrList(codec, 'transcode') ?? []));
    o.codecConsume.push(...(getStrList(codec, 'consume') ?? []));
    o.codecAccept.push(...(getStrList(codec, 'accept') ?? []));
    o.codecSet.push(...(getStrList(codec, 'set') ?? []));
  }

  for (const raw of getStrList(d, 'flags') ?? []) parseFlag(o, hyphenate(raw));
  return o;
}

function parseFlag(o: CallOptions, f: string): void {
  const prefixed: [string, string[]][] = [
    ['codec-strip-', o.codecStrip], ['codec-except-', o.codecExcept], ['codec-offer-', o.codecOffer],
    ['codec-mask-', o.codecMask], ['codec-transcode-', o.codecTranscode], ['transcode-', o.codecTranscode],
    ['codec-consume-', o.codecConsume], ['codec-accept-', o.codecAccept], ['codec-set-', o.codecSet],
  ];
  for (const [p, list] of prefixed) {
    if (f.startsWith(p)) { list.push(f.slice(p.length).replace(/--/g, '=')); return; }
  }
  if (f.startsWith('endpoint-learning-')) {
    const m = f.slice('endpoint-learning-'.length) as EndpointLearning;
    if (LEARNING.has(m)) { o.endpointLearning = m; return; }
  }
  if (f.startsWith('SDES-')) { applySdes(o.sdes, f.slice('SDES-'.length)); o.flags.add(f); return; }
  if (f.startsWith('OSRTP-')) { applyOsrtp(o, f.slice('OSRTP-'.length)); o.flags.add(f); return; }
  if (f === 'pad-crypto') o.sdes.pad = true;
  if (f === 'record-call') o.recordCall = true;
  if (f === 'generate-RTCP' || f === 'generate-rtcp') o.generateRtcp = true;
  if (KNOWN_FLAGS.has(f)) { o.flags.add(FLAG_ALIASES[f] ?? f); return; }
  // Other dictionaries' prefixes (T38-, from-tags-) belong to later features.
  if (/^(SDES-|OSRTP-|T38-|T\.38-|from-tags-)/.test(f)) { o.flags.add(f); return; }
  o.unknownFlags.push(f);
}

/**
 * One SDES value (spec §3.3). rtpengine 10.5 knows no `only-`, `nonew`, `prefer` or `order:` (later
 * versions do): like it, we ignore those.
 */
function applySdes(s: SdesOptions, v: string): void {
  if (v.startsWith('no-')) { s.no.add(v.slice(3).toUpperCase()); return; }
  switch (v.toLowerCase()) {
    case 'off': case 'no': case 'disable': case 'disabled': s.off = true; break;
    case 'pad': s.pad = true; break;
    case 'lifetime': s.lifetime = true; break;
    case 'static': s.static = true; break;
    case 'unencrypted_srtp': s.unencryptedSrtp = true; break;
    case 'unencrypted_srtcp': s.unencryptedSrtcp = true; break;
    case 'unauthenticated_srtp': s.unauthenticatedSrtp = true; break;
    // rtpengine 10.5 accepts these but they do not undo unencrypted_* in our own offers (checked
    // against it); they only matter for its pass-through of the offerer's parameters.
    case 'encrypted_srtp': s.unencryptedSrtp ??= false; break;
    case 'encrypted_srtcp': s.unencryptedSrtcp ??= false; break;
    case 'authenticated_srtp': s.unauthenticatedSrtp ??= false; break;
  }
}

function applyOsrtp(o: CallOptions, v: string): void {
  if (v === 'offer') o.osrtp.offer = true;
  else if (v === 'accept') o.osrtp.accept = true;
}

/** rtpengine replaces every space in a flag string by a hyphen before matching. */
export function hyphenate(s: string): string {
  return s.replace(/ /g, '-');
}
