// SRTP and SRTCP packet protection for the AES-CM + HMAC-SHA1 suites (and NULL + HMAC-SHA1):
// RFC 3711 (https://www.rfc-editor.org/rfc/rfc3711), AES-192/256 per RFC 6188; and for the AEAD
// suites AEAD_AES_128_GCM / AEAD_AES_256_GCM, RFC 7714 (aes-gcm.ts), which share the ROC, replay
// and SRTCP index handling here but put the SRTCP E‖index word behind the tag (RFC 7714 §9).
//
// Everything works in place on the caller's buffer: protect*() appends the trailer (SRTCP index and
// tag) behind `len`, so buf must have room for it (see srtpOverhead / srtcpOverhead); unprotect*()
// verifies, decrypts in place and returns the shorter length. Failures return a negative ERR_*
// code and leave the packet's payload undecrypted. AES-CM: no allocation per packet beyond the one
// Buffer Node's Cipher.update() returns (aes-cm.ts); GCM: one Cipher/Decipher object per packet
// plus its output Buffers (aes-gcm.ts, deps.md §1). State for a new SSRC is allocated once.

import { rtpHeaderLength } from '../rtp/header.js';
import { AesCm, srtpIv } from './aes-cm.js';
import { AesGcm } from './aes-gcm.js';
import { HmacSha1 } from './hmac-sha1.js';
import { deriveGcmSessionKeys, deriveSessionKeys } from './kdf.js';
import { ReplayWindow } from './replay-window.js';
import { findSrtpSuite, type SrtpSuite } from './suites.js';

/** Too short, malformed header, or no room behind `len` for the trailer. */
export const ERR_SHORT = -1;
/** Authentication tag mismatch (RFC 3711 §3.3 step 5). */
export const ERR_AUTH = -2;
/** Index already received or older than the replay window (RFC 3711 §3.3.2). */
export const ERR_REPLAY = -3;

/** SRTCP E flag (RFC 3711 §3.4): top bit of the 32-bit word before the tag. */
const SRTCP_E_FLAG = 0x80000000;
const SRTCP_INDEX_MASK = 0x7fffffff;
/** RTCP fixed part that stays in clear in SRTCP: V/P/RC, PT, length, sender SSRC (§3.4). */
const RTCP_CLEAR_LEN = 8;
const RTP_MIN = 12;
const MAX_TAG = 20;

export interface SrtpContextOptions {
  /** Replay window size in packets (multiple of 32, >= 64). Default 128. */
  replayWindow?: number;
  /** How many SSRCs keep ROC/replay state per direction; the oldest is dropped beyond. Default 64. */
  maxStreams?: number;
  /**
   * RFC 4568 §6.3.2 UNENCRYPTED_SRTCP: send SRTCP with E = 0 and the payload in clear. Otherwise
   * E = 1 — also for the NULL suites, whose "encryption" is the identity (rtpengine 10.5 sets E
   * from this session parameter alone, as far as we know; not checked against it yet).
   */
  unencryptedSrtcp?: boolean;
}

/** Sender state per SSRC. */
class TxStream {
  roc = 0;
  /** Highest sequence number sent (s_l of RFC 3711 Appendix A, applied to the sender). */
  sl = 0;
  started = false;
  /** Next SRTCP index to send (31 bits, §3.4). */
  rtcpIndex = 0;
}

/** Receiver state per SSRC (§3.2.3: ROC, s_l and the replay lists are per SSRC). */
class RxStream {
  roc = 0;
  sl = 0;
  readonly rtp: ReplayWindow;
  readonly rtcp: ReplayWindow;
  constructor(window: number) {
    this.rtp = new ReplayWindow(window);
    this.rtcp = new ReplayWindow(window);
  }
}

/**
 * One SRTP crypto context (RFC 3711 §3.2): one master key/salt and suite, used for one direction
 * (create one for protecting what we send and another for unprotecting what we receive). ROC and
 * replay state are kept per SSRC. Not reentrant: the scratch buffers belong to the instance.
 */
