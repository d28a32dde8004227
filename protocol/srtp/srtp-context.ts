// SRTP and SRTCP packet protection for the AES-CM + HMAC-SHA1 suites (and NULL + HMAC-SHA1):
// RFC 3711 (https://www.rfc-editor.org/rfc/rfc3711), AES-192/256 per RFC 6188; and for the AEAD
// suites AEAD_AES_128_GCM / AEAD_AES_256_GCM, RFC 7714 (aes-gcm.ts), which share the ROC, replay
// and SRTCP index handling here but put the SRTCP E‖index word behind the tag (RFC 7714 §9).
//
// AES-f8 (F8_128_HMAC_SHA1_*) per RFC 3711 §4.1.2 with its own IVs (§4.1.2.2, §4.1.2.3).
//
// Everything works in place on the caller's buffer: protect*() appends the trailer (SRTCP index,
// MKI and tag) behind `len`, so buf must have room for it (see srtpOverhead / srtcpOverhead);
// unprotect*() verifies, decrypts in place and returns the shorter length. Failures return a
// negative ERR_* code and leave the packet's payload undecrypted.
//
// The crypto itself comes from an SrtpPrimitives (primitives.ts): keyed AES keystreams, HMAC-SHA1
// and AES-GCM, native OpenSSL (daemon/media/srtp-native.ts) or JS (the default here). This file
// owns all of SRTP's logic. Per packet it allocates nothing with the native primitives; the JS ones
// allocate the Buffer(s) node:crypto returns (deps.md §1). State for a new SSRC is allocated once.

import { rtpHeaderLength } from '../rtp/header.js';
import { srtpIv } from './aes-cm.js';
import { AesGcm } from './aes-gcm.js';
import { deriveGcmSessionKeys, deriveSessionKeys } from './kdf.js';
import { jsPrimitives, type HmacPrimitive, type KeystreamPrimitive, type SrtpPrimitives } from './primitives.js';
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
/**
 * Largest packet unprotect*() takes: a UDP datagram's payload fits (the native GCM open decrypts
 * through a scratch area of this size).
 */
const MAX_PACKET = 65535;
/** RFC 4568 §6.1: the MKI length field is 1..128 bytes. */
const MAX_MKI = 128;

