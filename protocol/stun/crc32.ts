// CRC-32 as STUN's FINGERPRINT uses it (RFC 5389 §15.5: "the CRC-32 of the STUN message ... as
// defined in ITU V.42", the reflected polynomial 0xEDB88320 of ISO 3309 / RFC 1952 §8).

const TABLE = ((): Int32Array => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of b[off, off+len), as an unsigned 32-bit number. */
export function crc32(b: Uint8Array, off: number, len: number): number {
  let c = -1;
  for (let i = off, end = off + len; i < end; i++) c = TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
