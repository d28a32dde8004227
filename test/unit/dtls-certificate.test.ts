// The daemon's DTLS certificate and a=fingerprint values (RFC 4572 §5), checked against openssl's
// own fingerprint output for every hash rtpengine offers.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createCertificate, fingerprintMatches, fingerprintOf } from '../../daemon/dtls/certificate.js';
import { keyingMaterialLength, slotSrtpFromKeyingMaterial, srtpProfile } from '../../daemon/dtls/srtp-keys.js';

function opensslFingerprint(pem: string, alg: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtpe-fp-'));
  try {
    const f = join(dir, 'c.pem');
    writeFileSync(f, pem);
    const out = execFileSync('openssl', ['x509', '-in', f, '-noout', '-fingerprint', `-${alg}`]).toString();
    return out.trim().split('=')[1]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('DTLS certificate', () => {
  it('is a self-signed ECDSA P-256 certificate signed with SHA-256 by default', async () => {
    const c = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
    const cert = new X509Certificate(c.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.raw).toEqual(c.der);
    expect(new x509.X509Certificate(c.certPem).signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 86_400_000);
  });

  it('follows --dtls-cert-cipher=RSA, --dtls-rsa-key-size and --dtls-signature=SHA-1', async () => {
    const c = await createCertificate({ cipher: 'RSA', rsaKeySize: 1024, signature: 'SHA-1' });
    const cert = new X509Certificate(c.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(new x509.X509Certificate(c.certPem).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-1' } });
    expect(c.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('writes a=fingerprint as openssl computes it, for sha-1, sha-224, sha-256, sha-384 and sha-512', async () => {
    const c = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
    for (const [sdp, alg] of [['sha-1', 'sha1'], ['sha-224', 'sha224'], ['sha-256', 'sha256'], ['sha-384', 'sha384'], ['sha-512', 'sha512']] as const) {
      const fp = fingerprintOf(c.der, sdp);
      expect(fp).toBe(opensslFingerprint(c.certPem, alg));
      expect(fp).toMatch(/^([0-9A-F]{2}:)+[0-9A-F]{2}$/);
      expect(fingerprintOf(c.der, sdp.toUpperCase())).toBe(fp);
    }
    expect(() => fingerprintOf(c.der, 'md5')).toThrow(RangeError);
  });

  it('matches a peer fingerprint whatever its case, and nothing else', async () => {
    const c = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
    const fp = fingerprintOf(c.der, 'sha-256');
    expect(fingerprintMatches(c.der, 'sha-256', fp)).toBe(true);
    expect(fingerprintMatches(c.der, 'SHA-256', fp.toLowerCase())).toBe(true);
    expect(fingerprintMatches(c.der, 'sha-1', fp)).toBe(false);
    expect(fingerprintMatches(c.der, 'sha-256', fp.replace(/.$/, (x) => (x === '0' ? '1' : '0')))).toBe(false);
    expect(fingerprintMatches(c.der, 'md5', fp)).toBe(false);
    expect(fingerprintMatches(c.der, 'sha-256', '')).toBe(false);
  });
});

describe('DTLS-SRTP keying material (RFC 5764 §4.2)', () => {
  const material = Uint8Array.from({ length: 60 }, (_, i) => i);
  const p = srtpProfile(1)!;

  it('gives the client its client_write key and salt to send with, and the server the other pair', () => {
    expect(keyingMaterialLength(p)).toBe(60);
    const asClient = slotSrtpFromKeyingMaterial(p, material, true);
    expect([...asClient.tx!.key]).toEqual([...material.subarray(0, 16)]);
    expect([...asClient.rx!.key]).toEqual([...material.subarray(16, 32)]);
    expect([...asClient.tx!.salt]).toEqual([...material.subarray(32, 46)]);
    expect([...asClient.rx!.salt]).toEqual([...material.subarray(46, 60)]);
    const asServer = slotSrtpFromKeyingMaterial(p, material, false);
    expect(asServer.tx).toEqual(asClient.rx);
    expect(asServer.rx).toEqual(asClient.tx);
    expect(asServer.tx!.suite).toBe('AES_CM_128_HMAC_SHA1_80');
  });

  it('uses 12-byte salts for AEAD_AES_128_GCM and 32-byte keys for AEAD_AES_256_GCM', () => {
    const gcm = slotSrtpFromKeyingMaterial(srtpProfile(7)!, material, true);
    expect(gcm.tx!.salt.length).toBe(12);
    expect([...gcm.rx!.salt]).toEqual([...material.subarray(44, 56)]);
    expect(keyingMaterialLength(srtpProfile(8)!)).toBe(88);
    expect(() => slotSrtpFromKeyingMaterial(srtpProfile(8)!, material, true)).toThrow(RangeError);
    expect(srtpProfile(5)).toBeUndefined();
  });
});
