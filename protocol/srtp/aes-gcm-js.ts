// AES-GCM seal/open on node:crypto: the JS fallback of the native GCM primitive (primitives.ts).
//
// Speed (shared/spec/deps.md §1): Node exposes GCM only through a Cipher object per IV, so each
// packet creates one cipher (createCipheriv / createDecipheriv, ~5 µs). The key is imported once
// as a KeyObject; update() and getAuthTag() return fresh Buffers that are copied into the packet.

import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { GcmPrimitive } from './primitives.js';

/** RFC 7714 §12: 96-bit IV. */
export const GCM_IV_LEN = 12;
/** RFC 7714 §12: 128-bit authentication tag (SRTP and SRTCP). */
export const GCM_TAG_LEN = 16;

type GcmAlgo = 'aes-128-gcm' | 'aes-256-gcm';

export class JsGcm implements GcmPrimitive {
  readonly iv = Buffer.alloc(GCM_IV_LEN);
  private readonly algo: GcmAlgo;
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length === 16) this.algo = 'aes-128-gcm';
    else if (key.length === 32) this.algo = 'aes-256-gcm';
    else throw new RangeError(`AES-GCM key must be 16 or 32 bytes, got ${key.length}`);
    this.key = createSecretKey(Uint8Array.from(key));
  }

  seal(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    ptOff: number, ptLen: number, tagOff: number): void {
    const c = createCipheriv(this.algo, this.key, this.iv, { authTagLength: GCM_TAG_LEN });
    c.setAAD(buf.subarray(aadOff, aadOff + aadLen));
    if (aad2Len > 0) c.setAAD(buf.subarray(aad2Off, aad2Off + aad2Len));
    if (ptLen > 0) buf.set(c.update(buf.subarray(ptOff, ptOff + ptLen)), ptOff);
    c.final();
    buf.set(c.getAuthTag(), tagOff);
  }

  open(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    ctOff: number, ctLen: number, tagOff: number): boolean {
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

  close(): void {}
}
