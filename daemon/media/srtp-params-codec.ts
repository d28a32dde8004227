/**
 * SrtpParams (messages.ts) as they travel in a command-ring record (command-ring.ts CMD_SRTP): a
 * presence word, then the suite name, key, salt and MKI as byte strings (record-ring.ts bytes()) and
 * the numbers. Sent per signalling event that changes keys, never per packet.
 */
import type { SrtpParams } from './messages.js';
import { bytesWords, type RingReader, type RingWriter } from './record-ring.js';

const F_UNENCRYPTED_SRTP = 1;
const F_UNENCRYPTED_SRTCP = 2;
const F_UNAUTHENTICATED_SRTP = 4;

/** Words writeSrtpParams() takes for `p`. */
export function srtpParamsWords(p: SrtpParams | null): number {
  if (p === null) return 1;
  return 1 + bytesWords(p.suite.length) + bytesWords(p.key.length) + bytesWords(p.salt.length) +
    1 + (p.mki !== null ? bytesWords(p.mki.length) : 0) + 2;
}

export function writeSrtpParams(w: RingWriter, p: SrtpParams | null): void {
  if (p === null) {
    w.num(0);
    return;
  }
  w.num(1);
  w.bytes(Buffer.from(p.suite, 'latin1'));
  w.bytes(p.key);
  w.bytes(p.salt);
  w.num(p.mki !== null ? 1 : 0);
  if (p.mki !== null) w.bytes(p.mki);
  w.num(p.kdr);
  w.num((p.unencryptedSrtp ? F_UNENCRYPTED_SRTP : 0) | (p.unencryptedSrtcp ? F_UNENCRYPTED_SRTCP : 0) |
    (p.unauthenticatedSrtp ? F_UNAUTHENTICATED_SRTP : 0));
}

/** Reads what writeSrtpParams() wrote (fresh objects: commands are rare). */
export function readSrtpParams(r: RingReader): SrtpParams | null {
  if (r.num() !== 1) return null;
  const suite = r.bytes().toString('latin1');
  const key = new Uint8Array(r.bytes());
  const salt = new Uint8Array(r.bytes());
  const mki = r.num() === 1 ? new Uint8Array(r.bytes()) : null;
  const kdr = r.num();
  const f = r.num();
  return {
    suite, key, salt, mki, kdr,
    unencryptedSrtp: (f & F_UNENCRYPTED_SRTP) !== 0,
    unencryptedSrtcp: (f & F_UNENCRYPTED_SRTCP) !== 0,
    unauthenticatedSrtp: (f & F_UNAUTHENTICATED_SRTP) !== 0,
  };
}

/** A copy that later changes to `p`'s arrays cannot reach (what the sender remembers it sent). */
export function copySrtpParams(p: SrtpParams | null): SrtpParams | null {
  if (p === null) return null;
  return { ...p, key: p.key.slice(), salt: p.salt.slice(), mki: p.mki !== null ? p.mki.slice() : null };
}
