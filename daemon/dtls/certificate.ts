/**
 * The daemon's DTLS certificate (RFC 5763 §5: a self-signed certificate whose fingerprint goes into
 * SDP), made once at start-up as rtpengine does: an ECDSA prime256v1 key by default or an RSA key of
 * --dtls-rsa-key-size bits (--dtls-cert-cipher), self-signed with SHA-256 or SHA-1 (--dtls-signature).
 */
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type CertCipher = 'prime256v1' | 'RSA';
export type CertSignature = 'SHA-256' | 'SHA-1';

export interface CertificateOptions {
  cipher: CertCipher;
  rsaKeySize: number;
  signature: CertSignature;
}

export interface DtlsCertificate {
  certPem: string;
  /** PKCS#8 private key. */
  keyPem: string;
  /** The certificate as DER: what a=fingerprint hashes (RFC 4572 §5). */
  der: Buffer;
  cipher: CertCipher;
}

/** The hash functions rtpengine 10.5 writes and accepts in a=fingerprint, by SDP name. */
export const FINGERPRINT_HASHES: ReadonlyMap<string, string> = new Map([
  ['sha-1', 'sha1'], ['sha-224', 'sha224'], ['sha-256', 'sha256'], ['sha-384', 'sha384'], ['sha-512', 'sha512'],
]);

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export async function createCertificate(o: CertificateOptions): Promise<DtlsCertificate> {
  const hash = o.signature;
  const alg = o.cipher === 'RSA'
    ? { name: 'RSASSA-PKCS1-v1_5', hash, publicExponent: new Uint8Array([1, 0, 1]), modulusLength: o.rsaKeySize }
    : { name: 'ECDSA', hash, namedCurve: 'P-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7'),
    name: 'CN=rtpengine-ts',
    // As rtpengine: valid from a day ago (clock skew between peers), for 30 days.
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const certPem = cert.toString('pem');
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  return { certPem, keyPem, der: new X509Certificate(certPem).raw, cipher: o.cipher };
}

/**
 * An a=fingerprint value (RFC 4572 §5): the hash of the DER certificate as upper-case hex bytes
 * joined by colons. `hash` is the SDP name (sha-1 … sha-512, any case); throws for another.
 */
export function fingerprintOf(der: Uint8Array, hash: string): string {
  const alg = FINGERPRINT_HASHES.get(hash.toLowerCase());
  if (alg === undefined) throw new RangeError(`unknown fingerprint hash '${hash}'`);
  const hex = createHash(alg).update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/**
 * Whether `der` matches an a=fingerprint the peer announced: same hash, same bytes (the value's case
 * and the colons do not matter). False for an unknown hash function or a malformed value.
 */
export function fingerprintMatches(der: Uint8Array, hash: string, value: string): boolean {
  if (!FINGERPRINT_HASHES.has(hash.toLowerCase())) return false;
  const want = value.trim().toUpperCase();
  return fingerprintOf(der, hash) === want;
}
