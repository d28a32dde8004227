/**
 * Builds the SrtpContext of one direction of one slot from the SrtpParams the main thread sent
 * (messages.ts). The one place that maps negotiated keying onto protocol/srtp's context options, so
 * the worker never knows which SDP or DTLS feature produced them, and the one place that picks the
 * crypto primitives: the native addon on Node's OpenSSL when it loads (srtp-native.ts), else the JS
 * ones; RTPENGINE_TS_SRTP=js forces JS (tests, bench).
 *
 * kdr: rtpengine 10.5 does not implement a key derivation rate either (an a=crypto KDR= session
 * parameter is accepted and ignored; keys are derived once, as with kdr = 0), so it is ignored here.
 */
import { jsPrimitives, type SrtpPrimitives } from '../../protocol/srtp/primitives.js';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import type { SrtpParams } from './messages.js';
import { loadNativeSrtpPrimitives } from './srtp-native.js';

let chosen: { primitives: SrtpPrimitives; error: string } | null = null;

/** The primitives this thread's contexts use, and why native is not used (empty if it is). */
export function srtpPrimitives(): { primitives: SrtpPrimitives; error: string } {
  if (chosen !== null) return chosen;
  if (process.env.RTPENGINE_TS_SRTP === 'js') {
    chosen = { primitives: jsPrimitives, error: 'RTPENGINE_TS_SRTP=js' };
  } else {
    const n = loadNativeSrtpPrimitives();
    chosen = { primitives: n.primitives ?? jsPrimitives, error: n.error };
  }
  return chosen;
}

/** A new context; the caller owns it and close()s it when the slot drops it. */
export function createSrtpContext(p: SrtpParams): SrtpContext {
  return new SrtpContext(p.suite, p.key, p.salt, {
    mki: p.mki,
    unencryptedSrtp: p.unencryptedSrtp,
    unencryptedSrtcp: p.unencryptedSrtcp,
    unauthenticatedSrtp: p.unauthenticatedSrtp,
    primitives: srtpPrimitives().primitives,
  });
}

/** Whether two params give the same context (a re-sent config keeps the context's ROC and replay state). */
export function sameSrtpParams(a: SrtpParams | null, b: SrtpParams | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.suite === b.suite && bytesEqual(a.key, b.key) && bytesEqual(a.salt, b.salt) &&
    bytesEqual(a.mki, b.mki) && a.kdr === b.kdr && a.unencryptedSrtp === b.unencryptedSrtp &&
    a.unencryptedSrtcp === b.unencryptedSrtcp && a.unauthenticatedSrtp === b.unauthenticatedSrtp;
}

function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
