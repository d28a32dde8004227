// HMAC-SHA1 for SRTP/SRTCP authentication, in pure JS with zero allocation per call.
//
// SHA-1:  FIPS 180-4 §6.1 (https://nvlpubs.nist.gov/nistpubs/FIPS/NIST.FIPS.180-4.pdf)
// HMAC:   RFC 2104 §2 (https://www.rfc-editor.org/rfc/rfc2104#section-2)
// Use:    RFC 3711 §4.2 (https://www.rfc-editor.org/rfc/rfc3711#section-4.2): the SRTP tag is
//         HMAC-SHA1(k_a, authenticated portion || ROC), truncated to n_tag bits.
//
// Why not node:crypto: createHmac() costs ~3 µs per packet (object creation in Node/OpenSSL), this
// path ~1.7 µs for 176 B (shared/spec/deps.md §1). The key-dependent part of HMAC — one compression
// of (K XOR ipad) and one of (K XOR opad) — is done once in the constructor; each mac() call
// resumes from those two midstates.

/** SHA-1 digest length in bytes. */
export const SHA1_DIGEST_LEN = 20;
/** SHA-1 block length in bytes. */
export const SHA1_BLOCK_LEN = 64;

// FIPS 180-4 §5.3.1: initial hash value H(0).
const H0 = 0x67452301 | 0;
const H1 = 0xefcdab89 | 0;
const H2 = 0x98badcfe | 0;
const H3 = 0x10325476 | 0;
const H4 = 0xc3d2e1f0 | 0;

/**
 * One SHA-1 compression (FIPS 180-4 §6.1.2 step 1-4) of the 64-byte block at b[p..p+64) into
 * `st` (5 words). `w` is an 80-word scratch schedule.
 */