export class SrtpContext {
  readonly suite: SrtpSuite;
  readonly srtpTagLen: number;
  readonly srtcpTagLen: number;
  private readonly rtpCipher: AesCm | null;
  private readonly rtcpCipher: AesCm | null;
  /** AEAD suites (RFC 7714): set instead of rtpCipher/rtcpCipher and the HMACs. */
  private readonly rtpGcm: AesGcm | null;
  private readonly rtcpGcm: AesGcm | null;
  private readonly rtpSalt: Uint8Array;
  private readonly rtcpSalt: Uint8Array;
  private readonly rtpAuth: HmacSha1;
  private readonly rtcpAuth: HmacSha1;
  private readonly iv = new Uint8Array(16);
  private readonly tag = new Uint8Array(MAX_TAG);
  private readonly tx = new Map<number, TxStream>();
  private readonly rx = new Map<number, RxStream>();
  private readonly window: number;
  private readonly maxStreams: number;
  private readonly encryptSrtcp: boolean;

  constructor(suite: SrtpSuite | string, masterKey: Uint8Array, masterSalt: Uint8Array, opts: SrtpContextOptions = {}) {
    const s = typeof suite === 'string' ? findSrtpSuite(suite) : suite;
    if (!s) throw new RangeError(`unknown SRTP suite ${String(suite)}`);
    if (!s.implemented || (s.cipher !== 'aes-cm' && s.cipher !== 'null' && s.cipher !== 'aes-gcm')) {
      throw new RangeError(`SRTP suite ${s.name} is not implemented`);
    }
    if (masterKey.length !== s.masterKeyLen) {
      throw new RangeError(`${s.name}: master key must be ${s.masterKeyLen} bytes, got ${masterKey.length}`);
    }
    if (masterSalt.length !== s.masterSaltLen) {
      throw new RangeError(`${s.name}: master salt must be ${s.masterSaltLen} bytes, got ${masterSalt.length}`);
    }
    this.suite = s;
    this.srtpTagLen = s.srtpTagLen;
    this.srtcpTagLen = s.srtcpTagLen;
    this.window = opts.replayWindow ?? 128;
    new ReplayWindow(this.window); // validates the size
    this.maxStreams = Math.max(1, opts.maxStreams ?? 64);
    this.encryptSrtcp = opts.unencryptedSrtcp !== true;
    // RFC 3711 §4.3 with kdr = 0; the NULL suites derive their auth keys the same way; GCM per
    // RFC 7714 §11 (96-bit master salt, see kdf.ts).
    const gcm = s.cipher === 'aes-gcm';
    const keys = gcm ? deriveGcmSessionKeys(masterKey, masterSalt) : deriveSessionKeys(masterKey, masterSalt, s.authKeyLen);
    const withCipher = s.cipher === 'aes-cm';
    this.rtpCipher = withCipher ? new AesCm(keys.rtpKey) : null;
    this.rtcpCipher = withCipher ? new AesCm(keys.rtcpKey) : null;
    this.rtpGcm = gcm ? new AesGcm(keys.rtpKey, keys.rtpSalt) : null;
    this.rtcpGcm = gcm ? new AesGcm(keys.rtcpKey, keys.rtcpSalt) : null;
    this.rtpSalt = keys.rtpSalt;
    this.rtcpSalt = keys.rtcpSalt;
    this.rtpAuth = new HmacSha1(keys.rtpAuthKey);
    this.rtcpAuth = new HmacSha1(keys.rtcpAuthKey);
    keys.rtpKey.fill(0);
    keys.rtcpKey.fill(0);
    keys.rtpAuthKey.fill(0);
    keys.rtcpAuthKey.fill(0);
  }

  /** Bytes protectRtp() appends: the tag (RFC 3711 §3.1; no MKI). */
  get srtpOverhead(): number {
    return this.srtpTagLen;
  }