export interface SrtpContextOptions {
  /** Replay window size in packets (multiple of 32, >= 64). Default 128. */
  replayWindow?: number;
  /** How many SSRCs keep ROC/replay state per direction; the oldest is dropped beyond. Default 64. */
  maxStreams?: number;
  /**
   * RFC 4568 §6.3.2 UNENCRYPTED_SRTCP: send SRTCP with E = 0 and the payload in clear (for the AEAD
   * suites authenticated as RFC 7714 §9.3 says, as libsrtp 2 does; rtpengine 10.5 instead sends
   * header ‖ E‖index with no tag there, and does not accept the RFC form). Otherwise
   * E = 1 — also for the NULL suites, whose "encryption" is the identity (not checked against
   * rtpengine 10.5: it crashes (SIGSEGV) relaying NULL_HMAC_SHA1_* media, srtp-suites-probe.mjs).
   */
  unencryptedSrtcp?: boolean;
  /**
   * RFC 4568 §6.3.5 UNENCRYPTED_SRTP: RTP payloads go in clear (still authenticated). Ignored for
   * the AEAD suites (RFC 7714 has no unencrypted SRTP; the GCM tag always covers the payload).
   * Deliberate difference: rtpengine 10.5 with an AEAD suite and UNENCRYPTED_SRTP sends RTP with no
   * SRTP processing at all (no tag) and passes received packets through untouched
   * (test/dev/srtp-suites-probe.mjs), which no RFC 7714 peer does.
   */
  unencryptedSrtp?: boolean;
  /**
   * RFC 4568 §6.3.6 UNAUTHENTICATED_SRTP: SRTP packets carry no tag and are not authenticated
   * (SRTCP always is, RFC 3711 §3.4). Ignored for the AEAD suites.
   */
  unauthenticatedSrtp?: boolean;
  /**
   * RFC 3711 §3.1 MKI carried in every SRTP and SRTCP packet between the payload (SRTCP: the
   * E‖index word) and the tag; for the AEAD suites behind the tag (SRTCP: behind E‖index), as
   * libsrtp 2 does. Not authenticated. On receive a packet whose MKI differs fails as ERR_AUTH.
   * null / absent: no MKI.
   */
  mki?: Uint8Array | null;
  /** The crypto primitives (default: jsPrimitives). */
  primitives?: SrtpPrimitives;
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
  /** SRTP tag length actually sent: 0 with unauthenticatedSrtp. */
  readonly srtpTagLen: number;
  readonly srtcpTagLen: number;
  /** MKI length (0: none). */
  readonly mkiLen: number;
  /** 'js' or 'native': which primitives this context runs on. */
  readonly primitivesName: string;
  /** AES-CM / AES-f8 keystreams; null for the NULL cipher, GCM, or (RTP only) unencryptedSrtp. */
  private readonly rtpCipher: KeystreamPrimitive | null;
  private readonly rtcpCipher: KeystreamPrimitive | null;
  private readonly f8: boolean;
  /** AEAD suites (RFC 7714): set instead of rtpCipher/rtcpCipher and the HMACs. */
  private readonly rtpGcm: AesGcm | null;
  private readonly rtcpGcm: AesGcm | null;
  private readonly rtpSalt: Uint8Array;
  private readonly rtcpSalt: Uint8Array;
  /** null for GCM and (RTP) unauthenticatedSrtp. */
  private readonly rtpAuth: HmacPrimitive | null;
  private readonly rtcpAuth: HmacPrimitive | null;
  private readonly mki: Uint8Array;
  private readonly tx = new Map<number, TxStream>();
  private readonly rx = new Map<number, RxStream>();
  private readonly window: number;
  private readonly maxStreams: number;
  private readonly encryptSrtcp: boolean;
  private closed = false;

  constructor(suite: SrtpSuite | string, masterKey: Uint8Array, masterSalt: Uint8Array, opts: SrtpContextOptions = {}) {
    const s = typeof suite === 'string' ? findSrtpSuite(suite) : suite;
    if (!s) throw new RangeError(`unknown SRTP suite ${String(suite)}`);
    if (!s.implemented) throw new RangeError(`SRTP suite ${s.name} is not implemented`);
    if (masterKey.length !== s.masterKeyLen) {
      throw new RangeError(`${s.name}: master key must be ${s.masterKeyLen} bytes, got ${masterKey.length}`);
    }
    if (masterSalt.length !== s.masterSaltLen) {
      throw new RangeError(`${s.name}: master salt must be ${s.masterSaltLen} bytes, got ${masterSalt.length}`);
    }
    const mki = opts.mki ?? null;
    if (mki !== null && (mki.length < 1 || mki.length > MAX_MKI)) {
      throw new RangeError(`MKI must be 1..${MAX_MKI} bytes, got ${mki.length}`);
    }
    const prims = opts.primitives ?? jsPrimitives;
    const gcm = s.cipher === 'aes-gcm';
    this.suite = s;
    this.primitivesName = prims.name;
    this.srtpTagLen = !gcm && opts.unauthenticatedSrtp === true ? 0 : s.srtpTagLen;
    this.srtcpTagLen = s.srtcpTagLen;
    this.mki = mki === null ? new Uint8Array(0) : Uint8Array.from(mki);
    this.mkiLen = this.mki.length;
    this.window = opts.replayWindow ?? 128;
    new ReplayWindow(this.window); // validates the size
    this.maxStreams = Math.max(1, opts.maxStreams ?? 64);
    this.encryptSrtcp = opts.unencryptedSrtcp !== true;
    // RFC 3711 §4.3 with kdr = 0 (also for F8, §4.3.3; the NULL suites derive their auth keys the
    // same way); GCM per RFC 7714 §11 (96-bit master salt, see kdf.ts).
    const keys = gcm ? deriveGcmSessionKeys(masterKey, masterSalt) : deriveSessionKeys(masterKey, masterSalt, s.authKeyLen);
    this.f8 = s.cipher === 'aes-f8';
    const keystream = (key: Uint8Array, salt: Uint8Array): KeystreamPrimitive | null =>
      s.cipher === 'aes-cm' ? prims.aesCm(key) : this.f8 ? prims.aesF8(key, salt) : null;
    const encryptSrtp = opts.unencryptedSrtp !== true;
    this.rtpCipher = encryptSrtp ? keystream(keys.rtpKey, keys.rtpSalt) : null;
    // Kept with unencryptedSrtcp too: the E flag of each received SRTCP packet says what it is.
    this.rtcpCipher = keystream(keys.rtcpKey, keys.rtcpSalt);
    this.rtpGcm = gcm ? new AesGcm(keys.rtpKey, keys.rtpSalt, prims) : null;
    this.rtcpGcm = gcm ? new AesGcm(keys.rtcpKey, keys.rtcpSalt, prims) : null;
    this.rtpSalt = keys.rtpSalt;
    this.rtcpSalt = keys.rtcpSalt;
    this.rtpAuth = gcm || this.srtpTagLen === 0 ? null : prims.hmacSha1(keys.rtpAuthKey);
    this.rtcpAuth = gcm ? null : prims.hmacSha1(keys.rtcpAuthKey);
    keys.rtpKey.fill(0);
    keys.rtcpKey.fill(0);
    keys.rtpAuthKey.fill(0);
    keys.rtcpAuthKey.fill(0);
  }

