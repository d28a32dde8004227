/**
 * DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and the split of the exported
 * keying material into the SRTP master keys of both directions (RFC 5764 §4.2).
 */
import type { SlotSrtp, SrtpParams } from '../media/messages.js';

export interface SrtpProfile {
  /** The use_srtp profile number (IANA "DTLS-SRTP Protection Profiles"). */
  id: number;
  /** The SRTP suite name as in protocol/srtp/suites.ts. */
  suite: string;
  keyLen: number;
  saltLen: number;
}

/** Profiles offered and accepted, in order of preference (as a server we pick the first the client offers). */
export const SRTP_PROFILES: readonly SrtpProfile[] = [
  { id: 0x0001, suite: 'AES_CM_128_HMAC_SHA1_80', keyLen: 16, saltLen: 14 },
  { id: 0x0002, suite: 'AES_CM_128_HMAC_SHA1_32', keyLen: 16, saltLen: 14 },
  { id: 0x0007, suite: 'AEAD_AES_128_GCM', keyLen: 16, saltLen: 12 },
  { id: 0x0008, suite: 'AEAD_AES_256_GCM', keyLen: 32, saltLen: 12 },
];

export function srtpProfile(id: number): SrtpProfile | undefined {
  return SRTP_PROFILES.find((p) => p.id === id);
}

/** RFC 5764 §4.2: the exporter label and how many bytes of keying material a profile needs. */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export function keyingMaterialLength(p: SrtpProfile): number {
  return 2 * (p.keyLen + p.saltLen);
}

/**
 * RFC 5764 §4.2: the material is client_write_key | server_write_key | client_write_salt |
 * server_write_salt. The client protects what it sends with the client_write pair, so on our slot
 * `tx` (what we send) takes our side's pair and `rx` (what the peer sends) the peer's.
 */
export function slotSrtpFromKeyingMaterial(p: SrtpProfile, material: Uint8Array, weAreClient: boolean): SlotSrtp {
  if (material.length < keyingMaterialLength(p)) throw new RangeError('DTLS-SRTP keying material too short');
  const k = p.keyLen, s = p.saltLen;
  const clientKey = material.slice(0, k);
  const serverKey = material.slice(k, 2 * k);
  const clientSalt = material.slice(2 * k, 2 * k + s);
  const serverSalt = material.slice(2 * k + s, 2 * k + 2 * s);
  const params = (key: Uint8Array, salt: Uint8Array): SrtpParams => ({
    suite: p.suite, key, salt, mki: null, kdr: 0,
    unencryptedSrtp: false, unencryptedSrtcp: false, unauthenticatedSrtp: false,
  });
  const client = params(clientKey, clientSalt);
  const server = params(serverKey, serverSalt);
  return weAreClient ? { rx: server, tx: client } : { rx: client, tx: server };
}
