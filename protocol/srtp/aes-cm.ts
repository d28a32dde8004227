// AES in Counter Mode (AES-CM) as SRTP uses it.
//
// RFC 3711 §4.1.1 (https://www.rfc-editor.org/rfc/rfc3711#section-4.1.1): the keystream is
//   E(k_e, IV) ‖ E(k_e, IV + 1 mod 2^128) ‖ E(k_e, IV + 2 mod 2^128) ‖ ...
// with IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), i the 48-bit packet index.
// RFC 6188 §3 (https://www.rfc-editor.org/rfc/rfc6188#section-3) uses the same construction with
// 192- and 256-bit AES keys and the same 112-bit salt.
//
// Speed (shared/spec/deps.md §1): createCipheriv per packet costs ~3 µs, so each AesCm owns ONE keyed
// 'aes-N-ecb' Cipher, created once, and the counter blocks of a packet are encrypted with a single
// update() call. Counter blocks are written into a buffer owned by the instance. Node's
// Cipher.update() always returns a fresh Buffer; that is the only allocation per call, and no API
// lets OpenSSL write into a caller's buffer.

import { createCipheriv, type Cipher } from 'node:crypto';

export const AES_BLOCK_LEN = 16;
/** SRTP session salt length, 112 bits (RFC 3711 §4.1.1, RFC 6188 §3). */
export const SRTP_SALT_LEN = 14;

function ecbName(keyLen: number): string {
  switch (keyLen) {
    case 16:
      return 'aes-128-ecb';
    case 24:
      return 'aes-192-ecb';
    case 32:
      return 'aes-256-ecb';
    default:
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${keyLen}`);
  }
}

/** One keyed AES block cipher used as a counter-mode keystream generator. */
export class AesCm {
  private readonly ecb: Cipher;
  /** Counter blocks of the current call; grows (rarely) to the largest request seen. */
  private ctr: Buffer;

  constructor(key: Uint8Array, initialBytes = 2048) {
    this.ecb = createCipheriv(ecbName(key.length), key, null);
    this.ecb.setAutoPadding(false);
    this.ctr = Buffer.alloc(roundUp(initialBytes));
  }

  /**
   * XORs `len` bytes of keystream starting at counter block `iv` (16 bytes, its last two bytes the
   * block counter, normally 0) into buf[off..off+len), in place. The block counter is added to the
   * low 16 bits of the IV; an SRTP packet needs far fewer than 2^16 blocks (RFC 3711 §4.1.1 caps a
   * keystream segment at 2^16 blocks). Encryption and decryption are the same operation.
   */
  xor(iv: Uint8Array, buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    const ks = this.keystream(iv, len);
    for (let i = 0; i < len; i++) buf[off + i] ^= ks[i]!;
  }

  /**
   * The first `len` bytes of keystream for `iv` (a Buffer that may be longer than `len`; it is
   * Node's output of update() and is valid until the caller drops it).
   */
  keystream(iv: Uint8Array, len: number): Buffer {
    const blocks = Math.ceil(len / AES_BLOCK_LEN);
    if (blocks > 0x10000) throw new RangeError('AES-CM keystream segment longer than 2^16 blocks');
    const n = blocks * AES_BLOCK_LEN;
    if (this.ctr.length < n) this.ctr = Buffer.alloc(roundUp(n));
    const ctr = this.ctr;
    // IV + j for j < 2^16: the addition carries out of the low 16 bits only when the IV's low 16
    // bits are non-zero (never in SRTP, where they are 0 by construction); handle it anyway.
    const base = (iv[14]! << 8) | iv[15]!;
    for (let j = 0, p = 0; j < blocks; j++, p += AES_BLOCK_LEN) {
      for (let k = 0; k < 14; k++) ctr[p + k] = iv[k]!;
      const c = base + j;
      ctr[p + 15] = c & 0xff;
      ctr[p + 14] = (c >>> 8) & 0xff;
      if (c > 0xffff) {
        // Carry into byte 13 and up (128-bit wrap-around).
        for (let k = 13; k >= 0; k--) {
          const v = (ctr[p + k]! + 1) & 0xff;
          ctr[p + k] = v;
          if (v !== 0) break;
        }
      }
    }
    return this.ecb.update(ctr.subarray(0, n));
  }
}

function roundUp(n: number): number {
  return Math.ceil(Math.max(n, AES_BLOCK_LEN) / AES_BLOCK_LEN) * AES_BLOCK_LEN;
}

/**
 * Writes the SRTP/SRTCP AES-CM IV (RFC 3711 §4.1.1) into iv[0..16):
 *   IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16)
 * `salt` is the 14-byte session salt k_s; `indexHi` is the top 16 bits of the 48-bit index (the
 * ROC's high half for SRTP) and `indexLo` its low 32 bits. For SRTP, index = ROC · 2^16 + SEQ, so
 * indexHi = ROC >>> 16 and indexLo = ((ROC & 0xffff) << 16) | SEQ; for SRTCP (§4.1.1, §3.4) the
 * index is the 31-bit SRTCP index (indexHi = 0).
 */
export function srtpIv(
  iv: Uint8Array,
  salt: Uint8Array,
  ssrc: number,
  indexHi: number,
  indexLo: number,
): void {
  for (let k = 0; k < 14; k++) iv[k] = salt[k]!;
  iv[14] = 0;
  iv[15] = 0;
  // SSRC · 2^64: bytes 4..7 of the 16-byte block.
  iv[4] ^= ssrc >>> 24;
  iv[5] ^= ssrc >>> 16;
  iv[6] ^= ssrc >>> 8;
  iv[7] ^= ssrc;
  // index · 2^16: the 48-bit index lands in bytes 8..13.
  iv[8] ^= indexHi >>> 8;
  iv[9] ^= indexHi;
  iv[10] ^= indexLo >>> 24;
  iv[11] ^= indexLo >>> 16;
  iv[12] ^= indexLo >>> 8;
  iv[13] ^= indexLo;
}
