// The cryptographic primitives an SrtpContext is built on, as a pluggable interface: the context
// keeps ALL of SRTP's logic (ROC, replay, packet index, IV construction, packet layout) and asks an
// SrtpPrimitives only for keyed AES keystreams, HMAC-SHA1 and AES-GCM seal/open. Two
// implementations exist: jsPrimitives below (node:crypto and pure JS; always available) and the
// native one on Node's own OpenSSL (daemon/media/srtp-native.ts, loaded by srtp-factory.ts), which
// is several times faster per packet. Both must give byte-identical results
// (test/unit/srtp-oracle.test.ts runs the libsrtp2 comparison for each).
//
// Each primitive is keyed once and owns an array the caller writes the per-packet IV into (or reads
// the MAC from) before/after each call, so a call passes no per-packet object. Not reentrant; one
// instance per session key. close() releases native state and is idempotent; a closed primitive
// must not be used again.

import { AesCm } from './aes-cm.js';
import { AesF8 } from './aes-f8.js';
import { JsGcm } from './aes-gcm-js.js';
import { HmacSha1, SHA1_DIGEST_LEN } from './hmac-sha1.js';

/** A keyed keystream cipher (AES-CM, RFC 3711 §4.1.1, or AES-f8, §4.1.2): encryption = decryption. */
export interface KeystreamPrimitive {
  /** 16-byte IV of the next xor() call; the caller writes it. */
  readonly iv: Uint8Array;
  /** XORs `len` bytes of the keystream for `iv` into buf[off..off+len), in place. */
  xor(buf: Uint8Array, off: number, len: number): void;
  close(): void;
}

/** HMAC-SHA1 keyed once (RFC 2104; SRTP use RFC 3711 §4.2). */
export interface HmacPrimitive {
  /** The 20-byte MAC of the last mac() call. */
  readonly out: Uint8Array;
  /** MAC of buf[off..off+len) ‖ `extra` as a big-endian u32 (extra >= 0; -1 for none) into `out`. */
  mac(buf: Uint8Array, off: number, len: number, extra: number): void;
  close(): void;
}

/** AES-GCM with a 16-byte tag (RFC 7714), keyed once; 12-byte IV per call. */
export interface GcmPrimitive {
  /** 12-byte IV of the next seal()/open() call; the caller writes it. */
  readonly iv: Uint8Array;
  /**
   * Encrypts buf[txtOff..txtOff+txtLen) in place and writes the 16-byte tag to buf[tagOff..). The
   * AAD is buf[aadOff..+aadLen) followed by buf[aad2Off..+aad2Len) (aad2Len 0 for none).
   */
  seal(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): void;
  /**
   * Verifies the tag at buf[tagOff..+16) over the AAD and the ciphertext and only then decrypts
   * buf[txtOff..+txtLen) in place. false (buffer untouched) if the tag does not verify.
   */
  open(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): boolean;
  close(): void;
}

export interface SrtpPrimitives {
  /** 'js' or 'native' (logs, bench). */
  readonly name: string;
  /** AES-CM with a 16/24/32-byte session key. */
  aesCm(key: Uint8Array): KeystreamPrimitive;
  /** AES-f8 with a 16-byte session key and the session salt (the key mask m, RFC 3711 §4.1.2.1). */
  aesF8(key: Uint8Array, salt: Uint8Array): KeystreamPrimitive;
  hmacSha1(key: Uint8Array): HmacPrimitive;
  /** AES-GCM with a 16/32-byte session key. */
  aesGcm(key: Uint8Array): GcmPrimitive;
}

class JsCm implements KeystreamPrimitive {
  readonly iv = new Uint8Array(16);
  private readonly aes: AesCm;
  constructor(key: Uint8Array) {
    this.aes = new AesCm(key);
  }
  xor(buf: Uint8Array, off: number, len: number): void {
    this.aes.xor(this.iv, buf, off, len);
  }
  close(): void {}
}

class JsF8 implements KeystreamPrimitive {
  readonly iv = new Uint8Array(16);
  private readonly f8: AesF8;
  constructor(key: Uint8Array, salt: Uint8Array) {
    this.f8 = new AesF8(key, salt);
  }
  xor(buf: Uint8Array, off: number, len: number): void {
    this.f8.xor(this.iv, buf, off, len);
  }
  close(): void {}
}

class JsHmac implements HmacPrimitive {
  readonly out = new Uint8Array(SHA1_DIGEST_LEN);
  private readonly h: HmacSha1;
  constructor(key: Uint8Array) {
    this.h = new HmacSha1(key);
  }
  mac(buf: Uint8Array, off: number, len: number, extra: number): void {
    this.h.mac(buf, off, len, extra, this.out, 0, SHA1_DIGEST_LEN);
  }
  close(): void {}
}

/** node:crypto (keyed ECB for the keystreams, one Cipher per GCM packet) and pure-JS HMAC-SHA1. */
export const jsPrimitives: SrtpPrimitives = {
  name: 'js',
  aesCm: (key) => new JsCm(key),
  aesF8: (key, salt) => new JsF8(key, salt),
  hmacSha1: (key) => new JsHmac(key),
  aesGcm: (key) => new JsGcm(key),
};