  /**
   * Bytes protectRtcp() appends: E‖SRTCP index (4) and the tag (RFC 3711 §3.4; no MKI). For the
   * GCM suites the tag comes first and E‖index last (RFC 7714 §9).
   */
  get srtcpOverhead(): number {
    return 4 + this.srtcpTagLen;
  }

  /** Sets the sender ROC of an SSRC (e.g. a new key mid-stream); its next packet starts there. */
  setTxRoc(ssrc: number, roc: number): void {
    const st = this.txStream(ssrc >>> 0);
    st.roc = roc >>> 0;
    st.started = false;
  }

  /** Current sender ROC of an SSRC (0 if none sent yet). */
  txRoc(ssrc: number): number {
    return this.tx.get(ssrc >>> 0)?.roc ?? 0;
  }

  /** Current receiver ROC of an SSRC (0 if none received yet). */
  rxRoc(ssrc: number): number {
    return this.rx.get(ssrc >>> 0)?.roc ?? 0;
  }

  /**
   * Sets the next SRTCP index for an SSRC. It starts at 0 (RFC 3711 §3.4); libsrtp 2 sends its
   * first SRTCP packet with index 1, and the oracle test sets 1 to compare bytes with it.
   */
  setTxRtcpIndex(ssrc: number, index: number): void {
    this.txStream(ssrc >>> 0).rtcpIndex = index & SRTCP_INDEX_MASK;
  }

  /** Next SRTCP index protectRtcp() will use for an SSRC. */
  txRtcpIndex(ssrc: number): number {
    return this.tx.get(ssrc >>> 0)?.rtcpIndex ?? 0;
  }

  // ---- SRTP: RFC 3711 §3.1 (packet format), §3.3 (processing) ----

