// STUN messages as ICE uses them (RFC 5389 https://www.rfc-editor.org/rfc/rfc5389, RFC 8489 keeps
// the same wire format; ICE attributes from RFC 8445 §16.1 and §7.1-7.3): Binding requests,
// success and error responses with short-term-credential MESSAGE-INTEGRITY (HMAC-SHA1, §15.4) and
// FINGERPRINT (§15.5).
//
// Allocation-light: parseStun() reads into a caller-owned StunScratch (offsets into the datagram,
// numbers, one reused address buffer); StunWriter writes into a caller-owned buffer. Checking
// MESSAGE-INTEGRITY patches the header's length field in place for the HMAC and restores it.

import { HmacSha1 } from '../srtp/hmac-sha1.js';
import { crc32 } from './crc32.js';

/** RFC 5389 §6: the fixed magic cookie. */
export const MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_LEN = 20;

// Message types (§6: method 0x001 Binding with class bits; RFC 5389 §18.1).
export const BINDING_REQUEST = 0x0001;
export const BINDING_INDICATION = 0x0011;
export const BINDING_SUCCESS = 0x0101;
export const BINDING_ERROR = 0x0111;

// Attribute types (RFC 5389 §18.2, RFC 8445 §16.1).
export const ATTR_MAPPED_ADDRESS = 0x0001;
export const ATTR_USERNAME = 0x0006;
export const ATTR_MESSAGE_INTEGRITY = 0x0008;
export const ATTR_ERROR_CODE = 0x0009;
export const ATTR_UNKNOWN_ATTRIBUTES = 0x000a;
export const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
export const ATTR_PRIORITY = 0x0024;
export const ATTR_USE_CANDIDATE = 0x0025;
export const ATTR_SOFTWARE = 0x8022;
export const ATTR_FINGERPRINT = 0x8028;
export const ATTR_ICE_CONTROLLED = 0x8029;
export const ATTR_ICE_CONTROLLING = 0x802a;

/** §15.5: FINGERPRINT is the CRC-32 XOR this constant ("STUN"). */
const FINGERPRINT_XOR = 0x5354554e;
const MI_ATTR_LEN = 24;
const FP_ATTR_LEN = 8;

export const ROLE_NONE = 0;
export const ROLE_CONTROLLING = 1;
export const ROLE_CONTROLLED = 2;

/** What parseStun() found; fields not present are -1 (offsets, numbers) or 0 (role, family). */
export class StunScratch {
  type = 0;
  /** Offset of the 96-bit transaction id in the buffer. */
  txOff = 0;
  /** Whole message length (header included). */
  length = 0;
  usernameOff = -1;
  usernameLen = -1;
  /** Offset of the MESSAGE-INTEGRITY attribute's header, -1 = absent. */
  integrityOff = -1;
  /** Offset of the FINGERPRINT attribute's header, -1 = absent. */
  fingerprintOff = -1;
  /** PRIORITY (RFC 8445 §7.1.1), -1 = absent. */
  priority = -1;
  useCandidate = false;
  role = ROLE_NONE;
  /** 64-bit tie-breaker of ICE-CONTROLLING/-CONTROLLED as two unsigned halves. */
  tieHi = 0;
  tieLo = 0;
  /** ERROR-CODE as class*100+number, -1 = absent. */
  errorCode = -1;
  /** XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS): 4 / 6, 0 = absent; address bytes in mappedAddr. */
  mappedFamily = 0;
  mappedPort = 0;
  readonly mappedAddr = new Uint8Array(16);
  /** Comprehension-required attribute types (< 0x8000) we do not know (§7.3.1 → 420), up to 4. */
  unknownCount = 0;
  readonly unknownTypes = new Uint16Array(4);

  reset(): void {
    this.type = 0; this.txOff = 0; this.length = 0;
    this.usernameOff = -1; this.usernameLen = -1; this.integrityOff = -1; this.fingerprintOff = -1;
    this.priority = -1; this.useCandidate = false; this.role = ROLE_NONE; this.tieHi = 0; this.tieLo = 0;
    this.errorCode = -1; this.mappedFamily = 0; this.mappedPort = 0; this.unknownCount = 0;
  }
}

const KNOWN = new Set([
  ATTR_MAPPED_ADDRESS, ATTR_USERNAME, ATTR_MESSAGE_INTEGRITY, ATTR_ERROR_CODE, ATTR_UNKNOWN_ATTRIBUTES,
  ATTR_XOR_MAPPED_ADDRESS, ATTR_PRIORITY, ATTR_USE_CANDIDATE,
  0x0014, // REALM
  0x0015, // NONCE
]);

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function put16(b: Uint8Array, p: number, v: number): void {
  b[p] = (v >>> 8) & 0xff;
  b[p + 1] = v & 0xff;
}

function put32(b: Uint8Array, p: number, v: number): void {
  b[p] = (v >>> 24) & 0xff;
  b[p + 1] = (v >>> 16) & 0xff;
  b[p + 2] = (v >>> 8) & 0xff;
  b[p + 3] = v & 0xff;
}

