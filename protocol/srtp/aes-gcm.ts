// AES-GCM for SRTP and SRTCP, RFC 7714 (https://www.rfc-editor.org/rfc/rfc7714):
// AEAD_AES_128_GCM and AEAD_AES_256_GCM with the 16-byte tag (§12).
//
//   SRTP IV  (§8.1): (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR session salt            (12 bytes)
//   SRTCP IV (§9.1): (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ SRTCP index) XOR salt     (12 bytes)
//   SRTP AAD (§8.2): the RTP header incl. CSRC list and header extension; plaintext = payload
//   SRTCP AAD (§9.2): first 8 bytes ‖ E‖SRTCP index; plaintext = the rest of the compound packet.
//   Unencrypted SRTCP (§9.3, E = 0): AAD = whole RTCP packet ‖ E‖index; plaintext empty.
//
// The AES-GCM primitive (seal/open with a 12-byte IV) comes from an SrtpPrimitives (primitives.ts):
// native OpenSSL when loaded, else node:crypto (aes-gcm-js.ts). This class owns the RFC 7714
// packet layouts and IVs; the context (srtp-context.ts) does ROC, index and replay bookkeeping.

import { GCM_IV_LEN, GCM_TAG_LEN } from './aes-gcm-js.js';
import { jsPrimitives, type GcmPrimitive, type SrtpPrimitives } from './primitives.js';

export { GCM_TAG_LEN };
/** RFC 7714 §12: 96-bit salt and IV. */
export const GCM_SALT_LEN = GCM_IV_LEN;

/** RTCP bytes that stay in clear in SRTCP: V/P/RC, PT, length, sender SSRC. */
const SRTCP_CLEAR_LEN = 8;

/** One session key + salt (one of SRTP / SRTCP) for AES-GCM packet protection. */
export class AesGcm {
  private readonly gcm: GcmPrimitive;
  private readonly salt: Uint8Array;
  /** IV of the current packet (the primitive's). */
  readonly iv: Uint8Array;

  constructor(key: Uint8Array, salt: Uint8Array, primitives: SrtpPrimitives = jsPrimitives) {
    if (key.length !== 16 && key.length !== 32) {
      throw new RangeError(`AES-GCM key must be 16 or 32 bytes, got ${key.length}`);
    }
    if (salt.length !== GCM_SALT_LEN) {
      throw new RangeError(`AES-GCM salt must be ${GCM_SALT_LEN} bytes, got ${salt.length}`);
    }
    this.gcm = primitives.aesGcm(key);
    this.iv = this.gcm.iv;
    this.salt = Uint8Array.from(salt);
  }

  /** Releases the primitive (idempotent). */
  close(): void {
    this.gcm.close();
  }

  /** §8.1: IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt. */
  setRtpIv(ssrc: number, roc: number, seq: number): void {
    this.setIv(ssrc, roc, seq);
  }

  /** §9.1: IV = (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ 31-bit SRTCP index) XOR salt. */
  setRtcpIv(ssrc: number, index: number): void {
    this.setIv(ssrc, (index >>> 16) & 0x7fff, index & 0xffff);
  }

  /** Both IVs are (0x0000 ‖ SSRC ‖ 32 bits ‖ 16 bits) XOR salt; they differ only in the last 48 bits. */
  private setIv(ssrc: number, mid32: number, low16: number): void {
    const iv = this.iv;
    const s = this.salt;
    iv[0] = s[0]!;
    iv[1] = s[1]!;
    iv[2] = s[2]! ^ (ssrc >>> 24);
    iv[3] = s[3]! ^ ((ssrc >>> 16) & 0xff);
    iv[4] = s[4]! ^ ((ssrc >>> 8) & 0xff);
    iv[5] = s[5]! ^ (ssrc & 0xff);
    iv[6] = s[6]! ^ (mid32 >>> 24);
    iv[7] = s[7]! ^ ((mid32 >>> 16) & 0xff);
    iv[8] = s[8]! ^ ((mid32 >>> 8) & 0xff);
    iv[9] = s[9]! ^ (mid32 & 0xff);
    iv[10] = s[10]! ^ ((low16 >>> 8) & 0xff);
    iv[11] = s[11]! ^ (low16 & 0xff);
  }

