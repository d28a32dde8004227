/**
 * The keys SDES negotiation hands to the media workers (CallMedia.srtp, copied into both slots'
 * SlotConfig): on the media facing participant P, `rx` must be P's own key (what it protects with)
 * and `tx` the key we gave P. Checked here on the negotiation functions directly, with the SDP of
 * each step parsed as the daemon parses it.
 */
import { describe, expect, it } from 'vitest';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { parseSdp } from '../../protocol/sdp/parse.js';
import type { SdpMedia } from '../../protocol/sdp/types.js';
import { CallMedia } from '../../daemon/call/media.js';
import { answerSdes, offerSdes } from '../../daemon/call/sdes-negotiate.js';
import { answerDtls, offerDtls } from '../../daemon/call/dtls-negotiate.js';
import type { MediaContext } from '../../daemon/call/media-context.js';
import type { SrtpParams } from '../../daemon/media/messages.js';

const K80 = 'F9xPLNPCky20Ew3f2vfbXcsaudaQXMheNenExLiM';
const KB = 'GssGG8Z/7YmKHhQ/+BqZPfRYB0PE7/EK/R28LV1A';

function media(proto: string, ...attrs: string[]): SdpMedia {
  const lines = ['v=0', 'o=- 1 1 IN IP4 1.2.3.4', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0', `m=audio 5000 ${proto} 0`,
    ...attrs.map((c) => (/^(setup|fingerprint):/.test(c) ? `a=${c}` : `a=crypto:${c}`)), ''];
  return parseSdp(Buffer.from(lines.join('\r\n'), 'latin1')).media[0]!;
}

const noOpts = parseCallOptions(new Map());
const newMedia = (): CallMedia => new CallMedia(1, 0, { release: () => {} });
/** key||salt of SrtpParams as the base64 a=crypto carries it. */
const b64 = (p: SrtpParams | null | undefined): string | undefined =>
  p ? Buffer.concat([p.key, p.salt]).toString('base64').replace(/=+$/, '') : undefined;
const keyOf = (line: string): string => /inline:([^| ]+)/.exec(line)![1]!;

