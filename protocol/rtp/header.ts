/**
 * RTP fixed header reader/writer (RFC 3550 §5.1, header extension §5.3.1) and the RTCP common
 * header fields (RFC 3550 §6.4.1), on a caller's buffer at an offset.
 *
 * Made for the media worker's per-packet path: every function is a plain top-level function that
 * allocates nothing and works on any Uint8Array (Buffer included). Multi-byte fields are read and
 * written with explicit big-endian byte arithmetic, so no DataView or Buffer method is needed.
 *
 * The fixed-field readers (`rtpVersion` … `rtpSsrc`, `rtcp*`) do not check bounds: call them only
 * after the length is known to cover the field (e.g. `rtpHeaderLength()` returned >= 0, or len >= 8
 * for the RTCP fields). Reading past the end of a typed array yields `undefined`, which the bit
 * operators turn into 0, so a mistake gives a wrong value, never an exception.
 *
 * https://www.rfc-editor.org/rfc/rfc3550#section-5.1
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                           timestamp                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |           synchronization source (SSRC) identifier            |
 *    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *    |            contributing source (CSRC) identifiers             |
 *    |                             ....                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/** Size of the fixed RTP header (no CSRC, no extension). */
export const RTP_HEADER_MIN = 12;
/** The only RTP version in use (RFC 3550 §5.1, V field). */
export const RTP_VERSION = 2;
/** Size of the RTCP common header up to and including the first SSRC (RFC 3550 §6.4.1). */
export const RTCP_HEADER_MIN = 8;

// ---- fixed header fields, RFC 3550 §5.1 (https://www.rfc-editor.org/rfc/rfc3550#section-5.1) ----

/** V: top two bits of byte 0. */
export function rtpVersion(b: Uint8Array, off: number): number {
  return b[off]! >>> 6;
}

/** P: bit 5 of byte 0; the packet ends in padding whose last octet is its length. */
export function rtpPadding(b: Uint8Array, off: number): boolean {
  return (b[off]! & 0x20) !== 0;
}

/** X: bit 4 of byte 0; one header extension follows the CSRC list (§5.3.1). */
export function rtpExtension(b: Uint8Array, off: number): boolean {
  return (b[off]! & 0x10) !== 0;
}

/** CC: low four bits of byte 0, the number of 32-bit CSRC identifiers after the fixed header. */
export function rtpCsrcCount(b: Uint8Array, off: number): number {
  return b[off]! & 0x0f;
}

/** M: top bit of byte 1. */
export function rtpMarker(b: Uint8Array, off: number): boolean {
  return (b[off + 1]! & 0x80) !== 0;
}

/** PT: low seven bits of byte 1. */
export function rtpPayloadType(b: Uint8Array, off: number): number {
  return b[off + 1]! & 0x7f;
}

/** Sequence number, u16 at off+2. */
export function rtpSequence(b: Uint8Array, off: number): number {
  return (b[off + 2]! << 8) | b[off + 3]!;
}

/** Timestamp, u32 at off+4. */
export function rtpTimestamp(b: Uint8Array, off: number): number {
  return ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
}