  /** GcmPrimitive.seal under the current IV. */
  seal(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    ptOff: number, ptLen: number, tagOff: number): void {
    this.gcm.seal(buf, aadOff, aadLen, aad2Off, aad2Len, ptOff, ptLen, tagOff);
  }

  /** GcmPrimitive.open under the current IV: false, the buffer untouched, if the tag fails. */
  open(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    ctOff: number, ctLen: number, tagOff: number): boolean {
    return this.gcm.open(buf, aadOff, aadLen, aad2Off, aad2Len, ctOff, ctLen, tagOff);
  }

  // ---- Packet layouts (the context does ROC, index and replay bookkeeping) ----

  /**
   * RFC 7714 §8: protects the RTP packet buf[off..off+len) with header length h in place (AAD =
   * header, plaintext = payload incl. padding) and writes the tag at off+len. The caller checks
   * room for GCM_TAG_LEN bytes. Returns len + 16.
   */
  protectRtp(buf: Uint8Array, off: number, h: number, len: number, ssrc: number, roc: number, seq: number): number {
    this.setRtpIv(ssrc, roc, seq);
    this.seal(buf, off, h, 0, 0, off + h, len - h, off + len);
    return len + GCM_TAG_LEN;
  }

  /**
   * Verifies and decrypts the SRTP packet buf[off..off+plen+16) in place (plen = RTP length, h its
   * header length). Returns false, the buffer untouched, if the tag does not verify.
   */
  unprotectRtp(buf: Uint8Array, off: number, h: number, plen: number, ssrc: number, roc: number, seq: number): boolean {
    this.setRtpIv(ssrc, roc, seq);
    return this.open(buf, off, h, 0, 0, off + h, plen - h, off + plen);
  }

  /**
   * RFC 7714 §9: protects the RTCP packet buf[off..off+len) in place into
   * header(8) ‖ ciphertext ‖ tag(16) ‖ E‖index(4); AAD = header ‖ E‖index (§9.2). With
   * encrypt = false (E = 0, §9.3) AAD = whole packet ‖ E‖index and nothing is encrypted. The
   * caller checks room for 20 bytes. Returns len + 20.
   */
  protectRtcp(buf: Uint8Array, off: number, len: number, ssrc: number, index: number, encrypt: boolean): number {
    const ep = off + len + GCM_TAG_LEN;
    const eword = encrypt ? (index | 0x80000000) >>> 0 : index & 0x7fffffff;
    buf[ep] = eword >>> 24;
    buf[ep + 1] = eword >>> 16;
    buf[ep + 2] = eword >>> 8;
    buf[ep + 3] = eword;
    this.setRtcpIv(ssrc, index);
    const aadLen = encrypt ? SRTCP_CLEAR_LEN : len;
    this.seal(buf, off, aadLen, ep, 4, off + aadLen, len - aadLen, off + len);
    return len + GCM_TAG_LEN + 4;
  }

  /**
   * Verifies (and if E = 1 decrypts) the SRTCP packet buf[off..off+plen+20) in place, plen the
   * RTCP length; `eword` is the E‖index word from its last 4 bytes. Returns false, the buffer
   * untouched, if the tag does not verify.
   */
  unprotectRtcp(buf: Uint8Array, off: number, plen: number, ssrc: number, eword: number): boolean {
    const ep = off + plen + GCM_TAG_LEN;
    this.setRtcpIv(ssrc, eword & 0x7fffffff);
    const aadLen = (eword & 0x80000000) !== 0 ? SRTCP_CLEAR_LEN : plen;
    return this.open(buf, off, aadLen, ep, 4, off + aadLen, plen - aadLen, off + plen);
  }
}
