/**
 * a=crypto (RFC 4568 §9.1), a=setup (RFC 4145 §4), a=fingerprint (RFC 8122 §5) parsing and writing,
 * and the SDES / OSRTP / DTLS ng options. Rejection reasons are those rtpengine 10.5 logs for the
 * same lines ("Failed to parse a=crypto attribute, ignoring: ...").
 */
import { describe, expect, it } from 'vitest';
import { formatCrypto, parseCrypto, type SdesCrypto } from '../../protocol/sdp/crypto.js';
import { parseFingerprint, parseSetup } from '../../protocol/sdp/dtls-attrs.js';
import { parseSdp } from '../../protocol/sdp/parse.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import type { BDict } from '../../protocol/ng/bencode.js';

const K80 = 'F9xPLNPCky20Ew3f2vfbXcsaudaQXMheNenExLiM';

function ok(rest: string): SdesCrypto {
  const c = parseCrypto(rest);
  if (!c || 'error' in c) throw new Error(`not parsed: ${rest}`);
  return c;
}

describe('parseCrypto', () => {
  it('reads tag, suite (any case), key||salt, lifetime, MKI and session parameters', () => {
    const c = ok(`6 aes_cm_128_hmac_sha1_32 inline:${K80}|2^20|1:4 UNENCRYPTED_SRTCP kdr=3 FEC_ORDER=FEC_SRTP`);
    expect(c.tag).toBe(6);
    expect(c.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(c.keySalt).toEqual(Buffer.from(K80, 'base64'));
    expect(c.lifetime).toBe('2^20');
    expect(c.mki).toEqual({ value: 1, length: 4 });
    expect([c.unencryptedSrtp, c.unencryptedSrtcp, c.unauthenticatedSrtp, c.kdr]).toEqual([false, true, false, 3]);
  });

  it('takes the key with or without base64 padding', () => {
    expect(ok(`1 AES_CM_128_HMAC_SHA1_80 inline:${K80}=`).keySalt).toEqual(ok(`1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`).keySalt);
    expect(ok('1 AEAD_AES_128_GCM inline:NB/37GRYLPZd0cMgp6UjWleHQxH5Hb/6aXY6Uw==').keySalt).toHaveLength(28);
  });

  it('is not a crypto attribute below three fields (copied through by the rewriter)', () => {
    expect(parseCrypto('1 AES_CM_128_HMAC_SHA1_80')).toBeNull();
    expect(parseCrypto('')).toBeNull();
  });

  it('rejects what rtpengine rejects, with its reason', () => {
    expect(parseCrypto(`x AES_CM_128_HMAC_SHA1_80 inline:${K80}`)).toEqual({ error: 'invalid \'tag\'' });
    expect(parseCrypto(`1 FOO_SUITE inline:${K80}`)).toEqual({ error: 'unknown crypto suite' });
    expect(parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!')).toEqual({ error: 'invalid key parameter length' });
    expect(parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:F9xPLNPCky20Ew3f2vfbXcsaudaQXMhe')).toEqual({ error: 'invalid key parameter length' });
    expect(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${K80}AAAA`)).toEqual({ error: 'invalid key parameter syntax' });
    expect(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 ${K80}`)).toEqual({ error: 'invalid key parameter length' });
    expect(parseCrypto(`1 AES_CM_128_HMAC_SHA1_80 inline:${K80}|junk`)).toEqual({ error: 'invalid key parameter syntax' });
    // A 30-byte key is wrong for a 256-bit suite.
    expect(parseCrypto(`1 AES_256_CM_HMAC_SHA1_80 inline:${K80}`)).toEqual({ error: 'invalid key parameter length' });
  });
});

describe('formatCrypto', () => {
  const c = ok(`3 AES_CM_128_HMAC_SHA1_80 inline:${K80}|2^20|7:2 UNENCRYPTED_SRTP UNAUTHENTICATED_SRTP`);

  it('writes the key without padding, lifetime only on request, MKI and session flags in rtpengine\'s order', () => {
    expect(formatCrypto(c, { pad: false, lifetime: false })).toBe(`3 AES_CM_128_HMAC_SHA1_80 inline:${K80}|7:2 UNENCRYPTED_SRTP UNAUTHENTICATED_SRTP`);
    expect(formatCrypto(c, { pad: false, lifetime: true })).toBe(`3 AES_CM_128_HMAC_SHA1_80 inline:${K80}|2^31|7:2 UNENCRYPTED_SRTP UNAUTHENTICATED_SRTP`);
  });

  it('pads when asked (a 28-byte GCM key gets ==)', () => {
    const g = ok('2 AEAD_AES_128_GCM inline:NB/37GRYLPZd0cMgp6UjWleHQxH5Hb/6aXY6Uw');
    expect(formatCrypto(g, { pad: true, lifetime: false })).toBe('2 AEAD_AES_128_GCM inline:NB/37GRYLPZd0cMgp6UjWleHQxH5Hb/6aXY6Uw==');
    expect(formatCrypto(g, { pad: false, lifetime: false })).toBe('2 AEAD_AES_128_GCM inline:NB/37GRYLPZd0cMgp6UjWleHQxH5Hb/6aXY6Uw');
  });
});

describe('a=setup / a=fingerprint', () => {
  it('parses roles and fingerprints, ignores malformed ones', () => {
    expect(parseSetup('actpass')).toBe('actpass');
    expect(parseSetup('ACTIVE')).toBe('active');
    expect(parseSetup('both')).toBeUndefined();
    expect(parseFingerprint('SHA-1 b9:84:3d:97:0f:e0:04:45:65:d3:90:48:6f:fb:cb:17:56:2e:9b:6e')).toEqual({
      hash: 'sha-1', value: 'B9:84:3D:97:0F:E0:04:45:65:D3:90:48:6F:FB:CB:17:56:2E:9B:6E',
    });
    expect(parseFingerprint('md5 AA:BB')).toBeUndefined();
    expect(parseFingerprint('sha-256 XYZ')).toBeUndefined();
  });

  it('media-level attributes win over session-level ones; crypto lines are collected per section', () => {
    const sdp = parseSdp(Buffer.from([
      'v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0',
      'a=fingerprint:sha-1 B9:84:3D:97:0F:E0:04:45:65:D3:90:48:6F:FB:CB:17:56:2E:9B:6E', 'a=setup:actpass',
      'm=audio 5000 UDP/TLS/RTP/SAVP 0', 'a=setup:active',
      'm=audio 5002 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, 'a=crypto:2 BAD inline:x',
      '',
    ].join('\r\n'), 'latin1'));
    expect(sdp.media[0]!.setup).toBe('active');
    expect(sdp.media[0]!.fingerprint?.hash).toBe('sha-1');
    expect(sdp.media[1]!.setup).toBe('actpass');
    expect(sdp.media[1]!.crypto.map((c) => c.tag)).toEqual([1]);
    expect(sdp.media[0]!.crypto).toEqual([]);
  });
});

describe('SDES / OSRTP / DTLS options', () => {
  const parse = (d: Record<string, unknown>): ReturnType<typeof parseCallOptions> => {
    const m: BDict = new Map();
    const enc = (v: unknown): unknown => (typeof v === 'string' ? Buffer.from(v) : Array.isArray(v) ? v.map(enc) : v);
    for (const [k, v] of Object.entries(d)) m.set(k, enc(v) as never);
    return parseCallOptions(m);
  };

  it('SDES list values and SDES- flags (spaces become hyphens), pad-crypto', () => {
    const o = parseCallOptions(new Map<string, never>([
      ['SDES', [Buffer.from('no-NULL_HMAC_SHA1_32'), Buffer.from('lifetime'), Buffer.from('UNENCRYPTED_SRTCP')] as never],
      ['flags', [Buffer.from('SDES-no-AEAD_AES_256_GCM'), Buffer.from('pad-crypto'), Buffer.from('SDES-unauthenticated_srtp')] as never],
    ]));
    expect([...o.sdes.no]).toEqual(['NULL_HMAC_SHA1_32', 'AEAD_AES_256_GCM']);
    expect([o.sdes.lifetime, o.sdes.pad, o.sdes.off, o.sdes.unencryptedSrtcp, o.sdes.unauthenticatedSrtp, o.sdes.unencryptedSrtp])
      .toEqual([true, true, false, true, true, undefined]);
    expect(o.unknownFlags).toEqual([]);
    for (const v of ['off', 'no', 'disable', 'disabled']) expect(parse({ SDES: [v] }).sdes.off).toBe(true);
    expect(parse({ flags: ['SDES-off'] }).sdes.off).toBe(true);
  });

  it('OSRTP list or flags, DTLS, DTLS-reverse, DTLS-fingerprint', () => {
    expect(parse({ OSRTP: ['offer'] }).osrtp).toEqual({ offer: true, accept: false });
    expect(parse({ flags: ['OSRTP-accept'] }).osrtp).toEqual({ offer: false, accept: true });
    expect(parse({ DTLS: 'disabled' }).dtls).toBe('off');
    expect(parse({ DTLS: 'passive' }).dtls).toBe('passive');
    expect(parse({ DTLS: 'bogus' }).dtls).toBeUndefined();
    expect(parse({ 'DTLS-reverse': 'active' }).dtlsReverse).toBe('active');
    expect(parse({ 'DTLS fingerprint': 'sha-384' }).dtlsFingerprint).toBe('sha-384');
    expect(parse({ 'DTLS-fingerprint': 'md5' }).dtlsFingerprint).toBeUndefined();
  });
});