describe('SDES keys for the workers', () => {
  it('RTP/AVP caller ↔ RTP/SAVP callee: only the callee side is keyed, with its key in and ours out', () => {
    const a = newMedia();
    const b = newMedia();
    const offered = offerSdes(noOpts, a, b, media('RTP/AVP'), true);
    expect(a.srtp).toBeNull();
    // Before the answer we already protect towards the callee with our first offered key.
    expect(b.srtp?.rx).toBeNull();
    expect(b.srtp?.tx?.suite).toBe('AEAD_AES_256_GCM');
    expect(b64(b.srtp?.tx)).toBe(keyOf(offered[0]!));

    const toCaller = answerSdes(noOpts, b, a, media('RTP/SAVP', `7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`), 'RTP/AVP', false);
    expect(toCaller).toEqual([]);
    expect(a.srtp).toBeNull();
    expect(b.srtp?.rx?.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(b64(b.srtp?.rx)).toBe(KB);
    expect(b64(b.srtp?.tx)).toBe(keyOf(offered[6]!));
    expect(b.srtp?.tx?.key).toHaveLength(16);
    expect(b.srtp?.tx?.salt).toHaveLength(14);
  });

  it('RTP/SAVP caller → RTP/AVP callee: the caller side gets its own key in and our new key out', () => {
    const a = newMedia();
    const b = newMedia();
    expect(offerSdes(noOpts, a, b, media('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${K80}|2^20|1:4 UNENCRYPTED_SRTCP`), false)).toEqual([]);
    expect(b.srtp).toBeNull();
    // What the caller sends is unprotected with its key from the offer on.
    expect(b64(a.srtp?.rx)).toBe(K80);
    expect(a.srtp?.rx?.mki).toEqual(new Uint8Array([0, 0, 0, 1]));
    expect(a.srtp?.rx?.unencryptedSrtcp).toBe(true);
    expect(a.srtp?.tx).toBeNull();
    const toCaller = answerSdes(noOpts, b, a, media('RTP/AVP'), 'RTP/SAVP', false);
    expect(toCaller).toHaveLength(1);
    expect(b64(a.srtp?.tx)).toBe(keyOf(toCaller[0]!));
    expect(b64(a.srtp?.tx)).not.toBe(K80);
    expect(a.srtp?.tx?.unencryptedSrtcp).toBe(true);
    expect(b.srtp).toBeNull();
  });

  it('SAVP ↔ SAVP on a common suite: each side keeps its own key and gets the other\'s (no re-keying)', () => {
    const a = newMedia();
    const b = newMedia();
    offerSdes(noOpts, a, b, media('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`), true);
    expect(b64(b.srtp?.tx)).toBe(K80);
    const toCaller = answerSdes(noOpts, b, a, media('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KB}`), 'RTP/SAVP', false);
    expect(keyOf(toCaller[0]!)).toBe(KB);
    expect([b64(a.srtp?.rx), b64(a.srtp?.tx)]).toEqual([K80, KB]);
    expect([b64(b.srtp?.rx), b64(b.srtp?.tx)]).toEqual([KB, K80]);
  });

  it('a plain re-offer and answer drop the keys (no SRTP context left for a plain leg)', () => {
    const a = newMedia();
    const b = newMedia();
    offerSdes(noOpts, a, b, media('RTP/AVP'), true);
    answerSdes(noOpts, b, a, media('RTP/SAVP', `7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`), 'RTP/AVP', false);
    expect(b.srtp).not.toBeNull();
    offerSdes(noOpts, a, b, media('RTP/AVP'), false);
    answerSdes(noOpts, b, a, media('RTP/AVP'), 'RTP/AVP', false);
    expect([a.srtp, b.srtp]).toEqual([null, null]);
  });
});

describe('DTLS-SRTP state for the DTLS layer', () => {
  const FP = 'fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:AE:4C:8C:7C:0E:38:4A:9E:36:2E:D1:0C';
  const ctx = { dtls: { fingerprint: () => 'AA:BB', sync: () => {} }, settings: { dtlsPassive: false } } as unknown as MediaContext;

  it('an offer with a=crypto and DTLS answered with DTLS: the offerer gets CallMedia.dtls and no SDES keys', () => {
    const a = newMedia();
    const b = newMedia();
    const sm = media('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, 'setup:actpass', FP);
    expect(offerDtls(ctx, noOpts, a, b, sm, true)).toEqual({ setup: 'actpass', fingerprint: 'sha-256 AA:BB' });
    offerSdes(noOpts, a, b, sm, true);
    expect(b64(a.srtp?.rx)).toBe(K80);
    expect(b.dtlsPending).toBe(true);
    expect(a.dtlsPending).toBe(true);
    const answer = media('RTP/SAVP', `1 AES_CM_128_HMAC_SHA1_80 inline:${KB}`);
    const lines = answerDtls(ctx, noOpts, b, a, answer, true);
    expect(lines).toEqual({ setup: 'active', fingerprint: 'sha-256 AA:BB' });
    expect(answerSdes(noOpts, b, a, answer, 'RTP/SAVP', true)).toEqual([]);
    expect(a.dtls).toEqual({ role: 'active', peerFingerprint: { hash: 'sha-256', value: FP.slice(20) } });
    expect(a.srtp).toBeNull();
    // The callee chose SDES: keyed by it, no DTLS with it, and none offered to it again.
    expect(b.dtls).toBeNull();
    expect(b.dtlsRefused).toBe(true);
    expect(b64(b.srtp?.rx)).toBe(KB);
    expect(offerDtls(ctx, noOpts, a, b, sm, true)).toEqual({});
  });

  it('a re-offer (still offering SDES) leaves the keys of an established DTLS association alone', () => {
    const a = newMedia();
    const b = newMedia();
    const dtlsKeys = { rx: { suite: 'AES_CM_128_HMAC_SHA1_80' }, tx: { suite: 'AES_CM_128_HMAC_SHA1_80' } } as unknown as CallMedia['srtp'];
    b.dtls = { role: 'passive', peerFingerprint: { hash: 'sha-256', value: 'AA:BB' } };
    b.srtp = dtlsKeys;
    a.dtls = { role: 'active', peerFingerprint: { hash: 'sha-256', value: 'CC:DD' } };
    a.srtp = dtlsKeys;
    expect(offerSdes(noOpts, a, b, media('UDP/TLS/RTP/SAVPF', `1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`), true)).toHaveLength(12);
    expect(b.srtp).toBe(dtlsKeys);
    expect(a.srtp).toBe(dtlsKeys);
  });
});