  /**
   * Protects the RTP packet buf[off..off+len) in place: encrypts the payload (everything after the
   * fixed header, CSRC list and header extension; padding included, §3.1) and appends the
   * authentication tag. buf must have `srtpOverhead` bytes of room after off+len.
   * Returns the new length, or ERR_SHORT (malformed header or no room).
   */
  protectRtp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtpTagLen;
    if (off + len + tagLen > buf.length) return ERR_SHORT;
    const h = rtpHeaderLength(buf, off, len);
    if (h < 0) return ERR_SHORT;
    const ssrc = readU32(buf, off + 8);
    const seq = (buf[off + 2]! << 8) | buf[off + 3]!;
    const st = this.txStream(ssrc);
    let roc: number;
    if (!st.started) {
      st.started = true;
      st.sl = seq;
      roc = st.roc;
    } else {
      // §3.3.1: the sender's ROC increments each time SEQ wraps. Appendix A's estimate is used so
      // that a packet forwarded out of order around the wrap keeps the ROC it belongs to.
      const v = estimateRoc(st.roc, st.sl, seq);
      if (v * 65536 + seq > st.roc * 65536 + st.sl) {
        st.roc = v;
        st.sl = seq;
      }
      roc = v >>> 0;
    }
    if (this.rtpGcm !== null) {
      // RFC 7714 §8: AAD = header (CSRCs, extension), plaintext = payload (+ padding), tag behind.
      return this.rtpGcm.protectRtp(buf, off, h, len, ssrc, roc >>> 0, seq);
    }
    if (this.rtpCipher !== null) {
      // §4.1.1: IV from the session salt, SSRC and index = ROC · 2^16 + SEQ.
      srtpIv(this.iv, this.rtpSalt, ssrc, roc >>> 16, (((roc & 0xffff) << 16) | seq) >>> 0);
      this.rtpCipher.xor(this.iv, buf, off + h, len - h);
    }
    // §4.2: tag = HMAC-SHA1(k_a, header ‖ encrypted payload ‖ ROC), truncated to the tag length.
    this.rtpAuth.mac(buf, off, len, roc, buf, off + len, tagLen);
    return len + tagLen;
  }

  /**
   * Unprotects the SRTP packet buf[off..off+len) in place (§3.3): estimates the index (Appendix A),
   * checks the replay list, authenticates, and only then decrypts. ROC, s_l and the replay list
   * are updated only for authenticated packets. Returns the RTP length (len − tag) or ERR_SHORT,
   * ERR_REPLAY, ERR_AUTH.
   */
  unprotectRtp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtpTagLen;
    const plen = len - tagLen;
    if (plen < RTP_MIN || off + len > buf.length) return ERR_SHORT;
    const h = rtpHeaderLength(buf, off, plen);
    if (h < 0) return ERR_SHORT;
    const ssrc = readU32(buf, off + 8);
    const seq = (buf[off + 2]! << 8) | buf[off + 3]!;
    const st = this.rx.get(ssrc);
    let v: number;
    if (st === undefined || st.rtp.top < 0) {
      // First packet of this SSRC: s_l := SEQ, ROC as set (0).
      v = st === undefined ? 0 : st.roc;
    } else {
      v = estimateRoc(st.roc, st.sl, seq);
      if (v < 0 || v > 0xffffffff) return ERR_REPLAY;
      if (!st.rtp.check(v * 65536 + seq)) return ERR_REPLAY;
    }
    if (this.rtpGcm !== null) {
      // RFC 7714 §8: the AEAD decryption verifies the tag and only then yields the plaintext.
      if (!this.rtpGcm.unprotectRtp(buf, off, h, plen, ssrc, v >>> 0, seq)) return ERR_AUTH;
    } else {
      // §3.3 step 5: authenticate before decrypting.
      this.rtpAuth.mac(buf, off, plen, v, this.tag, 0, tagLen);
      if (!tagEqual(this.tag, buf, off + plen, tagLen)) return ERR_AUTH;
    }
    if (this.rtpCipher !== null) {
      srtpIv(this.iv, this.rtpSalt, ssrc, v >>> 16, (((v & 0xffff) << 16) | seq) >>> 0);
      this.rtpCipher.xor(this.iv, buf, off + h, plen - h);
    }
    // §3.3.1: update ROC and s_l only when the index is the highest so far.
    const s = st ?? this.rxStream(ssrc);
    const index = v * 65536 + seq;
    if (index > s.rtp.top) {
      s.roc = v;
      s.sl = seq;
    }
    s.rtp.accept(index);
    return plen;
  }

  // ---- SRTCP: RFC 3711 §3.4 ----

  /**
   * Protects the (compound) RTCP packet buf[off..off+len) in place: encrypts everything after the
   * first 8 bytes (§3.4), appends E‖SRTCP index and the tag. buf must have `srtcpOverhead` bytes of
   * room after off+len. Returns the new length or ERR_SHORT.
   */
  protectRtcp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtcpTagLen;
    if (len < RTCP_CLEAR_LEN || off + len + 4 + tagLen > buf.length) return ERR_SHORT;
    if (buf[off]! >>> 6 !== 2) return ERR_SHORT;
    const ssrc = readU32(buf, off + 4);
    const st = this.txStream(ssrc);
    const index = st.rtcpIndex;
    st.rtcpIndex = (index + 1) & SRTCP_INDEX_MASK;
    if (this.rtcpGcm !== null) {
      // RFC 7714 §9: header ‖ ciphertext ‖ tag ‖ E‖index. AAD = first 8 bytes ‖ E‖index (§9.2),
      // or with E = 0 the whole packet ‖ E‖index and nothing encrypted (§9.3).
      return this.rtcpGcm.protectRtcp(buf, off, len, ssrc, index, this.encryptSrtcp);
    }
    if (this.encryptSrtcp && this.rtcpCipher !== null) {
      // §4.1.1 with the 31-bit SRTCP index in place of the SRTP index.
      srtpIv(this.iv, this.rtcpSalt, ssrc, 0, index);
      this.rtcpCipher.xor(this.iv, buf, off + RTCP_CLEAR_LEN, len - RTCP_CLEAR_LEN);
    }
    writeU32(buf, off + len, this.encryptSrtcp ? (index | SRTCP_E_FLAG) >>> 0 : index);
    // §3.4: the tag covers the RTCP packet and the E‖index word; no ROC.
    this.rtcpAuth.mac(buf, off, len + 4, -1, buf, off + len + 4, tagLen);
    return len + 4 + tagLen;
  }

  /**
   * Unprotects the SRTCP packet buf[off..off+len) in place: replay check on the SRTCP index,
   * authentication, then decryption if the E flag is set. Returns the RTCP length
   * (len − 4 − tag) or ERR_SHORT, ERR_REPLAY, ERR_AUTH.
   */
  unprotectRtcp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtcpTagLen;
    const plen = len - 4 - tagLen;
    if (plen < RTCP_CLEAR_LEN || off + len > buf.length) return ERR_SHORT;
    if (buf[off]! >>> 6 !== 2) return ERR_SHORT;
    const ssrc = readU32(buf, off + 4);
    const gcm = this.rtcpGcm;
    // RFC 7714 §9: for GCM the E‖index word is the last 4 bytes, behind the tag.
    const ep = gcm !== null ? off + plen + tagLen : off + plen;
    const eword = readU32(buf, ep);
    const index = eword & SRTCP_INDEX_MASK;
    const st = this.rx.get(ssrc);
    if (st !== undefined && !st.rtcp.check(index)) return ERR_REPLAY;
    if (gcm !== null) {
      if (!gcm.unprotectRtcp(buf, off, plen, ssrc, eword)) return ERR_AUTH;
      (st ?? this.rxStream(ssrc)).rtcp.accept(index);
      return plen;
    }
    this.rtcpAuth.mac(buf, off, plen + 4, -1, this.tag, 0, tagLen);
    if (!tagEqual(this.tag, buf, off + plen + 4, tagLen)) return ERR_AUTH;
    if ((eword & SRTCP_E_FLAG) !== 0 && this.rtcpCipher !== null) {
      srtpIv(this.iv, this.rtcpSalt, ssrc, 0, index);
      this.rtcpCipher.xor(this.iv, buf, off + RTCP_CLEAR_LEN, plen - RTCP_CLEAR_LEN);
    }
    (st ?? this.rxStream(ssrc)).rtcp.accept(index);
    return plen;
  }

  private txStream(ssrc: number): TxStream {
    let st = this.tx.get(ssrc);
    if (st === undefined) {
      if (this.tx.size >= this.maxStreams) this.tx.delete(this.tx.keys().next().value!);
      st = new TxStream();
      this.tx.set(ssrc, st);
    }
    return st;
  }

  private rxStream(ssrc: number): RxStream {
    let st = this.rx.get(ssrc);
    if (st === undefined) {
      if (this.rx.size >= this.maxStreams) this.rx.delete(this.rx.keys().next().value!);
      st = new RxStream(this.window);
      this.rx.set(ssrc, st);
    }
    return st;
  }
}

/** Big-endian u32 as an unsigned number. */
function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** Compares n tag bytes without an early exit. */
function tagEqual(a: Uint8Array, b: Uint8Array, bOff: number, n: number): boolean {
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[i]! ^ b[bOff + i]!;
  return d === 0;
}

/**
 * RFC 3711 Appendix A (https://www.rfc-editor.org/rfc/rfc3711#appendix-A): the ROC v under which
 * the packet with sequence number `seq` was most likely sent, given the highest sequence number
 * s_l seen so far and the current ROC. May return -1 (a packet from before the first wrap when
 * ROC is 0).
 */
export function estimateRoc(roc: number, sl: number, seq: number): number {
  if (sl < 32768) {
    return seq - sl > 32768 ? roc - 1 : roc;
  }
  return sl - 32768 > seq ? roc + 1 : roc;
}
