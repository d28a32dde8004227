// SRTP crypto suites as rtpengine 10.5 knows them (SDES a=crypto names, RFC 4568 §6.2
// https://www.rfc-editor.org/rfc/rfc4568#section-6.2; AES-192/256: RFC 6188 §5; AEAD GCM: RFC 7714
// §12 https://www.rfc-editor.org/rfc/rfc7714#section-12; F8: RFC 4568 §6.2.3 / RFC 3711 §4.1.2;
// NULL: RFC 4568 §6.2 lists no NULL suite, rtpengine adds NULL_HMAC_SHA1_80/_32 for testing).
// All lengths are in bytes. This table carries no order semantics (the order rtpengine offers
// suites in an SDP is the SDP layer's business).

export type SrtpCipher = 'aes-cm' | 'aes-f8' | 'aes-gcm' | 'null';

export interface SrtpSuite {
  /** The a=crypto suite name (case-insensitive on input, RFC 4568 §9.2). */
  readonly name: string;
  readonly cipher: SrtpCipher;
  readonly masterKeyLen: number;
  readonly masterSaltLen: number;
  /** Session encryption key length (0 for the NULL cipher). */
  readonly sessionKeyLen: number;
  /** Session salt length (0 for the NULL cipher). */
  readonly sessionSaltLen: number;
  /** HMAC-SHA1 session auth key length; 0 for AEAD suites (the GCM tag is the authentication). */
  readonly authKeyLen: number;
  /** SRTP authentication tag length. */
  readonly srtpTagLen: number;
  /** SRTCP authentication tag length: 10 even for the _32 suites (RFC 4568 §6.2.2). */
  readonly srtcpTagLen: number;
  /** Whether protocol/srtp/srtp-context.ts implements this suite now. */
  readonly implemented: boolean;
}

function hmacSuite(name: string, cipher: SrtpCipher, keyLen: number, tag: number, implemented: boolean): SrtpSuite {
  const isNull = cipher === 'null';
  return {
    name,
    cipher,
    masterKeyLen: keyLen,
    masterSaltLen: 14,
    sessionKeyLen: isNull ? 0 : keyLen,
    sessionSaltLen: isNull ? 0 : 14,
    authKeyLen: 20,
    srtpTagLen: tag,
    srtcpTagLen: 10,
    implemented,
  };
}

function gcmSuite(name: string, keyLen: number): SrtpSuite {
  // RFC 7714 §12: 96-bit salt, 128-bit tag for both SRTP and SRTCP.
  return {
    name,
    cipher: 'aes-gcm',
    masterKeyLen: keyLen,
    masterSaltLen: 12,
    sessionKeyLen: keyLen,
    sessionSaltLen: 12,
    authKeyLen: 0,
    srtpTagLen: 16,
    srtcpTagLen: 16,
    implemented: true,
  };
}

export const SRTP_SUITES: readonly SrtpSuite[] = [
  hmacSuite('AES_CM_128_HMAC_SHA1_80', 'aes-cm', 16, 10, true),
  hmacSuite('AES_CM_128_HMAC_SHA1_32', 'aes-cm', 16, 4, true),
  hmacSuite('AES_192_CM_HMAC_SHA1_80', 'aes-cm', 24, 10, true),
  hmacSuite('AES_192_CM_HMAC_SHA1_32', 'aes-cm', 24, 4, true),
  hmacSuite('AES_256_CM_HMAC_SHA1_80', 'aes-cm', 32, 10, true),
  hmacSuite('AES_256_CM_HMAC_SHA1_32', 'aes-cm', 32, 4, true),
  gcmSuite('AEAD_AES_128_GCM', 16),
  gcmSuite('AEAD_AES_256_GCM', 32),
  hmacSuite('F8_128_HMAC_SHA1_80', 'aes-f8', 16, 10, true),
  hmacSuite('F8_128_HMAC_SHA1_32', 'aes-f8', 16, 4, true),
  hmacSuite('NULL_HMAC_SHA1_80', 'null', 16, 10, true),
  hmacSuite('NULL_HMAC_SHA1_32', 'null', 16, 4, true),
];

const byName = new Map<string, SrtpSuite>(SRTP_SUITES.map((s) => [s.name, s]));

/** Suite by a=crypto name, case-insensitively (RFC 4568 §9.2); undefined if unknown. */
export function findSrtpSuite(name: string): SrtpSuite | undefined {
  return byName.get(name.toUpperCase());
}
