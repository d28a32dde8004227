/**
 * Builds the SrtpContext of one direction of one slot from the SrtpParams the main thread sent
 * (messages.ts). The one place that maps negotiated keying onto protocol/srtp's context options, so
 * the worker never knows which SDP or DTLS feature produced them.
 */
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import type { SrtpParams } from './messages.js';

export function createSrtpContext(p: SrtpParams): SrtpContext {
  return new SrtpContext(p.suite, p.key, p.salt, { unencryptedSrtcp: p.unencryptedSrtcp });
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