/** SSRC, u32 at off+8. */
export function rtpSsrc(b: Uint8Array, off: number): number {
  return ((b[off + 8]! << 24) | (b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!) >>> 0;
}

/** CSRC number `i` (0-based, i < CC), u32 at off+12+4i. */
export function rtpCsrc(b: Uint8Array, off: number, i: number): number {
  const p = off + RTP_HEADER_MIN + 4 * i;
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

// ---- header extension, RFC 3550 §5.3.1 (https://www.rfc-editor.org/rfc/rfc3550#section-5.3.1) ----
//
//     0                   1                   2                   3
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |      defined by profile       |           length              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                        header extension                       |
//    |                             ....                              |
//
// `length` counts the 32-bit words after this 4-byte extension header. RFC 8285 uses the
// "defined by profile" field as 0xBEDE (one-byte elements) or 0x100x (two-byte elements).

/** Offset (relative to `off`) of the 4-byte extension header: right after the CSRC list. */
export function rtpExtensionOffset(b: Uint8Array, off: number): number {
  return RTP_HEADER_MIN + 4 * (b[off]! & 0x0f);
}

/** The 16-bit "defined by profile" field of the extension (valid only when X is set). */
export function rtpExtensionProfile(b: Uint8Array, off: number): number {
  const p = off + RTP_HEADER_MIN + 4 * (b[off]! & 0x0f);
  return (b[p]! << 8) | b[p + 1]!;
}

/** The extension's length field in 32-bit words, not counting its 4-byte header (valid only when X is set). */
export function rtpExtensionWords(b: Uint8Array, off: number): number {
  const p = off + RTP_HEADER_MIN + 4 * (b[off]! & 0x0f);
  return (b[p + 2]! << 8) | b[p + 3]!;
}

/**
 * Full header length: 12 + 4·CC, plus 4 + 4·(extension length) when X is set (§5.1, §5.3.1).
 * Returns -1 when the version is not 2 or `len` bytes do not hold the whole header.
 */
export function rtpHeaderLength(b: Uint8Array, off: number, len: number): number {
  if (len < RTP_HEADER_MIN) return -1;
  const b0 = b[off]!;
  if (b0 >>> 6 !== RTP_VERSION) return -1;
  let h = RTP_HEADER_MIN + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (len < h + 4) return -1;
    h += 4 + 4 * ((b[off + h + 2]! << 8) | b[off + h + 3]!);
  }
  return len < h ? -1 : h;
}

/**
 * Padding length (§5.1, P bit): without P, 0; with P, the value of the packet's last octet, which
 * counts itself. Returns -1 if that value is 0 or larger than `len - headerLen` (padding that would
 * reach into the header).
 */
export function rtpPaddingLength(b: Uint8Array, off: number, len: number, headerLen: number): number {
  if ((b[off]! & 0x20) === 0) return 0;
  const room = len - headerLen;
  if (room <= 0) return -1;
  const pad = b[off + len - 1]!;
  return pad === 0 || pad > room ? -1 : pad;
}

/** Payload length: len − header − padding, or -1 if the header or padding is malformed. */
export function rtpPayloadLength(b: Uint8Array, off: number, len: number): number {
  const h = rtpHeaderLength(b, off, len);
  if (h < 0) return -1;
  const pad = rtpPaddingLength(b, off, len, h);
  if (pad < 0) return -1;
  return len - h - pad;
}

// ---- writers (same layout, RFC 3550 §5.1) ----

/** Writes the u16 sequence number at off+2. */
export function setRtpSequence(b: Uint8Array, off: number, seq: number): void {
  b[off + 2] = (seq >>> 8) & 0xff;
  b[off + 3] = seq & 0xff;
}

/** Writes the u32 timestamp at off+4 (taken modulo 2^32). */
export function setRtpTimestamp(b: Uint8Array, off: number, ts: number): void {
  b[off + 4] = (ts >>> 24) & 0xff;
  b[off + 5] = (ts >>> 16) & 0xff;
  b[off + 6] = (ts >>> 8) & 0xff;
  b[off + 7] = ts & 0xff;
}

/** Writes the u32 SSRC at off+8. */
export function setRtpSsrc(b: Uint8Array, off: number, ssrc: number): void {
  b[off + 8] = (ssrc >>> 24) & 0xff;
  b[off + 9] = (ssrc >>> 16) & 0xff;
  b[off + 10] = (ssrc >>> 8) & 0xff;
  b[off + 11] = ssrc & 0xff;
}

/** Replaces the 7-bit payload type, keeping the marker bit. */
export function setRtpPayloadType(b: Uint8Array, off: number, pt: number): void {
  b[off + 1] = (b[off + 1]! & 0x80) | (pt & 0x7f);
}

/** Sets or clears the marker bit, keeping the payload type. */
export function setRtpMarker(b: Uint8Array, off: number, m: boolean): void {
  b[off + 1] = m ? b[off + 1]! | 0x80 : b[off + 1]! & 0x7f;
}

/**
 * Writes a 12-byte fixed header: V=2, P=0, X=0, CC=0, then M/PT, sequence, timestamp, SSRC.
 * The caller makes sure 12 bytes fit at `off`. Returns 12.
 */
export function writeRtpHeader(
  b: Uint8Array, off: number, pt: number, marker: boolean, seq: number, timestamp: number, ssrc: number,
): number {
  b[off] = RTP_VERSION << 6;
  b[off + 1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  setRtpSequence(b, off, seq);
  setRtpTimestamp(b, off, timestamp);
  setRtpSsrc(b, off, ssrc);
  return RTP_HEADER_MIN;
}

// ---- RTCP common header, RFC 3550 §6.4.1 (https://www.rfc-editor.org/rfc/rfc3550#section-6.4.1) ----
//
//    |V=2|P|    RC   |      PT       |             length            |
//    |                         SSRC of sender                        |

/** PT: byte 1 (200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205 RTPFB, 206 PSFB, 207 XR). */
export function rtcpPacketType(b: Uint8Array, off: number): number {
  return b[off + 1]!;
}

/** Length of this RTCP packet in bytes, header included: (length field + 1) · 4. */
export function rtcpLengthBytes(b: Uint8Array, off: number): number {
  return (((b[off + 2]! << 8) | b[off + 3]!) + 1) * 4;
}

/** SSRC of the sender (or packet sender for feedback), u32 at off+4. */
export function rtcpSenderSsrc(b: Uint8Array, off: number): number {
  return ((b[off + 4]! << 24) | (b[off + 5]! << 16) | (b[off + 6]! << 8) | b[off + 7]!) >>> 0;
}