/**
 * Parses the STUN message at b[off, off+len) into `s`. False when it is not a well-formed STUN
 * message (§6, §15): top two bits not zero, wrong cookie, length not matching or not a multiple of
 * 4, an attribute running past the end, FINGERPRINT not last. Attributes after MESSAGE-INTEGRITY
 * other than FINGERPRINT are ignored (§15.4).
 */
export function parseStun(b: Uint8Array, off: number, len: number, s: StunScratch): boolean {
  s.reset();
  if (len < STUN_HEADER_LEN || (b[off]! & 0xc0) !== 0) return false;
  const msgLen = u16(b, off + 2);
  if ((msgLen & 3) !== 0 || STUN_HEADER_LEN + msgLen !== len) return false;
  if (u32(b, off + 4) !== MAGIC_COOKIE) return false;
  s.type = u16(b, off);
  s.txOff = off + 8;
  s.length = len;
  const end = off + len;
  let p = off + STUN_HEADER_LEN;
  while (p < end) {
    if (end - p < 4) return false;
    const type = u16(b, p);
    const alen = u16(b, p + 2);
    const v = p + 4;
    const next = v + ((alen + 3) & ~3);
    if (next > end) return false;
    if (s.fingerprintOff >= 0) return false; // FINGERPRINT must be the last attribute (§15.5)
    if (type === ATTR_FINGERPRINT) {
      if (alen !== 4) return false;
      s.fingerprintOff = p;
    } else if (s.integrityOff >= 0) {
      // §15.4: ignored after MESSAGE-INTEGRITY
    } else {
      switch (type) {
        case ATTR_USERNAME: s.usernameOff = v; s.usernameLen = alen; break;
        case ATTR_MESSAGE_INTEGRITY:
          if (alen !== 20) return false;
          s.integrityOff = p;
          break;
        case ATTR_PRIORITY:
          if (alen !== 4) return false;
          s.priority = u32(b, v);
          break;
        case ATTR_USE_CANDIDATE: s.useCandidate = true; break;
        case ATTR_ICE_CONTROLLING:
        case ATTR_ICE_CONTROLLED:
          if (alen !== 8) return false;
          s.role = type === ATTR_ICE_CONTROLLING ? ROLE_CONTROLLING : ROLE_CONTROLLED;
          s.tieHi = u32(b, v);
          s.tieLo = u32(b, v + 4);
          break;
        case ATTR_ERROR_CODE:
          if (alen < 4) return false;
          s.errorCode = (b[v + 2]! & 7) * 100 + b[v + 3]!;
          break;
        case ATTR_XOR_MAPPED_ADDRESS:
        case ATTR_MAPPED_ADDRESS:
          if (!readAddress(b, v, alen, type === ATTR_XOR_MAPPED_ADDRESS, off, s)) return false;
          break;
        default:
          if (type < 0x8000 && !KNOWN.has(type) && s.unknownCount < s.unknownTypes.length) {
            s.unknownTypes[s.unknownCount++] = type;
          }
      }
    }
    p = next;
  }
  return true;
}

