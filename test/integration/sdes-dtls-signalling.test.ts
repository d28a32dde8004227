/**
 * SDES (RFC 4568), OSRTP (RFC 8643) and the DTLS-SRTP SDP attributes (RFC 5763) over ng, through the
 * real daemon: which a=crypto lines go where (suites, order, tags, whose key), a=setup roles,
 * a=fingerprint hashes, re-INVITEs, and what query reports ("crypto suite", media flags).
 *
 * Keys are random, so the checks are structural: tags, suites, key lengths, and which key is equal
 * to which. With REFERENCE_RTPENGINE=/usr/bin/rtpengine the same tests run against rtpengine 10.5
 * (which is where the expectations come from).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BEncodable, BValue } from '../../protocol/ng/bencode.js';
import type { DaemonHandle } from '../helpers/daemon-process.js';
import { dict, str, type Reply } from '../helpers/ng-client.js';
import { REFERENCE, startEither } from '../helpers/reference-daemon.js';

const ORDER = [
  'AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32',
  'AES_192_CM_HMAC_SHA1_80', 'AES_192_CM_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32',
  'F8_128_HMAC_SHA1_80', 'F8_128_HMAC_SHA1_32', 'NULL_HMAC_SHA1_80', 'NULL_HMAC_SHA1_32',
];
/** Master key + salt bytes per suite (RFC 4568 §6.2, RFC 6188, RFC 7714). */
const KEY_BYTES: Record<string, number> = {
  AEAD_AES_256_GCM: 44, AEAD_AES_128_GCM: 28, AES_256_CM_HMAC_SHA1_80: 46, AES_256_CM_HMAC_SHA1_32: 46,
  AES_192_CM_HMAC_SHA1_80: 38, AES_192_CM_HMAC_SHA1_32: 38, AES_CM_128_HMAC_SHA1_80: 30, AES_CM_128_HMAC_SHA1_32: 30,
  F8_128_HMAC_SHA1_80: 30, F8_128_HMAC_SHA1_32: 30, NULL_HMAC_SHA1_80: 30, NULL_HMAC_SHA1_32: 30,
};

const K80 = 'F9xPLNPCky20Ew3f2vfbXcsaudaQXMheNenExLiM';
const K32 = 'Utn1Ghlu5ozb55VyMnbMJ+RBY24rKiGBwlFyGZQd';
const KB = 'GssGG8Z/7YmKHhQ/+BqZPfRYB0PE7/EK/R28LV1A';
const GCM128 = 'iZVFtKxS2hwQ3/+O8va9cT177lcP/tn1Nhvklw';
const FP256 = 'sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:AE:4C:8C:7C:0E:38:4A:9E:36:2E:D1:0C';
const FP1 = 'sha-1 B9:84:3D:97:0F:E0:04:45:65:D3:90:48:6F:FB:CB:17:56:2E:9B:6E';

function sdp(addr: string, port: number, proto = 'RTP/AVP', extra: string[] = []): string {
  let s = `v=0\r\no=- 1545997027 1 IN IP4 ${addr}\r\ns=tester\r\nc=IN IP4 ${addr}\r\nt=0 0\r\n`;
  s += `m=audio ${port} ${proto} 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n`;
  s += 'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n';
  for (const e of extra) s += `${e}\r\n`;
  return `${s}a=sendrecv\r\n`;
}
const caller = (proto?: string, extra?: string[]): string => sdp('127.0.0.10', 5000, proto, extra);
const callee = (proto?: string, extra?: string[]): string => sdp('127.0.0.20', 6000, proto, extra);

interface Crypto { tag: number; suite: string; key: string; rest: string }

function cryptos(s: string): Crypto[] {
  return s.split('\r\n').filter((l) => l.startsWith('a=crypto:')).map((l) => {
    const m = /^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)(.*)$/.exec(l);
    if (!m) throw new Error(`unexpected a=crypto line ${l}`);
    return { tag: Number(m[1]), suite: m[2]!, key: m[3]!, rest: m[4]! };
  });
}
const attr = (s: string, name: string): string[] =>
  s.split('\r\n').filter((l) => l.startsWith(`a=${name}:`)).map((l) => l.slice(name.length + 3));
