// Public surface of the pure SDP module (no sockets, timers or daemon state).

export type { AddrFamily, Codec, Direction, SdpConnection, SdpLine, SdpMedia, SdpOrigin, SdpSession, SdpSessionPart } from './types.js';
export type { IceMode, IcePlan, MediaPlan, RtcpPlan, SessionPlan } from './plan.js';
export {
  SdpIncompleteError,
  SdpParseError,
  assertSdpComplete,
  effectiveConnection,
  isRtpProto,
  isZeroAddress,
  parseSdp,
  sessionMediaIndex,
  sessionOf,
} from './parse.js';
export { hasLoopProtectId, rewriteSdp } from './rewrite.js';
export {
  applyCodecStrip,
  applySingleCodec,
  codecMatches,
  filterAnswerCodecs,
  isSupplementaryCodec,
  type CodecStripOptions,
} from './codecs.js';
export { buildCodecs, codecLines, encodingWithParams } from './codec-parse.js';
export { staticPayload } from './static-payloads.js';
export { SDES_OFFER_ORDER, formatCrypto, parseCrypto, type SdesCrypto } from './crypto.js';
export { parseFingerprint, parseSetup, type Fingerprint, type SetupRole } from './dtls-attrs.js';
