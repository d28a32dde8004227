// AES-GCM for SRTP and SRTCP, RFC 7714 (https://www.rfc-editor.org/rfc/rfc7714):
// AEAD_AES_128_GCM and AEAD_AES_256_GCM with the 16-byte tag (§12).
//
//   SRTP IV  (§8.1): (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR session salt            (12 bytes)
//   SRTCP IV (§9.1): (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ SRTCP index) XOR salt     (12 bytes)
//   SRTP AAD (§8.2): the RTP header incl. CSRC list and header extension; plaintext = payload
//   SRTCP AAD (§9.2): first 8 bytes ‖ E‖SRTCP index; plaintext = the rest of the compound packet.
//   Unencrypted SRTCP (§9.3, E = 0): AAD = whole RTCP packet ‖ E‖index; plaintext empty.
//
// Speed (shared/spec/deps.md §1): Node exposes GCM only through a Cipher object per IV, so each
// packet creates one cipher (createCipheriv / createDecipheriv). The key is imported once as a
// KeyObject; IV and the 4-byte AAD word live in buffers owned by the instance. update() and
// getAuthTag() return fresh Buffers that are copied into the caller's packet.

import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

/** RFC 7714 §12: 96-bit salt and IV. */
export const GCM_SALT_LEN = 12;
/** RFC 7714 §12: 128-bit authentication tag (SRTP and SRTCP). */
export const GCM_TAG_LEN = 16;

/** RTCP bytes that stay in clear in SRTCP: V/P/RC, PT, length, sender SSRC. */
const SRTCP_CLEAR_LEN = 8;

type GcmAlgo = 'aes-128-gcm' | 'aes-256-gcm';

/** One session key + salt (one of SRTP / SRTCP) for AES-GCM packet protection. */
export class AesGcm {
  private readonly algo: GcmAlgo;
  private readonly key: KeyObject;
  private readonly salt: Uint8Array;
  /** IV of the current packet. */
  readonly iv = Buffer.alloc(GCM_SALT_LEN);

  constructor(key: Uint8Array, salt: Uint8Array) {
    if (key.length === 16) this.algo = 'aes-128-gcm';
    else if (key.length === 32) this.algo = 'aes-256-gcm';
    else throw new RangeError(`AES-GCM key must be 16 or 32 bytes, got ${key.length}`);
    if (salt.length !== GCM_SALT_LEN) {
      throw new RangeError(`AES-GCM salt must be ${GCM_SALT_LEN} bytes, got ${salt.length}`);
    }
    this.key = createSecretKey(Uint8Array.from(key));
    this.salt = Uint8Array.from(salt);
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

  /**
   * Encrypts buf[ptOff..ptOff+ptLen) in place under the current IV and writes the 16-byte tag to
   * buf[tagOff..). The AAD is buf[aadOff..aadOff+aadLen) followed by buf[aad2Off..aad2Off+aad2Len)
   * (aad2Len 0 for none; SRTCP's E‖index word is not contiguous with its header).
   */
  seal(
    buf: Uint8Array,
    aadOff: number,
    aadLen: number,
    aad2Off: number,
    aad2Len: number,
    ptOff: number,
    ptLen: number,
    tagOff: number,
  ): void {
    const c = createCipheriv(this.algo, this.key, this.iv, { authTagLength: GCM_TAG_LEN });
    c.setAAD(buf.subarray(aadOff, aadOff + aadLen));
    if (aad2Len > 0) c.setAAD(buf.subarray(aad2Off, aad2Off + aad2Len));
    if (ptLen > 0) buf.set(c.update(buf.subarray(ptOff, ptOff + ptLen)), ptOff);
    c.final();
    buf.set(c.getAuthTag(), tagOff);
  }

  /**
   * Verifies the tag at buf[tagOff..tagOff+16) over the AAD and the ciphertext
   * buf[ctOff..ctOff+ctLen) under the current IV, and only if it verifies writes the plaintext
   * over the ciphertext. Returns false (buffer untouched) when authentication fails.
   */
  open(
    buf: Uint8Array,
    aadOff: number,
    aadLen: number,
    aad2Off: number,
    aad2Len: number,
    ctOff: number,
    ctLen: number,
    tagOff: number,
  ): boolean {
    const d = createDecipheriv(this.algo, this.key, this.iv, { authTagLength: GCM_TAG_LEN });
    d.setAuthTag(buf.subarray(tagOff, tagOff + GCM_TAG_LEN));
    d.setAAD(buf.subarray(aadOff, aadOff + aadLen));
    if (aad2Len > 0) d.setAAD(buf.subarray(aad2Off, aad2Off + aad2Len));
    const pt = ctLen > 0 ? d.update(buf.subarray(ctOff, ctOff + ctLen)) : null;
    try {
      d.final();
    } catch {
      return false;
    }
    if (pt !== null) buf.set(pt, ctOff);
    return true;
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
