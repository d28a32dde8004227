// SRTP key derivation, RFC 3711 §4.3 (https://www.rfc-editor.org/rfc/rfc3711#section-4.3), with
// the key derivation rate kdr = 0 (§4.3.1: "r = 0" for all packets, so keys are derived once).
// AES-192/256 master keys: RFC 6188 §3-4 (https://www.rfc-editor.org/rfc/rfc6188#section-4): the
// PRF is AES-CM keyed with the master key, of the master key's size.
//
//   key_id = label ‖ r            (r = index DIV kdr = 0, 48 bits)
//   x      = key_id XOR master_salt   (112 bits; label sits at bit 48, i.e. salt byte 7)
//   k      = PRF_n(k_master, x) = first n bits of AES-CM(k_master, IV = x · 2^16)

import { AesCm, SRTP_SALT_LEN } from './aes-cm.js';

/** §4.3.2 labels. */
export const LABEL_RTP_ENCRYPTION = 0x00;
export const LABEL_RTP_AUTH = 0x01;
export const LABEL_RTP_SALT = 0x02;
export const LABEL_RTCP_ENCRYPTION = 0x03;
export const LABEL_RTCP_AUTH = 0x04;
export const LABEL_RTCP_SALT = 0x05;

/** HMAC-SHA1 session authentication key length n_a = 160 bits (RFC 3711 §8.2). */
export const SRTP_AUTH_KEY_LEN = 20;

/** PRF_n(k_master, x) for one label (allocates; runs once per context). */
export function deriveKey(prf: AesCm, masterSalt: Uint8Array, label: number, len: number): Uint8Array {
  if (masterSalt.length !== SRTP_SALT_LEN) {
    throw new RangeError(`master salt must be ${SRTP_SALT_LEN} bytes, got ${masterSalt.length}`);
  }
  const iv = new Uint8Array(16);
  iv.set(masterSalt, 0);
  iv[7] ^= label;
  const out = new Uint8Array(len);
  prf.xor(iv, out, 0, len);
  return out;
}

export interface SrtpSessionKeys {
  rtpKey: Uint8Array;
  rtpAuthKey: Uint8Array;
  rtpSalt: Uint8Array;
  rtcpKey: Uint8Array;
  rtcpAuthKey: Uint8Array;
  rtcpSalt: Uint8Array;
}

/**
 * Derives the six session keys of §4.3.2 from a 16/24/32-byte master key and 14-byte master salt.
 * The session encryption keys have the master key's length (RFC 6188 §4).
 */
export function deriveSessionKeys(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  authKeyLen = SRTP_AUTH_KEY_LEN,
): SrtpSessionKeys {
  const prf = new AesCm(masterKey, 64);
  const n = masterKey.length;
  return {
    rtpKey: deriveKey(prf, masterSalt, LABEL_RTP_ENCRYPTION, n),
    rtpAuthKey: deriveKey(prf, masterSalt, LABEL_RTP_AUTH, authKeyLen),
    rtpSalt: deriveKey(prf, masterSalt, LABEL_RTP_SALT, SRTP_SALT_LEN),
    rtcpKey: deriveKey(prf, masterSalt, LABEL_RTCP_ENCRYPTION, n),
    rtcpAuthKey: deriveKey(prf, masterSalt, LABEL_RTCP_AUTH, authKeyLen),
    rtcpSalt: deriveKey(prf, masterSalt, LABEL_RTCP_SALT, SRTP_SALT_LEN),
  };
}

/** RFC 7714 §12: AEAD_AES_*_GCM master and session salt length (96 bits). */
export const GCM_MASTER_SALT_LEN = 12;

/**
 * Session keys for AEAD_AES_128_GCM / AEAD_AES_256_GCM: RFC 7714 §11 only says to use the AES_CM
 * PRF KDF of RFC 3711 (AES-256: RFC 6188) and does not say how its 96-bit master salt enters the
 * KDF's 112-bit one (reported as RFC 7714 Erratum 4938). We append 16 zero bits (salt ‖ 0x0000),
 * as libsrtp 2 does (srtp_stream_init_keys copies key ‖ salt into a zeroed buffer: "GCM mode uses
 * a shorter master SALT (96 bits), but still relies on the legacy CTR mode KDF"); right-aligning
 * the salt per RFC 3711 §4.3.1's wording would not interoperate. test/unit/srtp-oracle.test.ts
 * checks this byte-for-byte against libsrtp2. Session salts are 96 bits (the first 12 bytes of the
 * PRF output for the salt labels); no auth keys (the GCM tag authenticates).
 */
export function deriveGcmSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array): SrtpSessionKeys {
  if (masterSalt.length !== GCM_MASTER_SALT_LEN) {
    throw new RangeError(`GCM master salt must be ${GCM_MASTER_SALT_LEN} bytes, got ${masterSalt.length}`);
  }
  const padded = new Uint8Array(SRTP_SALT_LEN);
  padded.set(masterSalt, 0);
  const prf = new AesCm(masterKey, 64);
  const n = masterKey.length;
  return {
    rtpKey: deriveKey(prf, padded, LABEL_RTP_ENCRYPTION, n),
    rtpAuthKey: new Uint8Array(0),
    rtpSalt: deriveKey(prf, padded, LABEL_RTP_SALT, GCM_MASTER_SALT_LEN),
    rtcpKey: deriveKey(prf, padded, LABEL_RTCP_ENCRYPTION, n),
    rtcpAuthKey: new Uint8Array(0),
    rtcpSalt: deriveKey(prf, padded, LABEL_RTCP_SALT, GCM_MASTER_SALT_LEN),
  };
}