function compress(st: Int32Array, b: Uint8Array, p: number, w: Int32Array): void {
  for (let t = 0; t < 16; t++, p += 4) {
    w[t] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = st[0]!;
  let bb = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let e = st[4]!;
  let t = 0;
  // §4.1.1 f_t and §4.2.1 K_t for the four rounds of 20.
  for (; t < 20; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((bb & c) | (~bb & d)) + e + 0x5a827999 + w[t]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = tmp;
  }
  for (; t < 40; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = tmp;
  }
  for (; t < 60; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((bb & c) | (bb & d) | (c & d)) + e + 0x8f1bbcdc + w[t]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = tmp;
  }
  for (; t < 80; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0xca62c1d6 + w[t]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = tmp;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + bb) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  st[4] = (st[4]! + e) | 0;
}

function writeBe32(out: Uint8Array, p: number, v: number): void {
  out[p] = v >>> 24;
  out[p + 1] = v >>> 16;
  out[p + 2] = v >>> 8;
  out[p + 3] = v;
}

/**
 * Hashes data[off..off+len) ‖ (extra as big-endian u32 when extra >= 0) into `st`, which holds the
 * state after `prefixLen` bytes already hashed (a multiple of 64), then applies the final padding
 * (FIPS 180-4 §5.1.1: 0x80, zeros, 64-bit big-endian bit length). `tail` is a 128-byte scratch.
 */
function finish(
  st: Int32Array,
  prefixLen: number,
  data: Uint8Array,
  off: number,
  len: number,
  extra: number,
  tail: Uint8Array,
  w: Int32Array,
): void {
  let p = off;
  const end = off + len;
  while (end - p >= SHA1_BLOCK_LEN) {
    compress(st, data, p, w);
    p += SHA1_BLOCK_LEN;
  }
  let n = end - p;
  for (let i = 0; i < n; i++) tail[i] = data[p + i]!;
  let total = prefixLen + len;
  if (extra >= 0) {
    writeBe32(tail, n, extra);
    n += 4;
    total += 4;
  }
  // n <= 67 here; the padding needs 1 + 8 bytes after the message.
  tail[n++] = 0x80;
  const blocks = n + 8 <= SHA1_BLOCK_LEN ? 1 : 2;
  const lenPos = blocks * SHA1_BLOCK_LEN - 8;
  tail.fill(0, n, lenPos);
  // Bit length as a 64-bit big-endian integer; messages here are far below 2^32 bytes.
  const bitsHi = Math.floor(total / 0x20000000);
  const bitsLo = (total * 8) >>> 0;
  writeBe32(tail, lenPos, bitsHi);
  writeBe32(tail, lenPos + 4, bitsLo);
  compress(st, tail, 0, w);
  if (blocks === 2) compress(st, tail, SHA1_BLOCK_LEN, w);
}

function initState(st: Int32Array): void {
  st[0] = H0;
  st[1] = H1;
  st[2] = H2;
  st[3] = H3;
  st[4] = H4;
}

/** Plain SHA-1 of bytes (allocates; used for over-long HMAC keys and tests). */
export function sha1(data: Uint8Array): Uint8Array {
  const st = new Int32Array(5);
  initState(st);
  finish(st, 0, data, 0, data.length, -1, new Uint8Array(2 * SHA1_BLOCK_LEN), new Int32Array(80));
  const out = new Uint8Array(SHA1_DIGEST_LEN);
  for (let i = 0; i < 5; i++) writeBe32(out, 4 * i, st[i]!);
  return out;
}

/**
 * HMAC-SHA1 keyed once (RFC 2104). mac() allocates nothing: the ipad/opad midstates, the working
 * state, the message schedule and the tail block all belong to the instance. Not reentrant (one
 * instance per SRTP context; JS is single-threaded).
 */
export class HmacSha1 {
  private readonly inner = new Int32Array(5);
  private readonly outer = new Int32Array(5);
  private readonly st = new Int32Array(5);
  private readonly w = new Int32Array(80);
  private readonly tail = new Uint8Array(2 * SHA1_BLOCK_LEN);
  private readonly digest = new Uint8Array(SHA1_DIGEST_LEN);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: keys longer than B = 64 bytes are first hashed; shorter ones are zero-padded.
    const k = key.length > SHA1_BLOCK_LEN ? sha1(key) : key;
    const block = new Uint8Array(SHA1_BLOCK_LEN);
    for (let i = 0; i < SHA1_BLOCK_LEN; i++) block[i] = (k[i] ?? 0) ^ 0x36;
    initState(this.inner);
    compress(this.inner, block, 0, this.w);
    for (let i = 0; i < SHA1_BLOCK_LEN; i++) block[i] = (k[i] ?? 0) ^ 0x5c;
    initState(this.outer);
    compress(this.outer, block, 0, this.w);
    block.fill(0);
  }

  /**
   * HMAC-SHA1(key, data[off..off+len) ‖ extra) where `extra`, when >= 0, is appended as a
   * big-endian u32 (the SRTP ROC, RFC 3711 §4.2; pass -1 for none, e.g. SRTCP whose index is part
   * of the packet). Writes the first `outLen` (<= 20) bytes of the MAC to out[outOff..].
   */
  mac(
    data: Uint8Array,
    off: number,
    len: number,
    extra: number,
    out: Uint8Array,
    outOff: number,
    outLen: number = SHA1_DIGEST_LEN,
  ): void {
    const st = this.st;
    const w = this.w;
    // Inner hash: H((K ^ ipad) ‖ text), resumed after the first block.
    st.set(this.inner);
    finish(st, SHA1_BLOCK_LEN, data, off, len, extra >= 0 ? extra >>> 0 : -1, this.tail, w);
    const d = this.digest;
    for (let i = 0; i < 5; i++) writeBe32(d, 4 * i, st[i]!);
    // Outer hash: H((K ^ opad) ‖ inner digest).
    st.set(this.outer);
    finish(st, SHA1_BLOCK_LEN, d, 0, SHA1_DIGEST_LEN, -1, this.tail, w);
    const n = outLen < SHA1_DIGEST_LEN ? outLen : SHA1_DIGEST_LEN;
    for (let i = 0; i < n; i++) out[outOff + i] = (st[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
  }
}
