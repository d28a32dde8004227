// SDES `a=crypto` attributes (RFC 4568 §9.1, https://www.rfc-editor.org/rfc/rfc4568#section-9.1):
//   a=crypto:<tag> <crypto-suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>] [<session-param> ...]
// parsed and written the way rtpengine 10.5 does: suite names case-insensitively, the key||salt must
// decode to exactly the suite's master key + salt length, session parameters are kept as tokens.

import { findSrtpSuite } from '../srtp/suites.js';

/**
 * The suites rtpengine 10.5 offers, in the order it writes them (strongest first; spec §4.5). The
 * RFC 4568 §6.2 names, AES-192/256 from RFC 6188 §7, GCM from RFC 7714 §14.2.
 */
export const SDES_OFFER_ORDER: readonly string[] = [
  'AEAD_AES_256_GCM', 'AEAD_AES_128_GCM',
  'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32',
  'AES_192_CM_HMAC_SHA1_80', 'AES_192_CM_HMAC_SHA1_32',
  'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32',
  'F8_128_HMAC_SHA1_80', 'F8_128_HMAC_SHA1_32',
  'NULL_HMAC_SHA1_80', 'NULL_HMAC_SHA1_32',
];

export interface SdesCrypto {
  tag: number;
  /** Canonical (upper-case) suite name as in protocol/srtp/suites.ts. */
  suite: string;
  /** Master key followed by master salt, exactly the suite's lengths. */
  keySalt: Buffer;
  /** `|<lifetime>` as written (e.g. `2^31`), if any. */
  lifetime?: string;
  /** `|<MKI value>:<MKI length>` (RFC 4568 §9.1 mki-value, mki-length in bytes), if any. */
  mki?: { value: number; length: number };
  unencryptedSrtp: boolean;
  unencryptedSrtcp: boolean;
  unauthenticatedSrtp: boolean;
  /** RFC 4568 §6.3.7 `KDR=<n>` (0: none). */
  kdr: number;
}

/** Why rtpengine ignores a line (its log text after "Failed to parse a=crypto attribute, ignoring: "). */
export type CryptoParseError = 'invalid \'tag\'' | 'unknown crypto suite' | 'invalid key parameter length' | 'invalid key parameter syntax';

/**
 * Parses the value after `a=crypto:`. Returns null when the line has fewer than three fields: rtpengine
 * does not treat that as a crypto attribute at all and copies it through. A line it rejects yields
 * `{error}` (dropped from the output, logged); otherwise the parsed attribute.
 */
export function parseCrypto(rest: string): SdesCrypto | { error: CryptoParseError } | null {
  const tok = rest.split(' ').filter((t) => t !== '');
  if (tok.length < 3) return null;
  if (!/^[0-9]{1,9}$/.test(tok[0]!)) return { error: 'invalid \'tag\'' };
  const suite = findSrtpSuite(tok[1]!);
  if (!suite) return { error: 'unknown crypto suite' };
  const kp = tok[2]!;
  if (!kp.startsWith('inline:')) return { error: 'invalid key parameter length' };
  const [b64, ...extra] = kp.slice('inline:'.length).split('|');
  const want = suite.masterKeyLen + suite.masterSaltLen;
  const keySalt = decodeBase64(b64!);
  if (!keySalt) return { error: 'invalid key parameter length' };
  if (keySalt.length !== want) return { error: keySalt.length > want ? 'invalid key parameter syntax' : 'invalid key parameter length' };
  const c: SdesCrypto = {
    tag: Number(tok[0]), suite: suite.name, keySalt,
    unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false, kdr: 0,
  };
  for (const e of extra) {
    const mki = /^([0-9]+):([0-9]+)$/.exec(e);
    if (mki) c.mki = { value: Number(mki[1]), length: Number(mki[2]) };
    else if (/^(2\^)?[0-9]+$/.test(e)) c.lifetime = e;
    else return { error: 'invalid key parameter syntax' };
  }
  if (c.mki && (c.mki.length < 1 || c.mki.length > 128)) return { error: 'invalid key parameter syntax' };
  for (const p of tok.slice(3)) {
    const up = p.toUpperCase();
    if (up === 'UNENCRYPTED_SRTP') c.unencryptedSrtp = true;
    else if (up === 'UNENCRYPTED_SRTCP') c.unencryptedSrtcp = true;
    else if (up === 'UNAUTHENTICATED_SRTP') c.unauthenticatedSrtp = true;
    else if (/^KDR=[0-9]+$/i.test(p)) c.kdr = Number(p.slice(4));
  }
  return c;
}

/** Base64 (RFC 4648 §4) with or without `=` padding; null if it is not base64. */
function decodeBase64(s: string): Buffer | null {
  const body = s.replace(/=+$/, '');
  if (body.length === 0 || !/^[A-Za-z0-9+/]+$/.test(body) || body.length % 4 === 1) return null;
  // Copied out of Buffer's shared pool: a kept key must not pin an 8 KB pool slab for the call's life.
  const pooled = Buffer.from(body, 'base64');
  const out = Buffer.alloc(pooled.length);
  pooled.copy(out);
  return out;
}

export interface CryptoWriteOptions {
  /** SDES-pad / pad-crypto: keep the `=` padding of the base64 key. */
  pad: boolean;
  /** SDES-lifetime: append `|2^31`. */
  lifetime: boolean;
}

/** The value after `a=crypto:` as rtpengine writes it (spec §4.4 item 7). */
export function formatCrypto(c: SdesCrypto, o: CryptoWriteOptions): string {
  let key = c.keySalt.toString('base64');
  if (!o.pad) key = key.replace(/=+$/, '');
  let s = `${c.tag} ${c.suite} inline:${key}`;
  if (o.lifetime) s += '|2^31';
  if (c.mki) s += `|${c.mki.value}:${c.mki.length}`;
  // RFC 4568 §6.3.1-§6.3.3 session parameters, in the order rtpengine writes them.
  if (c.unencryptedSrtp) s += ' UNENCRYPTED_SRTP';
  if (c.unencryptedSrtcp) s += ' UNENCRYPTED_SRTCP';
  if (c.unauthenticatedSrtp) s += ' UNAUTHENTICATED_SRTP';
  return s;
}

/** Master key + salt length of a suite (bytes of the inline key). */
export function keySaltLength(suite: string): number {
  const s = findSrtpSuite(suite);
  return s ? s.masterKeyLen + s.masterSaltLen : 0;
}

/** RFC 3711 §3.1 MKI field: the value big-endian in `length` bytes. */
export function mkiBytes(m: { value: number; length: number }): Uint8Array {
  const b = new Uint8Array(m.length);
  let v = m.value;
  for (let i = m.length - 1; i >= 0 && v > 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}
