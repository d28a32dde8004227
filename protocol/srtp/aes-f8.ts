// AES in f8-mode, RFC 3711 §4.1.2 (https://www.rfc-editor.org/rfc/rfc3711#section-4.1.2), the
// cipher of F8_128_HMAC_SHA1_80/_32 (RFC 4568 §6.2.3). JS fallback of the native primitive
// (daemon/media/native/src/srtp_crypto.c); test vector RFC 3711 Appendix B.1.
//
//   m   = k_s ‖ 0x555..5            (the salt padded with 0x55 to the key length, §4.1.2.1)
//   IV' = E(k_e XOR m, IV)
//   S(-1) = 0;  S(j) = E(k_e, IV' XOR j XOR S(j-1))   (j a 128-bit counter)
//   keystream = S(0) ‖ S(1) ‖ ...
//
// Each block depends on the previous one, so the JS path runs one ECB update() per 16-byte block
// (each returns a fresh Buffer); F8 is a rarely negotiated suite and the native path has no such
// cost.

import { createCipheriv, type Cipher } from 'node:crypto';

function ecb(key: Uint8Array): Cipher {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return c;
}

export class AesF8 {
  private readonly ek: Cipher;
  private readonly emk: Cipher;
  private readonly x = new Uint8Array(16);

  /** `key` = session key k_e, `salt` = session salt k_s (at most as long as the key). */
  constructor(key: Uint8Array, salt: Uint8Array) {
    if (salt.length > key.length) throw new RangeError('f8 salt longer than the key');
    const km = new Uint8Array(key.length);
    for (let i = 0; i < key.length; i++) km[i] = key[i]! ^ (i < salt.length ? salt[i]! : 0x55);
    this.ek = ecb(key);
    this.emk = ecb(km);
    km.fill(0);
  }

  /** XORs `len` bytes of the f8 keystream for the 16-byte `iv` into buf[off..off+len), in place. */
  xor(iv: Uint8Array, buf: Uint8Array, off: number, len: number): void {
    if (len <= 0) return;
    const ivp = this.emk.update(iv);
    const x = this.x;
    let s: Uint8Array = new Uint8Array(16);
    for (let j = 0, p = 0; p < len; j++, p += 16) {
      for (let k = 0; k < 16; k++) x[k] = ivp[k]! ^ s[k]!;
      x[12] ^= j >>> 24;
      x[13] ^= j >>> 16;
      x[14] ^= j >>> 8;
      x[15] ^= j;
      s = this.ek.update(x);
      const n = len - p < 16 ? len - p : 16;
      for (let i = 0; i < n; i++) buf[off + p + i] ^= s[i]!;
    }
  }
}
