// The DTLS-SRTP attributes of an SDP (RFC 5763 §5): `a=setup` (RFC 4145 §4,
// https://www.rfc-editor.org/rfc/rfc4145#section-4) and `a=fingerprint` (RFC 8122 §5,
// https://www.rfc-editor.org/rfc/rfc8122#section-5). Both may appear at session or media level; the
// media level wins.

export type SetupRole = 'active' | 'passive' | 'actpass' | 'holdconn';

const ROLES: ReadonlySet<string> = new Set(['active', 'passive', 'actpass', 'holdconn']);

/** `a=setup:<role>`; undefined for anything else. */
export function parseSetup(rest: string | undefined): SetupRole | undefined {
  const v = rest?.trim().toLowerCase();
  return v !== undefined && ROLES.has(v) ? (v as SetupRole) : undefined;
}

/** The hash functions rtpengine 10.5 knows for `a=fingerprint` and `DTLS-fingerprint=`. */
export const FINGERPRINT_HASHES: readonly string[] = ['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'];

export interface Fingerprint {
  /** Hash function name, lower case (`sha-256`). */
  hash: string;
  /** Upper-case hex pairs separated by colons, as written. */
  value: string;
}

/** `a=fingerprint:<hash-func> <XX:XX:...>`; undefined when malformed or the hash is unknown. */
export function parseFingerprint(rest: string | undefined): Fingerprint | undefined {
  if (rest === undefined) return undefined;
  const tok = rest.split(' ').filter((t) => t !== '');
  if (tok.length !== 2) return undefined;
  const hash = tok[0]!.toLowerCase();
  if (!FINGERPRINT_HASHES.includes(hash)) return undefined;
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(tok[1]!)) return undefined;
  return { hash, value: tok[1]!.toUpperCase() };
}