const proto = (s: string): string => /^m=\S+ \d+ (\S+)/m.exec(s)![1]!;

/** A key of ours: unpadded base64 of exactly the suite's key + salt. */
function expectOurKey(c: Crypto): void {
  expect(c.key).not.toMatch(/=/);
  expect(Buffer.from(c.key, 'base64').length).toBe(KEY_BYTES[c.suite]);
}

let d: DaemonHandle;
let callNo = 0;

beforeAll(async () => {
  // The hook gives our daemon a fixed certificate fingerprint where no DTLS service is installed.
  d = await startEither([], { env: { RTPENGINE_TS_TEST_HOOKS: '1' } });
});
afterAll(async () => { await d.close(); });

class Call {
  readonly id = `sdes-${process.pid}-${++callNo}`;
  async offer(body: string, opts: Record<string, BEncodable> = {}, from = 'a', to?: string): Promise<string> {
    const r = await d.ng.request({ command: 'offer', 'call-id': this.id, 'from-tag': from, ...(to ? { 'to-tag': to } : {}), sdp: body, ...opts });
    expect(str(r.get('result')), str(r.get('error-reason') ?? Buffer.from(''))).toBe('ok');
    return str(r.get('sdp'));
  }
  async answer(body: string, opts: Record<string, BEncodable> = {}): Promise<string> {
    const r = await d.ng.request({ command: 'answer', 'call-id': this.id, 'from-tag': 'a', 'to-tag': 'b', sdp: body, ...opts });
    expect(str(r.get('result'))).toBe('ok');
    return str(r.get('sdp'));
  }
  /** Per participant tag: media flags and the streams' "crypto suite" (undefined when absent). */
  async query(): Promise<Map<string, { flags: string[]; suites: (string | undefined)[] }>> {
    const r: Reply = await d.ng.request({ command: 'query', 'call-id': this.id });
    const out = new Map<string, { flags: string[]; suites: (string | undefined)[] }>();
    for (const [tag, v] of dict(r.get('tags'))) {
      const media = (dict(v).get('medias') as BValue[])[0] as Reply;
      const streams = media.get('streams') as Reply[];
      const keys = [...streams[0]!.keys()];
      // "crypto suite" sits between "advertised endpoint" and "last packet" (rtpengine's key order).
      if (keys.includes('crypto suite')) expect(keys.indexOf('crypto suite')).toBe(keys.indexOf('advertised endpoint') + 1);
      out.set(tag, {
        flags: (media.get('flags') as BValue[]).map((f) => str(f)),
        suites: streams.map((s) => (s.has('crypto suite') ? str(s.get('crypto suite')) : undefined)),
      });
    }
    return out;
  }
}