/** §15.1/§15.2: family, port, address; the XOR form is keyed by the cookie (and the txid for IPv6). */
function readAddress(b: Uint8Array, v: number, alen: number, xor: boolean, msgOff: number, s: StunScratch): boolean {
  if (alen < 8) return false;
  const fam = b[v + 1];
  const n = fam === 0x01 ? 4 : fam === 0x02 ? 16 : 0;
  if (n === 0 || alen < 4 + n) return false;
  // XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS when both are present.
  if (!xor && s.mappedFamily !== 0) return true;
  s.mappedFamily = n === 4 ? 4 : 6;
  s.mappedPort = u16(b, v + 2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
  for (let i = 0; i < n; i++) s.mappedAddr[i] = b[v + 4 + i]! ^ (xor ? b[msgOff + 4 + i]! : 0); // cookie ‖ txid
  return true;
}

/** FINGERPRINT present and correct (§15.5). */
export function checkFingerprint(b: Uint8Array, off: number, s: StunScratch): boolean {
  const fp = s.fingerprintOff;
  if (fp < 0) return false;
  return ((crc32(b, off, fp - off) ^ FINGERPRINT_XOR) >>> 0) === u32(b, fp + 4);
}

/**
 * MESSAGE-INTEGRITY present and correct for `hmac` (keyed with the short-term password, §15.4): the
 * HMAC covers the message up to the attribute, with the header's length field counting up to the
 * end of MESSAGE-INTEGRITY (so FINGERPRINT is excluded). Patches and restores that field in place.
 */
export function checkIntegrity(b: Uint8Array, off: number, s: StunScratch, hmac: HmacSha1, scratch20: Uint8Array): boolean {
  const mi = s.integrityOff;
  if (mi < 0) return false;
  const saved0 = b[off + 2]!;
  const saved1 = b[off + 3]!;
  put16(b, off + 2, mi + MI_ATTR_LEN - off - STUN_HEADER_LEN);
  hmac.mac(b, off, mi - off, -1, scratch20, 0, 20);
  b[off + 2] = saved0;
  b[off + 3] = saved1;
  let diff = 0;
  for (let i = 0; i < 20; i++) diff |= scratch20[i]! ^ b[mi + 4 + i]!;
  return diff === 0;
}

/** Compares the USERNAME attribute with `expected` (ASCII/UTF-8 bytes) without allocating. */
export function usernameEquals(b: Uint8Array, s: StunScratch, expected: Uint8Array): boolean {
  if (s.usernameLen !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[s.usernameOff + i] !== expected[i]) return false;
  return true;
}

/**
 * Writes one STUN message into a caller-owned buffer: begin(), attributes, then finish() which adds
 * MESSAGE-INTEGRITY (when keyed) and FINGERPRINT and returns the total length.
 */
export class StunWriter {
  private b: Uint8Array = new Uint8Array(0);
  private off = 0;
  private p = 0;

  /** Header with `type` and the transaction id copied from txid[txOff, txOff+12). */
  begin(buf: Uint8Array, off: number, type: number, txid: Uint8Array, txOff: number): this {
    this.b = buf;
    this.off = off;
    put16(buf, off, type);
    put16(buf, off + 2, 0);
    put32(buf, off + 4, MAGIC_COOKIE);
    for (let i = 0; i < 12; i++) buf[off + 8 + i] = txid[txOff + i]!;
    this.p = off + STUN_HEADER_LEN;
    return this;
  }

  private attr(type: number, len: number, pad = 0): number {
    const b = this.b;
    put16(b, this.p, type);
    put16(b, this.p + 2, len);
    const v = this.p + 4;
    const padded = (len + 3) & ~3;
    for (let i = len; i < padded; i++) b[v + i] = pad;
    this.p = v + padded;
    return v;
  }

  /** An attribute with `data` as its value; `pad` fills up to the 4-byte boundary (§15: any value). */
  bytes(type: number, data: Uint8Array, pad = 0): this {
    const v = this.attr(type, data.length, pad);
    this.b.set(data, v);
    return this;
  }

  u32(type: number, value: number): this {
    put32(this.b, this.attr(type, 4), value >>> 0);
    return this;
  }

  flag(type: number): this {
    this.attr(type, 0);
    return this;
  }

  /** ICE-CONTROLLING / ICE-CONTROLLED with the 64-bit tie-breaker (RFC 8445 §7.1.3). */
  role(controlling: boolean, tieHi: number, tieLo: number): this {
    const v = this.attr(controlling ? ATTR_ICE_CONTROLLING : ATTR_ICE_CONTROLLED, 8);
    put32(this.b, v, tieHi >>> 0);
    put32(this.b, v + 4, tieLo >>> 0);
    return this;
  }

  /** ERROR-CODE (§15.6): class and number from `code`, a UTF-8 reason phrase. */
  errorCode(code: number, reason: Uint8Array): this {
    const v = this.attr(ATTR_ERROR_CODE, 4 + reason.length);
    const b = this.b;
    b[v] = 0; b[v + 1] = 0;
    b[v + 2] = Math.floor(code / 100) & 7;
    b[v + 3] = code % 100;
    b.set(reason, v + 4);
    return this;
  }

  /** XOR-MAPPED-ADDRESS (§15.2) of an IPv4 (4 bytes) or IPv6 (16 bytes) address in addr[0..]. */
  xorMappedAddress(family: 4 | 6, port: number, addr: Uint8Array): this {
    const n = family === 4 ? 4 : 16;
    const v = this.attr(ATTR_XOR_MAPPED_ADDRESS, 4 + n);
    const b = this.b;
    b[v] = 0;
    b[v + 1] = family === 4 ? 0x01 : 0x02;
    put16(b, v + 2, port ^ (MAGIC_COOKIE >>> 16));
    for (let i = 0; i < n; i++) b[v + 4 + i] = addr[i]! ^ b[this.off + 4 + i]!;
    return this;
  }

  /** MESSAGE-INTEGRITY with `hmac` (null: none), then FINGERPRINT; returns the message length. */
  finish(hmac: HmacSha1 | null, fingerprint = true): number {
    const b = this.b;
    const off = this.off;
    if (hmac !== null) {
      const mi = this.p;
      put16(b, off + 2, mi + MI_ATTR_LEN - off - STUN_HEADER_LEN);
      hmac.mac(b, off, mi - off, -1, b, mi + 4, 20);
      put16(b, mi, ATTR_MESSAGE_INTEGRITY);
      put16(b, mi + 2, 20);
      this.p = mi + MI_ATTR_LEN;
    }
    if (fingerprint) {
      const fp = this.p;
      put16(b, off + 2, fp + FP_ATTR_LEN - off - STUN_HEADER_LEN);
      put16(b, fp, ATTR_FINGERPRINT);
      put16(b, fp + 2, 4);
      put32(b, fp + 4, (crc32(b, off, fp - off) ^ FINGERPRINT_XOR) >>> 0);
      this.p = fp + FP_ATTR_LEN;
    }
    put16(b, off + 2, this.p - off - STUN_HEADER_LEN);
    return this.p - off;
  }
}
