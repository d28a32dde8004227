/**
 * The SRTP primitives (protocol/srtp/primitives.ts) on Node's own OpenSSL, through the optional
 * native addon (native/src/srtp_crypto.c: one keyed OpenSSL context per session key, in-place calls
 * taking (buffer, offset, length) numbers, nothing allocated per packet). Several times faster per
 * packet than the JS primitives (bench/srtp-crypto-bench.ts). loadNativeSrtpPrimitives() returns
 * null with the reason when the addon is not built or does not load; callers then use the JS ones.
 */
import { createRequire } from 'node:module';
import type {
  GcmPrimitive,
  HmacPrimitive,
  KeystreamPrimitive,
  SrtpPrimitives,
} from '../../protocol/srtp/primitives.js';

type Handle = object;

/**
 * The addon's interface (native/src/srtp_crypto.c). The *New calls return the handle that owns the
 * native state (free() or its GC finalizer releases it); per-packet calls take its slotOf() number.
 */
interface SrtpNative {
  ctrNew(key: Uint8Array, iv: Uint8Array): Handle;
  ctrXor(slot: number, buf: Uint8Array, off: number, len: number): void;
  f8New(key: Uint8Array, salt: Uint8Array, iv: Uint8Array): Handle;
  f8Xor(slot: number, buf: Uint8Array, off: number, len: number): void;
  hmacNew(key: Uint8Array, out: Uint8Array): Handle;
  hmacMac(slot: number, buf: Uint8Array, off: number, len: number, extra: number): void;
  gcmNew(key: Uint8Array, iv: Uint8Array): Handle;
  gcmSeal(slot: number, buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): void;
  gcmOpen(slot: number, buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): boolean;
  free(h: Handle): void;
  slotOf(h: Handle): number;
}

/**
 * Owns one native handle; close() frees it once (the GC finalizer covers a forgotten close). Calls
 * use `s`, the handle's slot number (-1 after close: the addon then throws rather than act).
 */
abstract class NativePrim {
  protected s: number;
  constructor(protected readonly n: SrtpNative, private readonly h: Handle) {
    this.s = n.slotOf(h);
  }
  close(): void {
    if (this.s < 0) return;
    this.s = -1;
    this.n.free(this.h);
  }
}

class NativeCm extends NativePrim implements KeystreamPrimitive {
  constructor(n: SrtpNative, readonly iv: Uint8Array, key: Uint8Array) {
    super(n, n.ctrNew(key, iv));
  }
  xor(buf: Uint8Array, off: number, len: number): void {
    this.n.ctrXor(this.s, buf, off, len);
  }
}

class NativeF8 extends NativePrim implements KeystreamPrimitive {
  constructor(n: SrtpNative, readonly iv: Uint8Array, key: Uint8Array, salt: Uint8Array) {
    super(n, n.f8New(key, salt, iv));
  }
  xor(buf: Uint8Array, off: number, len: number): void {
    this.n.f8Xor(this.s, buf, off, len);
  }
}

class NativeHmac extends NativePrim implements HmacPrimitive {
  constructor(n: SrtpNative, readonly out: Uint8Array, key: Uint8Array) {
    super(n, n.hmacNew(key, out));
  }
  mac(buf: Uint8Array, off: number, len: number, extra: number): void {
    this.n.hmacMac(this.s, buf, off, len, extra);
  }
}

class NativeGcm extends NativePrim implements GcmPrimitive {
  constructor(n: SrtpNative, readonly iv: Uint8Array, key: Uint8Array) {
    super(n, n.gcmNew(key, iv));
  }
  seal(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): void {
    this.n.gcmSeal(this.s, buf, aadOff, aadLen, aad2Off, aad2Len, txtOff, txtLen, tagOff);
  }
  open(buf: Uint8Array, aadOff: number, aadLen: number, aad2Off: number, aad2Len: number,
    txtOff: number, txtLen: number, tagOff: number): boolean {
    return this.n.gcmOpen(this.s, buf, aadOff, aadLen, aad2Off, aad2Len, txtOff, txtLen, tagOff);
  }
}

function primitivesOf(n: SrtpNative): SrtpPrimitives {
  return {
    name: 'native',
    aesCm: (key) => new NativeCm(n, new Uint8Array(16), key),
    aesF8: (key, salt) => new NativeF8(n, new Uint8Array(16), key, salt),
    hmacSha1: (key) => new NativeHmac(n, new Uint8Array(20), key),
    aesGcm: (key) => new NativeGcm(n, new Uint8Array(12), key),
  };
}

let cached: { primitives: SrtpPrimitives | null; error: string } | null = null;

/**
 * The native primitives of this thread (the addon loads once per thread), or null and why not:
 * the package's build, else the source tree's when run from .ts (as media/io.ts finds batch_io).
 */
export function loadNativeSrtpPrimitives(): { primitives: SrtpPrimitives | null; error: string } {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  let error = '';
  for (const id of [
    '../../../daemon/media/native/srtp.cjs',
    './native/srtp.cjs',
  ]) {
    try {
      const n = require(id) as SrtpNative;
      selfTest(n);
      cached = { primitives: primitivesOf(n), error: '' };
      return cached;
    } catch (e) {
      // The first failure is the telling one (the installed package's, e.g. the .node missing).
      if (error === '') error = (e as Error).message.split('\n')[0]!;
    }
  }
  cached = { primitives: null, error };
  return cached;
}

/**
 * RFC 3711 Appendix B.2's first AES-CM keystream block and RFC 2202 §3 test case 2 (HMAC-SHA1), so
 * that an addon built against mismatching OpenSSL headers is refused rather than used.
 */
function selfTest(n: SrtpNative): void {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  const iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
  const ctr = n.ctrNew(hex('2b7e151628aed2a6abf7158809cf4f3c'), iv);
  const ks = new Uint8Array(16);
  n.ctrXor(n.slotOf(ctr), ks, 0, 16);
  n.free(ctr);
  const out = new Uint8Array(20);
  const mac = n.hmacNew(Buffer.from('Jefe'), out);
  const msg = Buffer.from('what do ya want for nothing?');
  n.hmacMac(n.slotOf(mac), msg, 0, msg.length, -1);
  n.free(mac);
  if (Buffer.from(ks).toString('hex') !== 'e03ead0935c95e80e166b16dd92b4eb4' ||
    Buffer.from(out).toString('hex') !== 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79') {
    throw new Error('srtp_crypto addon failed its self-test');
  }
}
