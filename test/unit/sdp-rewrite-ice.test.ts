// ICE modes and SRTP/DTLS attribute handling of the rewriter (spec §4.2-4.5).
import { describe, expect, it } from 'vitest';
import { parseSdp, rewriteSdp, type IceMode, type MediaPlan } from '../../protocol/sdp/index.js';

const crlf = (...lines: string[]): string => lines.map((l) => l + '\r\n').join('');

const ICE_BODY = crlf(
  'v=0',
  'c=IN IP4 10.0.0.1',
  'a=ice-options:trickle',
  'a=ice-lite',
  'm=audio 5000 RTP/AVP 0',
  'a=ice-ufrag:Xa1b',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=candidate:1 1 UDP 2130706431 10.0.0.1 5000 typ host',
  'a=candidate:3 1 UDP 16777215 10.0.0.50 25000 typ relay raddr 10.0.0.40 rport 15000',
  'a=remote-candidates:1 10.0.0.9 7000',
  'a=ice-mismatch',
  'a=end-of-candidates',
  'a=rtcp-mux',
  'a=sendrecv',
);

function rw(body: string, iceMode: IceMode, m: Partial<MediaPlan> = {}): string {
  const plan: MediaPlan = {
    port: 30000,
    family: 'IP4',
    address: '192.0.2.1',
    direction: 'sendrecv',
    rtcp: { kind: 'separate', port: 30001, offerMux: false },
    ...m,
  };
  return rewriteSdp(parseSdp(Buffer.from(body, 'latin1')), { replaceOrigin: false, replaceSessionConnection: false, iceMode, media: [plan] }).toString('latin1');
}

describe('ICE modes', () => {
  it.each<IceMode>(['remove', 'default', 'force'])('%s strips every ICE attribute but keeps end-of-candidates', (mode) => {
    expect(rw(ICE_BODY, mode)).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 30000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp:30001', 'a=end-of-candidates'),
    );
  });

  it('no end-of-candidates when the input had none and no trickle is planned', () => {
    const body = ICE_BODY.replace('a=end-of-candidates\r\n', '');
    expect(rw(body, 'remove')).not.toContain('end-of-candidates');
    expect(rw(body, 'force', { ice: { ufrag: 'u', pwd: 'p', trickle: true, candidates: [] } })).toMatch(/a=ice-options:trickle\r\na=end-of-candidates\r\n$/);
    expect(rw(ICE_BODY, 'remove', { endOfCandidates: false })).not.toContain('end-of-candidates');
  });

  it('optional keeps the peer ICE attributes and appends ours', () => {
    expect(rw(ICE_BODY, 'optional', { ice: { candidates: ['F 1 UDP 2097152255 192.0.2.1 30000 typ host'] } })).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'a=ice-options:trickle', 'a=ice-lite', 'm=audio 30000 RTP/AVP 0') +
        crlf(
          'a=ice-ufrag:Xa1b',
          'a=ice-pwd:abcdefghijklmnopqrstuvwx',
          'a=candidate:1 1 UDP 2130706431 10.0.0.1 5000 typ host',
          'a=candidate:3 1 UDP 16777215 10.0.0.50 25000 typ relay raddr 10.0.0.40 rport 15000',
          'a=remote-candidates:1 10.0.0.9 7000',
          'a=ice-mismatch',
        ) +
        crlf('a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp:30001', 'a=candidate:F 1 UDP 2097152255 192.0.2.1 30000 typ host', 'a=end-of-candidates'),
    );
  });

  it('force-relay drops relay candidates only, leaves m= port / c= / rtcp-mux, writes no a=rtcp', () => {
    expect(rw(ICE_BODY, 'force-relay', { ice: { candidates: ['F 1 UDP 255 192.0.2.1 30000 typ relay raddr 192.0.2.1 rport 30000'] } })).toBe(
      crlf('v=0', 'c=IN IP4 10.0.0.1', 'a=ice-options:trickle', 'a=ice-lite', 'm=audio 5000 RTP/AVP 0') +
        crlf(
          'a=ice-ufrag:Xa1b',
          'a=ice-pwd:abcdefghijklmnopqrstuvwx',
          'a=candidate:1 1 UDP 2130706431 10.0.0.1 5000 typ host',
          'a=remote-candidates:1 10.0.0.9 7000',
          'a=ice-mismatch',
          'a=rtcp-mux',
        ) +
        crlf('a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=candidate:F 1 UDP 255 192.0.2.1 30000 typ relay raddr 192.0.2.1 rport 30000', 'a=end-of-candidates'),
    );
  });

  it('ice-lite is not duplicated when the peer one is kept', () => {
    const body = crlf('v=0', 'c=IN IP4 10.0.0.1', 'a=ice-lite', 'm=audio 5000 RTP/AVP 0');
    const plan = { replaceOrigin: false, replaceSessionConnection: false, iceLite: true, media: [{ port: 30000, family: 'IP4' as const, address: '192.0.2.1', direction: 'sendrecv' as const, rtcp: { kind: 'none' as const } }] };
    const out = (mode: IceMode): string => rewriteSdp(parseSdp(Buffer.from(body)), { ...plan, iceMode: mode }).toString('latin1');
    expect(out('optional').match(/a=ice-lite/g)).toHaveLength(1);
    expect(out('force').match(/a=ice-lite/g)).toHaveLength(1);
  });
});

describe('SDES / DTLS attributes', () => {
  const body = crlf(
    'v=0',
    'c=IN IP4 10.0.0.1',
    'm=audio 5000 RTP/SAVP 0',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32',
    'a=crypto:2 AES_CM_128_HMAC_SHA1_32',
    'a=crypto:x AES_CM_128_HMAC_SHA1_32 inline:abc',
    'a=fingerprint:sha-256 AA:BB',
    'a=setup:actpass',
    'a=rtcp:bogus',
  );

  // rtpengine 10.5 does not take a line of fewer than three fields for an a=crypto: it copies it
  // (checked against it: `a=crypto:1 AES_CM_128_HMAC_SHA1_80` comes out unchanged).
  it('removes crypto / fingerprint / setup and malformed rtcp by default, copies a two-field a=crypto', () => {
    expect(rw(body, 'default')).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 30000 RTP/SAVP 0', 'a=crypto:2 AES_CM_128_HMAC_SHA1_32', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp:30001'),
    );
  });

  it('keepSecurity keeps well-formed crypto and DTLS lines in place, still drops malformed crypto', () => {
    expect(rw(body, 'default', { keepSecurity: true })).toBe(
      crlf(
        'v=0',
        'c=IN IP4 192.0.2.1',
        'm=audio 30000 RTP/SAVP 0',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32',
        'a=crypto:2 AES_CM_128_HMAC_SHA1_32',
        'a=fingerprint:sha-256 AA:BB',
        'a=setup:actpass',
        'a=rtpmap:0 PCMU/8000',
        'a=sendrecv',
        'a=rtcp:30001',
      ),
    );
  });
});
