/**
 * First-byte classifier for a datagram arriving on a media socket, where STUN, ZRTP, DTLS, TURN
 * ChannelData, RTP and RTCP may all share one 5-tuple.
 *
 * Ranges of the first byte B, RFC 7983 §7 (https://www.rfc-editor.org/rfc/rfc7983#section-7):
 *
 *                    +----------------+
 *                    |        [0..3] -+--> STUN (also: len >= 20 and the magic cookie)
 *                    |       [16..19] -+--> ZRTP
 *        packet -->  |       [20..63] -+--> DTLS (also: len >= 13, one record header)
 *                    |       [64..79] -+--> TURN channel
 *                    |     [128..191] -+--> RTP/RTCP
 *                    +----------------+
 *
 * Everything else (4..15, 80..127, 192..255) is not assigned and is reported as unknown.
 *
 * RTP vs RTCP, RFC 5761 §4 (https://www.rfc-editor.org/rfc/rfc5761#section-4): byte 1 of RTCP is
 * the packet type, 192..223 in practice (SR 200 … XR 207, feedback 205/206, RFC 4585), which an RTP
 * packet would read as marker = 1 with PT 64..95, a range RFC 5761 keeps free for that reason. So
 * byte 1 in 192..223 is RTCP (at least the 8-byte common header), anything else RTP (at least the
 * 12-byte fixed header). This needs no compound-packet check, so reduced-size RTCP (RFC 5506, e.g.
 * a lone PSFB 206 or RTPFB 205) classifies as RTCP too.
 *
 * Per-packet cost: one bounds check and one if-chain over byte ranges; no allocation.
 */

export const PKT_UNKNOWN = 0;
export const PKT_STUN = 1;
export const PKT_ZRTP = 2;
export const PKT_DTLS = 3;
export const PKT_TURN_CHANNEL = 4;
export const PKT_RTP = 5;
export const PKT_RTCP = 6;

export type PacketClass = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** STUN header size (RFC 5389 §6, https://www.rfc-editor.org/rfc/rfc5389#section-6). */
export const STUN_HEADER_LEN = 20;
/** STUN magic cookie 0x2112A442 at bytes 4..7 (RFC 5389 §6). */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** DTLS record header size (RFC 6347 §4.1, https://www.rfc-editor.org/rfc/rfc6347#section-4.1). */
export const DTLS_RECORD_HEADER_LEN = 13;
/** RTP fixed header size (RFC 3550 §5.1). */
const RTP_MIN_LEN = 12;
/** RTCP common header plus sender SSRC (RFC 3550 §6.4.1). */
const RTCP_MIN_LEN = 8;

/**
 * Classifies the `len` bytes at `b[off]` as one of the PKT_* constants (see the module comment).
 * Returns PKT_UNKNOWN for an unassigned first byte or a datagram too short for its class.
 */
export function classifyPacket(b: Uint8Array, off: number, len: number): PacketClass {
  if (len < 1) return PKT_UNKNOWN;
  const b0 = b[off]!;
  // RFC 7983 §7 first-byte ranges, in ascending order.
  if (b0 <= 3) {
    // STUN (RFC 5389 §6): 20-byte header, magic cookie 0x21 0x12 0xA4 0x42 at off+4.
    if (len < STUN_HEADER_LEN) return PKT_UNKNOWN;
    return b[off + 4] === 0x21 && b[off + 5] === 0x12 && b[off + 6] === 0xa4 && b[off + 7] === 0x42
      ? PKT_STUN : PKT_UNKNOWN;
  }
  if (b0 <= 15) return PKT_UNKNOWN;
  if (b0 <= 19) return PKT_ZRTP;
  if (b0 <= 63) return len >= DTLS_RECORD_HEADER_LEN ? PKT_DTLS : PKT_UNKNOWN;
  if (b0 <= 79) return PKT_TURN_CHANNEL;
  if (b0 <= 127) return PKT_UNKNOWN;
  if (b0 <= 191) {
    // RFC 5761 §4: RTCP packet types 192..223 vs RTP marker+PT.
    if (len < RTCP_MIN_LEN) return PKT_UNKNOWN; // too short for either; also keeps b[off + 1] in range
    const b1 = b[off + 1]!;
    if (b1 >= 192 && b1 <= 223) return PKT_RTCP;
    return len >= RTP_MIN_LEN ? PKT_RTP : PKT_UNKNOWN;
  }
  return PKT_UNKNOWN;
}

/** Short name of a PKT_* value, for logs and tests ('unknown' for anything out of range). */
export function packetClassName(c: number): string {
  switch (c) {
    case PKT_STUN: return 'stun';
    case PKT_ZRTP: return 'zrtp';
    case PKT_DTLS: return 'dtls';
    case PKT_TURN_CHANNEL: return 'turn-channel';
    case PKT_RTP: return 'rtp';
    case PKT_RTCP: return 'rtcp';
    default: return 'unknown';
  }
}