  /**
   * Releases the primitives' native state (idempotent). A closed context must not be used: its
   * protect/unprotect calls return ERR_SHORT.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtpCipher?.close();
    this.rtcpCipher?.close();
    this.rtpGcm?.close();
    this.rtcpGcm?.close();
    this.rtpAuth?.close();
    this.rtcpAuth?.close();
  }

  /** Bytes protectRtp() appends: MKI and tag (RFC 3711 §3.1). */
  get srtpOverhead(): number {
    return this.mkiLen + this.srtpTagLen;
  }

  /**
   * Bytes protectRtcp() appends: E‖SRTCP index (4), MKI and the tag (RFC 3711 §3.4). For the GCM
   * suites the tag comes first, then E‖index, then the MKI (RFC 7714 §9).
   */
  get srtcpOverhead(): number {
    return 4 + this.mkiLen + this.srtcpTagLen;
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
    const mkiLen = this.mkiLen;
    if (this.closed || off < 0 || off + len + mkiLen + tagLen > buf.length) return ERR_SHORT;
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
      // RFC 7714 §8: AAD = header (CSRCs, extension), plaintext = payload (+ padding), tag behind,
      // then the MKI.
      const n = this.rtpGcm.protectRtp(buf, off, h, len, ssrc, roc >>> 0, seq);
      if (mkiLen > 0) buf.set(this.mki, off + n);
      return n + mkiLen;
    }
    const c = this.rtpCipher;
    if (c !== null) {
      if (this.f8) f8RtpIv(c.iv, buf, off, roc);
      // §4.1.1: IV from the session salt, SSRC and index = ROC · 2^16 + SEQ.
      else srtpIv(c.iv, this.rtpSalt, ssrc, roc >>> 16, (((roc & 0xffff) << 16) | seq) >>> 0);
      c.xor(buf, off + h, len - h);
    }
    if (mkiLen > 0) buf.set(this.mki, off + len);
    // §4.2: tag = HMAC-SHA1(k_a, header ‖ encrypted payload ‖ ROC), truncated; the MKI is not
    // covered (§3.1).
    const a = this.rtpAuth;
    if (a !== null) {
      a.mac(buf, off, len, roc);
      copyTag(a.out, buf, off + len + mkiLen, tagLen);
    }
    return len + mkiLen + tagLen;
  }

  /**
   * Unprotects the SRTP packet buf[off..off+len) in place (§3.3): estimates the index (Appendix A),
   * checks the replay list, the MKI and the tag, and only then decrypts. ROC, s_l and the replay
   * list are updated only for authenticated packets. Returns the RTP length (len − MKI − tag) or
   * ERR_SHORT, ERR_REPLAY, ERR_AUTH.
   */
  unprotectRtp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtpTagLen;
    const mkiLen = this.mkiLen;
    const plen = len - tagLen - mkiLen;
    if (this.closed || plen < RTP_MIN || off < 0 || len > MAX_PACKET || off + len > buf.length) return ERR_SHORT;
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
      // MKI behind the tag; RFC 7714 §8: the AEAD decryption verifies the tag and only then
      // yields the plaintext.
      if (mkiLen > 0 && !bytesEqual(this.mki, buf, off + plen + tagLen)) return ERR_AUTH;
      if (!this.rtpGcm.unprotectRtp(buf, off, h, plen, ssrc, v >>> 0, seq)) return ERR_AUTH;
    } else {
      if (mkiLen > 0 && !bytesEqual(this.mki, buf, off + plen)) return ERR_AUTH;
      // §3.3 step 5: authenticate before decrypting.
      const a = this.rtpAuth;
      if (a !== null) {
        a.mac(buf, off, plen, v);
        if (!tagEqual(a.out, buf, off + plen + mkiLen, tagLen)) return ERR_AUTH;
      }
      const c = this.rtpCipher;
      if (c !== null) {
        if (this.f8) f8RtpIv(c.iv, buf, off, v);
        else srtpIv(c.iv, this.rtpSalt, ssrc, v >>> 16, (((v & 0xffff) << 16) | seq) >>> 0);
        c.xor(buf, off + h, plen - h);
      }
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
    const mkiLen = this.mkiLen;
    if (this.closed || len < RTCP_CLEAR_LEN || off < 0 || off + len + 4 + mkiLen + tagLen > buf.length) return ERR_SHORT;
    if (buf[off]! >>> 6 !== 2) return ERR_SHORT;
    const ssrc = readU32(buf, off + 4);
    const st = this.txStream(ssrc);
    const index = st.rtcpIndex;
    st.rtcpIndex = (index + 1) & SRTCP_INDEX_MASK;
    if (this.rtcpGcm !== null) {
      // RFC 7714 §9: header ‖ ciphertext ‖ tag ‖ E‖index (‖ MKI). AAD = first 8 bytes ‖ E‖index
      // (§9.2), or with E = 0 the whole packet ‖ E‖index and nothing encrypted (§9.3).
      const n = this.rtcpGcm.protectRtcp(buf, off, len, ssrc, index, this.encryptSrtcp);
      if (mkiLen > 0) buf.set(this.mki, off + n);
      return n + mkiLen;
    }
    const eword = this.encryptSrtcp ? (index | SRTCP_E_FLAG) >>> 0 : index;
    const c = this.rtcpCipher;
    if (c !== null && this.encryptSrtcp) {
      // §4.1.1 with the 31-bit SRTCP index in place of the SRTP index; f8: §4.1.2.3.
      if (this.f8) f8RtcpIv(c.iv, buf, off, eword);
      else srtpIv(c.iv, this.rtcpSalt, ssrc, 0, index);
      c.xor(buf, off + RTCP_CLEAR_LEN, len - RTCP_CLEAR_LEN);
    }
    writeU32(buf, off + len, eword);
    if (mkiLen > 0) buf.set(this.mki, off + len + 4);
    // §3.4: the tag covers the RTCP packet and the E‖index word; no ROC, no MKI.
    const a = this.rtcpAuth!;
    a.mac(buf, off, len + 4, -1);
    copyTag(a.out, buf, off + len + 4 + mkiLen, tagLen);
    return len + 4 + mkiLen + tagLen;
  }

  /**
   * Unprotects the SRTCP packet buf[off..off+len) in place: replay check on the SRTCP index, MKI,
   * authentication, then decryption if the E flag is set. Returns the RTCP length
   * (len − 4 − MKI − tag) or ERR_SHORT, ERR_REPLAY, ERR_AUTH.
   */
  unprotectRtcp(buf: Uint8Array, off: number, len: number): number {
    const tagLen = this.srtcpTagLen;
    const mkiLen = this.mkiLen;
    const plen = len - 4 - mkiLen - tagLen;
    if (this.closed || plen < RTCP_CLEAR_LEN || off < 0 || len > MAX_PACKET || off + len > buf.length) return ERR_SHORT;
    if (buf[off]! >>> 6 !== 2) return ERR_SHORT;
    const ssrc = readU32(buf, off + 4);
    const gcm = this.rtcpGcm;
    // RFC 7714 §9: for GCM the E‖index word comes behind the tag.
    const ep = gcm !== null ? off + plen + tagLen : off + plen;
    const eword = readU32(buf, ep);
    const index = eword & SRTCP_INDEX_MASK;
    const st = this.rx.get(ssrc);
    if (st !== undefined && !st.rtcp.check(index)) return ERR_REPLAY;
    if (mkiLen > 0 && !bytesEqual(this.mki, buf, ep + 4)) return ERR_AUTH;
    if (gcm !== null) {
      if (!gcm.unprotectRtcp(buf, off, plen, ssrc, eword)) return ERR_AUTH;
      (st ?? this.rxStream(ssrc)).rtcp.accept(index);
      return plen;
    }
    const a = this.rtcpAuth!;
    a.mac(buf, off, plen + 4, -1);
    if (!tagEqual(a.out, buf, off + plen + 4 + mkiLen, tagLen)) return ERR_AUTH;
    const c = this.rtcpCipher;
    if ((eword & SRTCP_E_FLAG) !== 0 && c !== null) {
      if (this.f8) f8RtcpIv(c.iv, buf, off, eword);
      else srtpIv(c.iv, this.rtcpSalt, ssrc, 0, index);
      c.xor(buf, off + RTCP_CLEAR_LEN, plen - RTCP_CLEAR_LEN);
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

/** Whether b[bOff..] starts with all of a. */
function bytesEqual(a: Uint8Array, b: Uint8Array, bOff: number): boolean {
  return tagEqual(a, b, bOff, a.length);
}

function copyTag(mac: Uint8Array, buf: Uint8Array, p: number, n: number): void {
  for (let i = 0; i < n; i++) buf[p + i] = mac[i]!;
}

/**
 * RFC 3711 §4.1.2.2 (https://www.rfc-editor.org/rfc/rfc3711#section-4.1.2.2): the f8 IV of an SRTP
 * packet, IV = 0x00 ‖ M ‖ PT ‖ SEQ ‖ TS ‖ SSRC ‖ ROC: the first 12 header bytes with the first one
 * zeroed, then the ROC.
 */
function f8RtpIv(iv: Uint8Array, buf: Uint8Array, off: number, roc: number): void {
  iv[0] = 0;
  for (let k = 1; k < 12; k++) iv[k] = buf[off + k]!;
  writeU32(iv, 12, roc);
}

/**
 * RFC 3711 §4.1.2.3: the f8 IV of an SRTCP packet,
 * IV = 0..0 (32 bits) ‖ E ‖ SRTCP index ‖ V ‖ P ‖ RC ‖ PT ‖ length ‖ SSRC.
 */
function f8RtcpIv(iv: Uint8Array, buf: Uint8Array, off: number, eword: number): void {
  iv[0] = iv[1] = iv[2] = iv[3] = 0;
  writeU32(iv, 4, eword);
  for (let k = 0; k < 8; k++) iv[8 + k] = buf[off + k]!;
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