describe('SDES offers towards an SRTP recipient', () => {
  it('RTP/AVP → RTP/SAVP: all 12 suites in rtpengine order with fresh keys, then a=setup:actpass and a=fingerprint', async () => {
    const c = new Call();
    const out = await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' });
    expect(proto(out)).toBe('RTP/SAVP');
    const cr = cryptos(out);
    expect(cr.map((x) => x.suite)).toEqual(ORDER);
    expect(cr.map((x) => x.tag)).toEqual(ORDER.map((_s, i) => i + 1));
    for (const x of cr) { expectOurKey(x); expect(x.rest).toBe(''); }
    expect(new Set(cr.map((x) => x.key)).size).toBe(12);
    expect(attr(out, 'setup')).toEqual(['actpass']);
    expect(attr(out, 'fingerprint')[0]).toMatch(/^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    // The lines come right after a=rtcp (spec §4.4 items 6-8).
    const lines = out.split('\r\n');
    expect(lines[lines.findIndex((l) => l.startsWith('a=rtcp:')) + 1]).toMatch(/^a=crypto:1 /);

    // Until the answer: both DTLS roles and SDES on the recipient, our first suite as its crypto suite.
    const q = await c.query();
    expect(q.get('<untagged 1>')!.flags).toEqual(['send', 'recv', 'DTLS-SRTP', 'DTLS role active', 'DTLS role passive', 'SDES', 'ICE controlling']);
    expect(q.get('<untagged 1>')!.suites).toEqual(['AEAD_AES_256_GCM', 'AEAD_AES_256_GCM']);
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv']);

    // The answer picks tag 7: the caller gets plain RTP/AVP back.
    const ans = await c.answer(callee('RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]));
    expect(proto(ans)).toBe('RTP/AVP');
    expect(cryptos(ans)).toEqual([]);
    expect(attr(ans, 'setup')).toEqual([]);
    const q2 = await c.query();
    expect(q2.get('b')!.flags).toEqual(['initialized', 'send', 'recv', 'SDES', 'ICE controlling']);
    expect(q2.get('b')!.suites).toEqual(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_80']);
    expect(q2.get('a')!.suites).toEqual([undefined, undefined]);

    // Re-offer: the accepted key first, unchanged, then the other suites with new keys and tags 8..18;
    // no DTLS any more (the callee answered without a=fingerprint).
    const re = cryptos(await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' }));
    expect(re[0]).toEqual(cr[6]);
    expect(re.slice(1).map((x) => x.suite)).toEqual(ORDER.filter((s) => s !== 'AES_CM_128_HMAC_SHA1_80'));
    expect(re.slice(1).map((x) => x.tag)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    for (const x of re.slice(1)) expect(cr.map((y) => y.key)).not.toContain(x.key);
    const re2 = await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' });
    expect(attr(re2, 'setup')).toEqual([]);
    expect(attr(re2, 'fingerprint')).toEqual([]);
  });

  it('keeps every offered key across a re-offer that had no answer', async () => {
    const c = new Call();
    const first = await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' });
    const again = await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' });
    expect(cryptos(again)).toEqual(cryptos(first));
  });

  it('RTP/SAVP → RTP/SAVP: the offerer\'s own lines (tags and keys) first, then the rest from tag 3', async () => {
    const c = new Call();
    const out = await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K32}`]));
    const cr = cryptos(out);
    expect(cr.slice(0, 2)).toEqual([
      { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: K80, rest: '' },
      { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', key: K32, rest: '' },
    ]);
    expect(cr.slice(2).map((x) => x.suite)).toEqual(ORDER.filter((s) => !s.startsWith('AES_CM_128')));
    expect(cr.slice(2).map((x) => x.tag)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The answer picks the offerer's second suite: the offerer gets that line with the answerer's key.
    const ans = await c.answer(callee('RTP/SAVP', [`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${KB}`]));
    expect(proto(ans)).toBe('RTP/SAVP');
    expect(cryptos(ans)).toEqual([{ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', key: KB, rest: '' }]);
    const q = await c.query();
    expect(q.get('a')!.suites).toEqual(['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_32']);
    expect(q.get('a')!.flags).toContain('SDES');
  });

  it('RTP/SAVP → RTP/SAVP: an answer with one of our own suites gives the offerer its first suite with a new key', async () => {
    const c = new Call();
    const out = cryptos(await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K32}`])));
    expect(out[3]!.suite).toBe('AEAD_AES_128_GCM');
    const ans = cryptos(await c.answer(callee('RTP/SAVP', [`a=crypto:4 AEAD_AES_128_GCM inline:${GCM128}`])));
    expect(ans).toHaveLength(1);
    expect(ans[0]!.tag).toBe(1);
    expect(ans[0]!.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expectOurKey(ans[0]!);
    expect([K80, K32, KB]).not.toContain(ans[0]!.key);
    const q = await c.query();
    expect(q.get('b')!.suites).toEqual(['AEAD_AES_128_GCM', 'AEAD_AES_128_GCM']);
    expect(q.get('a')!.suites).toEqual(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_80']);
  });
});

describe('SDES towards a plain recipient', () => {
  it('RTP/SAVP → RTP/AVP: no keying to the callee; the caller\'s answer gets one a=crypto, its session parameters kept', async () => {
    const c = new Call();
    const out = await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80} UNENCRYPTED_SRTP`, `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K32}`]), { 'transport-protocol': 'RTP/AVP' });
    expect(proto(out)).toBe('RTP/AVP');
    expect(out).not.toMatch(/a=(crypto|setup|fingerprint):/);
    const ans = await c.answer(callee());
    expect(proto(ans)).toBe('RTP/SAVP');
    const cr = cryptos(ans);
    expect(cr).toHaveLength(1);
    expect(cr[0]).toMatchObject({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', rest: ' UNENCRYPTED_SRTP' });
    expectOurKey(cr[0]!);
    const q = await c.query();
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv', 'SDES']);
    expect(q.get('a')!.suites).toEqual(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_80']);
    expect(q.get('b')!.suites).toEqual([undefined, undefined]);
    // A re-answer keeps our key.
    const again = cryptos(await c.answer(callee()));
    expect(again).toEqual(cr);
  });

  it('the answer to the caller takes its first line\'s tag and suite, without its lifetime or MKI', async () => {
    const c = new Call();
    await c.offer(caller('RTP/SAVP', [`a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:${K80}|2^20|1:4`, `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${K32}`]), { 'transport-protocol': 'RTP/AVP' });
    const cr = cryptos(await c.answer(callee()));
    expect(cr.map((x) => [x.tag, x.suite, x.rest])).toEqual([[5, 'AES_CM_128_HMAC_SHA1_32', '']]);
    expectOurKey(cr[0]!);
  });

  it('malformed a=crypto lines are ignored (no error), a two-field one is copied as it is', async () => {
    const c = new Call();
    const out = await c.offer(caller('RTP/SAVP', [
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!',
      `a=crypto:2 FOO_SUITE inline:${K80}`,
      'a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:F9xPLNPCky20Ew3f2vfbXcsaudaQXMhe',
      `a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:${K80}`,
      'a=crypto:5 AES_CM_128_HMAC_SHA1_80',
      `a=crypto:6 aes_cm_128_hmac_sha1_32 inline:${K32}|2^20|1:4`,
    ]), { 'transport-protocol': 'RTP/AVP' });
    expect(attr(out, 'crypto')).toEqual(['5 AES_CM_128_HMAC_SHA1_80']);
    // Only the valid line 6 counts: the caller is answered with its suite and tag.
    const cr = cryptos(await c.answer(callee()));
    expect(cr.map((x) => [x.tag, x.suite])).toEqual([[6, 'AES_CM_128_HMAC_SHA1_32']]);
  });
});

describe('SDES options', () => {
  const offer = async (opts: Record<string, BEncodable>): Promise<string> => new Call().offer(caller(), { 'transport-protocol': 'RTP/SAVP', ...opts });

  it('no-<SUITE> (SDES list and SDES- flags), pad and lifetime', async () => {
    const only80 = ORDER.filter((s) => s !== 'AES_CM_128_HMAC_SHA1_80').map((s) => `no-${s}`);
    const one = cryptos(await offer({ SDES: only80 }));
    expect(one.map((x) => [x.tag, x.suite])).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80']]);
    const padded = cryptos(await offer({ flags: ['SDES-pad', 'SDES-lifetime', 'SDES-no-NULL_HMAC_SHA1_80', 'SDES-no-NULL_HMAC_SHA1_32'] }));
    expect(padded).toHaveLength(10);
    for (const x of padded) {
      expect(x.rest).toBe('|2^31');
      expect(x.key.length % 4).toBe(0);
      expect(Buffer.from(x.key, 'base64').length).toBe(KEY_BYTES[x.suite]);
    }
    expect(cryptos(await offer({ flags: ['pad-crypto'] }))[1]!.key).toMatch(/==$/);
  });

  it('unencrypted / unauthenticated session parameters, in rtpengine\'s order, upper-case values too', async () => {
    const cr = cryptos(await offer({ SDES: ['unauthenticated_srtp', 'unencrypted_srtcp', 'unencrypted_srtp', 'no-AEAD_AES_256_GCM'] }));
    expect(cr).toHaveLength(11);
    for (const x of cr) expect(x.rest).toBe(' UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP');
    expect(cryptos(await offer({ SDES: ['UNENCRYPTED_SRTCP'] }))[0]!.rest).toBe(' UNENCRYPTED_SRTCP');
    // encrypted_srtp does not undo unencrypted_srtp given before it.
    expect(cryptos(await offer({ SDES: ['unencrypted_srtp', 'encrypted_srtp'] }))[0]!.rest).toBe(' UNENCRYPTED_SRTP');
  });

  it('off / no / disabled drop SDES, DTLS=off drops a=setup/a=fingerprint; only-/nonew are not 10.5 options', async () => {
    for (const v of ['off', 'no', 'disabled']) {
      const out = await offer({ SDES: [v] });
      expect(cryptos(out)).toEqual([]);
      expect(attr(out, 'setup')).toEqual(['actpass']);
    }
    const both = await offer({ flags: ['SDES-off'], DTLS: 'off' });
    expect(both).not.toMatch(/a=(crypto|setup|fingerprint):/);
    expect(proto(both)).toBe('RTP/SAVP');
    const noDtls = await offer({ DTLS: 'off' });
    expect(cryptos(noDtls)).toHaveLength(12);
    expect(attr(noDtls, 'setup')).toEqual([]);
    expect(cryptos(await offer({ SDES: ['only-AES_CM_128_HMAC_SHA1_32', 'nonew', 'static'] }))).toHaveLength(12);
  });
});

describe('OSRTP (RFC 8643)', () => {
  it('OSRTP=offer: RTP/AVP with every suite and DTLS; a plain answer with a=crypto keys the callee only', async () => {
    const c = new Call();
    const out = await c.offer(caller(), { OSRTP: ['offer'] });
    expect(proto(out)).toBe('RTP/AVP');
    expect(cryptos(out).map((x) => x.suite)).toEqual(ORDER);
    expect(attr(out, 'setup')).toEqual(['actpass']);
    const ans = await c.answer(callee('RTP/AVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]));
    expect(ans).not.toMatch(/a=crypto:/);
    const q = await c.query();
    expect(q.get('b')!.suites).toEqual(['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_80']);
    expect(q.get('b')!.flags).toContain('SDES');
  });

  it('an offerer\'s own OSRTP offer goes on (its lines first); OSRTP=accept in the answer keys the offerer', async () => {
    const mine = [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K32}`];
    const c = new Call();
    const out = await c.offer(caller('RTP/AVP', mine));
    expect(proto(out)).toBe('RTP/AVP');
    expect(cryptos(out).slice(0, 2).map((x) => [x.tag, x.key])).toEqual([[1, K80], [2, K32]]);
    expect(cryptos(out).slice(2).map((x) => x.tag)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(attr(out, 'setup')).toEqual(['actpass']);
    expect(cryptos(await c.answer(callee()))).toEqual([]);

    const c2 = new Call();
    await c2.offer(caller('RTP/AVP', mine));
    const acc = await c2.answer(callee(), { OSRTP: ['accept'] });
    expect(proto(acc)).toBe('RTP/AVP');
    const cr = cryptos(acc);
    expect(cr.map((x) => [x.tag, x.suite])).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80']]);
    expectOurKey(cr[0]!);

    // A forced transport protocol turns it into a plain offer.
    const c3 = new Call();
    expect(await c3.offer(caller('RTP/AVP', mine), { 'transport-protocol': 'RTP/AVP' })).not.toMatch(/a=(crypto|setup):/);
  });
});

describe('DTLS-SRTP attributes', () => {
  const dtlsOffer = (setup: string, fp = FP256): string => caller('UDP/TLS/RTP/SAVP', [`a=setup:${setup}`, `a=fingerprint:${fp}`]);

  it('answer roles: actpass → active, active → passive, passive → active; DTLS=passive in the answer, DTLS-reverse in the offer', async () => {
    const cases: [string, Record<string, BEncodable>, Record<string, BEncodable>, string][] = [
      ['actpass', {}, {}, 'active'],
      ['active', {}, {}, 'passive'],
      ['passive', {}, {}, 'active'],
      ['actpass', { DTLS: 'passive' }, {}, 'active'], // names the recipient of the offer: no effect here
      ['actpass', { 'DTLS-reverse': 'passive' }, {}, 'passive'],
      ['actpass', {}, { DTLS: 'passive' }, 'passive'],
      ['actpass', { DTLS: 'off' }, {}, 'active'], // off towards the callee only
    ];
    for (const [setup, offerOpts, answerOpts, role] of cases) {
      const c = new Call();
      const out = await c.offer(dtlsOffer(setup), { 'transport-protocol': 'RTP/AVP', ...offerOpts });
      expect(out).not.toMatch(/a=(crypto|setup|fingerprint):/);
      const ans = await c.answer(callee(), answerOpts);
      expect(proto(ans)).toBe('UDP/TLS/RTP/SAVP');
      expect([setup, offerOpts, answerOpts, attr(ans, 'setup')]).toEqual([setup, offerOpts, answerOpts, [role]]);
      expect(attr(ans, 'fingerprint')[0]).toMatch(/^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
      expect(cryptos(ans)).toEqual([]);
    }
    const c = new Call();
    await c.offer(dtlsOffer('actpass'), { 'transport-protocol': 'RTP/AVP' });
    await c.answer(callee());
    const q = await c.query();
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role active']);
  });

  it('the answer uses the offerer\'s hash (session-level a=fingerprint), DTLS-fingerprint= chooses it in offers', async () => {
    const c = new Call();
    const body = caller('UDP/TLS/RTP/SAVPF', ['a=setup:actpass']).replace('t=0 0\r\n', `t=0 0\r\na=fingerprint:${FP1}\r\n`);
    const out = await c.offer(body, { 'transport-protocol': 'RTP/AVP' });
    expect(out).not.toMatch(/a=fingerprint/);
    const ans = await c.answer(callee());
    expect(attr(ans, 'fingerprint')[0]).toMatch(/^sha-1 [0-9A-F]{2}(:[0-9A-F]{2}){19}$/);
    const off = await new Call().offer(caller(), { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', 'DTLS-fingerprint': 'sha-1' });
    expect(attr(off, 'fingerprint')[0]).toMatch(/^sha-1 [0-9A-F]{2}(:[0-9A-F]{2}){19}$/);
  });

  it('plain → UDP/TLS/RTP/SAVP: SDES and DTLS offered; an active DTLS answer makes us passive', async () => {
    const c = new Call();
    const out = await c.offer(caller(), { 'transport-protocol': 'UDP/TLS/RTP/SAVP' });
    expect(proto(out)).toBe('UDP/TLS/RTP/SAVP');
    expect(cryptos(out)).toHaveLength(12);
    expect(attr(out, 'setup')).toEqual(['actpass']);
    const ans = await c.answer(callee('UDP/TLS/RTP/SAVP', ['a=setup:active', `a=fingerprint:${FP256}`]));
    expect(proto(ans)).toBe('RTP/AVP');
    expect(ans).not.toMatch(/a=(crypto|setup|fingerprint):/);
    const q = await c.query();
    expect(q.get('b')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role passive', 'SDES', 'ICE controlling']);
  });

  it('WebRTC ↔ WebRTC re-INVITEs: roles of an existing association are kept, SDES still offered to a DTLS-only answerer, not to a DTLS-only offerer', async () => {
    const FPB = `sha-256 11${FP256.slice(10)}`;
    const c = new Call();
    const dtlsSdp = (who: 'a' | 'b', setup: string): string =>
      (who === 'a' ? caller : callee)('UDP/TLS/RTP/SAVPF', [`a=setup:${setup}`, `a=fingerprint:${who === 'a' ? FP256 : FPB}`]);
    expect(cryptos(await c.offer(dtlsSdp('a', 'actpass')))).toHaveLength(12);
    expect(attr(await c.answer(dtlsSdp('b', 'active')), 'setup')).toEqual(['active']);
    let q = await c.query();
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role active']);
    expect(q.get('b')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role passive', 'SDES', 'ICE controlling']);
    // Re-offer from the caller: SDES is still offered to the callee, both roles open on both sides.
    const re = await c.offer(dtlsSdp('a', 'actpass'));
    expect(cryptos(re)).toHaveLength(12);
    expect(attr(re, 'setup')).toEqual(['actpass']);
    q = await c.query();
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role active', 'DTLS role passive']);
    await c.answer(dtlsSdp('b', 'active'));
    // Re-offer from the callee: the caller, which offered DTLS only, gets no SDES; our passive role
    // with the callee stays and is what the answer to it says.
    const rev = await c.offer(dtlsSdp('b', 'actpass'), {}, 'b', 'a');
    expect(cryptos(rev)).toEqual([]);
    expect(attr(rev, 'setup')).toEqual(['actpass']);
    q = await c.query();
    expect(q.get('b')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role passive', 'SDES', 'ICE controlling']);
    const r = await d.ng.request({ command: 'answer', 'call-id': c.id, 'from-tag': 'b', 'to-tag': 'a', sdp: dtlsSdp('a', 'passive') });
    expect(attr(str(r.get('sdp')), 'setup')).toEqual(['passive']);
    q = await c.query();
    expect(q.get('a')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role active']);
    expect(q.get('b')!.flags).toEqual(['initialized', 'send', 'recv', 'DTLS-SRTP', 'DTLS role passive', 'ICE controlling']);
  });

  it('a=setup:holdconn gets no DTLS in the answer', async () => {
    const c = new Call();
    await c.offer(caller('UDP/TLS/RTP/SAVPF', ['a=setup:holdconn', `a=fingerprint:${FP256}`]));
    const ans = await c.answer(callee('UDP/TLS/RTP/SAVPF', ['a=setup:active', `a=fingerprint:${FP256}`]));
    expect(ans).not.toMatch(/a=(setup|fingerprint|crypto):/);
  });

  it('an offer with both a=crypto and DTLS is answered with DTLS only', async () => {
    const c = new Call();
    const out = await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`, 'a=setup:actpass', `a=fingerprint:${FP256}`]));
    expect(cryptos(out)[0]!.key).toBe(K80);
    expect(attr(out, 'setup')).toEqual(['actpass']);
    const ans = await c.answer(callee('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]));
    expect(cryptos(ans)).toEqual([]);
    expect(attr(ans, 'setup')).toEqual(['active']);
  });
});

describe('protocol details', () => {
  const two = (addr: string, port: number, proto: string, audio: string[] = [], video: string[] = [], videoPort = port + 2): string =>
    `v=0\r\no=- 1 1 IN IP4 ${addr}\r\ns=t\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} ${proto} 0\r\n` +
    `${audio.map((e) => `${e}\r\n`).join('')}a=sendrecv\r\nm=video ${videoPort} ${proto} 96\r\na=rtpmap:96 H264/90000\r\n` +
    `${video.map((e) => `${e}\r\n`).join('')}a=sendrecv\r\n`;
  const mLines = (s: string): string[] => s.split('\r\n').filter((l) => l.startsWith('m=')).map((l) => l.replace(/ [1-9]\d* /, ' P '));

  it('a rejected stream gets the recipient\'s protocol in its m= line, no keys', async () => {
    const c = new Call();
    const out = await c.offer(two('127.0.0.10', 5000, 'RTP/AVP', [], [], 0), { 'transport-protocol': 'RTP/SAVP' });
    expect(mLines(out)).toEqual(['m=audio P RTP/SAVP 0', 'm=video 0 RTP/SAVP 96']);
    expect(cryptos(out)).toHaveLength(12);
    const ans = await c.answer(two('127.0.0.20', 6000, 'RTP/SAVP', [`a=crypto:2 AEAD_AES_128_GCM inline:${GCM128}`], [], 0));
    expect(mLines(ans)).toEqual(['m=audio P RTP/AVP 0', 'm=video 0 RTP/AVP 96']);
  });

  it('SDES-off in an answer does not stop the a=crypto answer to an SDES offerer; one key per media section', async () => {
    const c = new Call();
    await c.offer(two('127.0.0.10', 5000, 'RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}`], [`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${K32}`]), { 'transport-protocol': 'RTP/AVP' });
    const ans = await c.answer(two('127.0.0.20', 6000, 'RTP/AVP'), { SDES: ['off'] });
    expect(mLines(ans)).toEqual(['m=audio P RTP/SAVP 0', 'm=video P RTP/SAVP 96']);
    expect(cryptos(ans).map((x) => [x.tag, x.suite])).toEqual([[1, 'AES_CM_128_HMAC_SHA1_80'], [2, 'AES_CM_128_HMAC_SHA1_32']]);
  });

  it('transport-protocol=accept: an answerer that took the protocol we offered leaves the offerer its own', async () => {
    const c = new Call();
    await c.offer(two('127.0.0.10', 5000, 'RTP/AVP'), { 'transport-protocol': 'RTP/SAVP' });
    const ans = await c.answer(two('127.0.0.20', 6000, 'RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${K80}`], [`a=crypto:8 AES_CM_128_HMAC_SHA1_32 inline:${K32}`]), { 'transport-protocol': 'accept' });
    expect(mLines(ans)).toEqual(['m=audio P RTP/AVP 0', 'm=video P RTP/AVP 96']);
    expect(cryptos(ans)).toEqual([]);
  });
});

describe('re-INVITEs', () => {
  it('an offerer\'s new key replaces its copied line; the lifetime is dropped, MKI and parameters kept', async () => {
    const c = new Call();
    const first = cryptos(await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80}|2^20|1:4 UNENCRYPTED_SRTCP`])));
    expect(first[0]).toEqual({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: K80, rest: '|1:4 UNENCRYPTED_SRTCP' });
    const k2 = `AAA${K80.slice(3)}`;
    const second = cryptos(await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${k2}`])));
    expect(second[0]).toEqual({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: k2, rest: '' });
    expect(second.slice(1)).toEqual(first.slice(1));
    await c.answer(callee('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]));
    const k3 = `BBB${K80.slice(3)}`;
    const third = cryptos(await c.offer(caller('RTP/SAVP', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${k3}`])));
    expect(third[0]).toEqual({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: k3, rest: '' });
  });

  it('each side keeps its protocol when the other re-offers without transport-protocol', async () => {
    const c = new Call();
    const ours7 = cryptos(await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' }))[6]!;
    await c.answer(callee('RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]));
    // The SRTP callee re-offers: the plain caller still gets RTP/AVP, and answers plain.
    const rev = await c.offer(callee('RTP/SAVP', [`a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KB}`]), {}, 'b', 'a');
    expect(proto(rev)).toBe('RTP/AVP');
    expect(rev).not.toMatch(/a=(crypto|setup):/);
    const r = await d.ng.request({ command: 'answer', 'call-id': c.id, 'from-tag': 'b', 'to-tag': 'a', sdp: caller() });
    const ans = str(r.get('sdp'));
    expect(proto(ans)).toBe('RTP/SAVP');
    // Its answer keeps the key it had from us.
    expect(cryptos(ans)).toEqual([ours7]);
    // The caller re-offers plain RTP/AVP: the callee still gets RTP/SAVP, our accepted key first.
    const again = await c.offer(caller());
    expect(proto(again)).toBe('RTP/SAVP');
    expect(cryptos(again)[0]!.tag).toBe(7);
    expect(cryptos(again)).toHaveLength(12);
  });
});

describe('re-INVITEs switching between RTP and SRTP', () => {
  it('RTP → SRTP → RTP on the callee leg', async () => {
    const c = new Call();
    expect(await c.offer(caller())).not.toMatch(/a=crypto/);
    await c.answer(callee());
    // Switch to SRTP: SDES and DTLS (nothing said against either yet).
    const s = await c.offer(caller(), { 'transport-protocol': 'RTP/SAVP' });
    expect(cryptos(s)).toHaveLength(12);
    expect(attr(s, 'setup')).toEqual(['actpass']);
    await c.answer(callee('RTP/SAVP', [`a=crypto:2 AEAD_AES_128_GCM inline:${GCM128}`]));
    expect((await c.query()).get('b')!.suites).toEqual(['AEAD_AES_128_GCM', 'AEAD_AES_128_GCM']);
    // And back: a plain answer ends SRTP with the callee.
    const p = await c.offer(caller(), { 'transport-protocol': 'RTP/AVP' });
    expect(proto(p)).toBe('RTP/AVP');
    expect(p).not.toMatch(/a=crypto/);
    await c.answer(callee());
    const q = await c.query();
    expect(q.get('b')!.flags).not.toContain('SDES');
    // rtpengine 10.5 still names the old suite here though it no longer protects anything; we do not
    // keep a key we no longer use (a deliberate difference in query output only).
    expect(q.get('b')!.suites).toEqual(REFERENCE ? ['AEAD_AES_128_GCM', 'AEAD_AES_128_GCM'] : [undefined, undefined]);
  });
});
