// Rule-level rewrite tests (spec §4.2-4.4) on constructed SDP bodies.
import { describe, expect, it } from 'vitest';
import { parseSdp, rewriteSdp, hasLoopProtectId, type MediaPlan, type SessionPlan } from '../../protocol/sdp/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const crlf = (...lines: string[]): string => lines.map((l) => l + '\r\n').join('');

function media(over: Partial<MediaPlan> = {}): MediaPlan {
  return {
    port: 30000,
    family: 'IP4',
    address: '192.0.2.1',
    direction: 'sendrecv',
    rtcp: { kind: 'separate', port: 30001, offerMux: false },
    ...over,
  };
}

function session(n: number, over: Partial<SessionPlan> = {}, m: Partial<MediaPlan>[] = []): SessionPlan {
  return {
    replaceOrigin: false,
    replaceSessionConnection: false,
    iceMode: 'default',
    media: Array.from({ length: n }, (_v, i) => media({ port: 30000 + 10 * i, rtcp: { kind: 'separate', port: 30001 + 10 * i, offerMux: false }, ...m[i] })),
    ...over,
  };
}

const rw = (body: string, plan: SessionPlan): string => rewriteSdp(parseSdp(b(body)), plan).toString('latin1');

const HEAD = ['v=0', 'o=alice 1 5 IN IP4 198.51.100.1', 's=call', 'c=IN IP4 198.51.100.1', 't=0 0'];

describe('rewriteSdp: byte preservation', () => {
  it('keeps non-UTF-8 octets byte-for-byte', () => {
    const body = Buffer.concat([
      b(crlf(...HEAD.slice(0, 2))),
      Buffer.from([0x73, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x0a]), // s=<invalid UTF-8>
      b(crlf('c=IN IP4 198.51.100.1', 't=0 0', 'm=audio 5000 RTP/AVP 0')),
      Buffer.from([0x61, 0x3d, 0x78, 0x3a, 0x80, 0x00, 0xe9, 0x0d, 0x0a]), // a=x:<0x80 NUL 0xe9>
    ]);
    const out = rewriteSdp(parseSdp(body), session(1));
    expect(out.includes(Buffer.from([0x73, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x0a]))).toBe(true);
    expect(out.includes(Buffer.from([0x61, 0x3d, 0x78, 0x3a, 0x80, 0x00, 0xe9, 0x0d, 0x0a]))).toBe(true);
  });

  it('keeps LF on copied lines and writes CRLF on generated ones', () => {
    const body = 'v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 5000 RTP/AVP 0\na=x-keep\na=sendrecv\n';
    expect(rw(body, session(1))).toBe(
      'v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 30000 RTP/AVP 0\na=x-keep\n' +
        'a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:30001\r\n',
    );
  });

  it('terminates a final unterminated copied line before appending', () => {
    const body = 'v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5000 RTP/AVP 0\r\na=x-last';
    expect(rw(body, session(1))).toBe(
      'v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 30000 RTP/AVP 0\r\na=x-last\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:30001\r\n',
    );
  });

  it('leaves an unterminated last line alone when nothing follows', () => {
    const body = 'v=0\r\nc=IN IP4 10.0.0.1\r\nm=image 0 udptl t38\r\na=T38FaxVersion:0';
    expect(rw(body, session(1, {}, [{ port: 0 }]))).toBe('v=0\r\nc=IN IP4 192.0.2.1\r\nm=image 0 udptl t38\r\na=T38FaxVersion:0');
  });
});

describe('rewriteSdp: session level (spec §4.2)', () => {
  const body = crlf(...HEAD, 'a=group:BUNDLE 0 1', 'a=group:LS 0 1', 'a=fingerprint:sha-256 AA', 'a=setup:actpass', 'a=tool:x', 'a=inactive', 'm=audio 5000 RTP/AVP 0');

  it('replaces o= only with replaceOrigin; removes BUNDLE/fingerprint/setup/direction; keeps the rest', () => {
    expect(rw(body, session(1))).toBe(
      crlf('v=0', 'o=alice 1 5 IN IP4 198.51.100.1', 's=call', 'c=IN IP4 192.0.2.1', 't=0 0', 'a=group:LS 0 1', 'a=tool:x') +
        crlf('m=audio 30000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp:30001'),
    );
  });

  it('replaces origin address, username, version and session name when planned', () => {
    const out = rw(body, session(1, { replaceOrigin: true, username: 'bob', sdpVersion: '9', sessionName: 'first' }));
    expect(out).toContain('\r\no=bob 1 9 IN IP4 192.0.2.1\r\ns=first\r\n');
    const out2 = rw(body, session(1, { replaceOrigin: true, originAddress: '2001:db8::1', originFamily: 'IP6' }));
    expect(out2).toContain('\r\no=alice 1 5 IN IP6 2001:db8::1\r\n');
  });

  it('keeps an unchanged o= line verbatim (including odd spacing)', () => {
    const odd = crlf('v=0', 'o=alice  1 5 IN IP4 192.0.2.1', 'c=IN IP4 1.1.1.1', 'm=audio 5000 RTP/AVP 0');
    expect(rw(odd, session(1, { replaceOrigin: true }))).toContain('o=alice  1 5 IN IP4 192.0.2.1\r\n');
  });

  it('leaves session c= alone when every m= has its own c= and no replace flag', () => {
    const two = crlf(...HEAD, 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 198.51.100.2');
    expect(rw(two, session(1))).toContain('\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n');
    expect(rw(two, session(1, { replaceSessionConnection: true }))).toContain('\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n');
  });

  it('writes IPv6 connections', () => {
    expect(rw(body, session(1, {}, [{ family: 'IP6', address: '2001:db8::5' }]))).toContain('\r\nc=IN IP6 2001:db8::5\r\n');
  });

  it('appends a=rtpengine and a=ice-lite at the end of the session part', () => {
    const out = rw(body, session(1, { loopProtectId: 'f00caa920328', iceLite: true }));
    expect(out).toContain('a=tool:x\r\na=rtpengine:f00caa920328\r\na=ice-lite\r\nm=audio');
    expect(hasLoopProtectId(parseSdp(b(out)), 'f00caa920328')).toBe(true);
    expect(hasLoopProtectId(parseSdp(b(out)), 'f00caa920329')).toBe(false);
  });

  it('original-sendrecv keeps direction attributes in place and emits none', () => {
    const out = rw(crlf(...HEAD, 'a=sendonly', 'm=audio 5000 RTP/AVP 0', 'a=recvonly', 'a=x'), session(1, { originalSendrecv: true }));
    expect(out).toContain('t=0 0\r\na=sendonly\r\nm=audio 30000 RTP/AVP 0\r\na=recvonly\r\na=x\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:30001\r\n');
  });

  it('zero address (old-style hold) is kept in session and media c=', () => {
    const hold = crlf('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 5000 RTP/AVP 0', 'm=audio 6000 RTP/AVP 8', 'c=IN IP4 0.0.0.0');
    const out = rw(hold, session(2, {}, [{ zeroAddress: true, direction: 'sendonly' }, { zeroAddress: true, direction: 'inactive' }]));
    expect(out).toBe(
      crlf('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 30000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendonly', 'a=rtcp:30001') +
        crlf('m=audio 30010 RTP/AVP 8', 'c=IN IP4 0.0.0.0', 'a=rtpmap:8 PCMA/8000', 'a=inactive', 'a=rtcp:30011'),
    );
  });

  it('rejects a plan whose media count does not match', () => {
    expect(() => rw(body, session(2))).toThrow(/media plans/);
  });
});

describe('rewriteSdp: media level (spec §4.3/4.4)', () => {
  it('regenerates formats/rtpmap from the planned codecs; rtcp-fb:* stays; pt rtcp-fb moves', () => {
    const body = crlf(
      'v=0',
      'c=IN IP4 1.1.1.1',
      'm=video 5002/2 RTP/AVP 96 97',
      'b=AS:512',
      'a=rtpmap:96 H264/90000',
      'a=rtcp-fb:* ccm fir',
      'a=fmtp:96 packetization-mode=1',
      'a=rtcp-fb:96 nack',
      'a=rtpmap:97 VP8/90000',
      'a=ptime:40',
    );
    const sdp = parseSdp(b(body));
    const codecs = [sdp.media[0]!.codecs[1]!, sdp.media[0]!.codecs[0]!];
    const out = rewriteSdp(sdp, session(1, {}, [{ codecs, protocol: 'RTP/AVPF' }])).toString('latin1');
    expect(out).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=video 30000/2 RTP/AVPF 97 96', 'b=AS:512', 'a=rtcp-fb:* ccm fir', 'a=ptime:40') +
        crlf('a=rtpmap:97 VP8/90000', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=rtcp-fb:96 nack') +
        crlf('a=sendrecv', 'a=rtcp:30001'),
    );
  });

  it('non-RTP media: formats and attributes copied, direction written, no rtcp', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=sctp-port:5000', 'a=rtpmap:5000 x/1');
    expect(rw(body, session(1))).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=application 30000 UDP/DTLS/SCTP webrtc-datachannel', 'a=sctp-port:5000', 'a=rtpmap:5000 x/1', 'a=sendrecv'),
    );
  });

  it('rejected stream: untouched except mid and end-of-candidates moved to the end', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=video 0 RTP/AVP 96', 'a=mid:v', 'a=end-of-candidates', 'a=sendrecv', 'a=rtcp:9');
    expect(rw(body, session(1, {}, [{ port: 0 }]))).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=video 0 RTP/AVP 96', 'a=sendrecv', 'a=rtcp:9', 'a=mid:v', 'a=end-of-candidates'),
    );
  });

  it('plan port 0 on an accepted input writes port 0 and copies the rest', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=audio 5000 RTP/AVP 0', 'a=sendrecv');
    expect(rw(body, session(1, {}, [{ port: 0, generateMid: true }]))).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 0 RTP/AVP 0', 'a=sendrecv', 'a=mid:1'),
    );
  });

  it('writes the full appended block in spec order', () => {
    const body = crlf(
      'v=0',
      'c=IN IP4 1.1.1.1',
      'm=audio 5000 RTP/SAVP 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA',
      'a=ptime:20',
      'a=mid:a1',
      'a=rtcp-mux',
      'a=rtcp:5001',
      'a=end-of-candidates',
      'a=x-unknown',
    );
    const out = rw(
      body,
      session(1, {}, [
        {
          rtcp: { kind: 'mux' },
          fullRtcpAttribute: true,
          ptime: 30,
          crypto: ['1 AES_CM_128_HMAC_SHA1_80 inline:KEY'],
          setup: 'actpass',
          fingerprint: 'sha-256 AB:CD',
          ice: { ufrag: 'uf', pwd: 'pw', trickle: true, candidates: ['F 1 UDP 2130706431 192.0.2.1 30000 typ host'], remoteCandidates: '1 198.51.100.1 5000' },
        },
      ]),
    );
    expect(out).toBe(
      crlf('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 30000 RTP/SAVP 0', 'a=x-unknown', 'a=mid:a1', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv') +
        crlf('a=rtcp:30000 IN IP4 192.0.2.1', 'a=rtcp-mux', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY', 'a=setup:actpass') +
        crlf('a=fingerprint:sha-256 AB:CD', 'a=ptime:30', 'a=ice-ufrag:uf', 'a=ice-pwd:pw', 'a=ice-options:trickle') +
        crlf('a=candidate:F 1 UDP 2130706431 192.0.2.1 30000 typ host', 'a=remote-candidates:1 198.51.100.1 5000', 'a=end-of-candidates'),
    );
  });

  it('rtcp variants: separate+offerMux, none, and no-rtcp-attribute', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=audio 5000 RTP/AVP 0');
    const tail = (m: Partial<MediaPlan>): string => rw(body, session(1, {}, [m])).split('a=sendrecv\r\n')[1]!;
    expect(tail({ rtcp: { kind: 'separate', port: 30001, offerMux: true } })).toBe('a=rtcp:30001\r\na=rtcp-mux\r\n');
    expect(tail({ rtcp: { kind: 'none' } })).toBe('');
    expect(tail({ rtcp: { kind: 'mux' }, noRtcpAttribute: true })).toBe('a=rtcp-mux\r\n');
    expect(tail({ noRtcpAttribute: true })).toBe('');
    expect(tail({ family: 'IP6', address: '2001:db8::1', fullRtcpAttribute: true })).toBe('a=rtcp:30001 IN IP6 2001:db8::1\r\n');
  });

  it('removes input ptime only when a ptime is planned', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=audio 5000 RTP/AVP 0', 'a=ptime:20', 'a=maxptime:40');
    expect(rw(body, session(1))).toContain('a=ptime:20\r\na=maxptime:40\r\na=rtpmap:0');
    expect(rw(body, session(1, {}, [{ ptime: 20 }]))).toContain('m=audio 30000 RTP/AVP 0\r\na=maxptime:40\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:30001\r\na=ptime:20\r\n');
  });

  it('extmap is removed only with stripExtmap (session and media)', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'a=extmap:2 urn:x', 'a=extmap-allow-mixed', 'm=audio 5000 RTP/AVP 0', 'a=extmap:1 urn:y');
    expect(rw(body, session(1))).toContain('a=extmap:2 urn:x\r\na=extmap-allow-mixed\r\nm=audio 30000 RTP/AVP 0\r\na=extmap:1 urn:y\r\n');
    const out = rw(body, session(1, { stripExtmap: true }));
    expect(out).not.toContain('a=extmap:');
    expect(out).toContain('a=extmap-allow-mixed\r\n');
  });

  it('generate-mid writes the 1-based index only when there is no mid', () => {
    const body = crlf('v=0', 'c=IN IP4 1.1.1.1', 'm=audio 5000 RTP/AVP 0', 'm=video 5002 RTP/AVP 31', 'a=mid:vid');
    const out = rw(body, session(2, {}, [{ generateMid: true }, { generateMid: true }]));
    expect(out).toContain('m=audio 30000 RTP/AVP 0\r\na=mid:1\r\n');
    expect(out).toContain('m=video 30010 RTP/AVP 31\r\na=mid:vid\r\n');
  });
});

describe('rewriteSdp: several session descriptions (RFC 8866 §5, as rtpengine 10.5)', () => {
  const S1 = ['v=0', 'o=alice 1 5 IN IP4 198.51.100.1', 's=one', 'c=IN IP4 198.51.100.1', 't=0 0', 'a=x-s1'];
  const S2 = ['v=0', 'o=bob 2 7 IN IP4 198.51.100.2', 's=two', 'c=IN IP4 198.51.100.2', 't=0 0', 'a=sendonly', 'a=group:BUNDLE 0', 'a=x-s2'];

  it('appends each media block before the next v=, and rewrites each session part on its own', () => {
    const body = crlf(...S1, 'm=audio 5000 RTP/AVP 0', 'a=x-m1', ...S2, 'm=audio 6000 RTP/AVP 8', 'a=x-m2');
    expect(rw(body, session(2, {}, [{}, { direction: 'sendonly' }]))).toBe(crlf(
      ...S1.slice(0, 3), 'c=IN IP4 192.0.2.1', 't=0 0', 'a=x-s1',
      'm=audio 30000 RTP/AVP 0', 'a=x-m1', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp:30001',
      ...S2.slice(0, 3), 'c=IN IP4 192.0.2.1', 't=0 0', 'a=x-s2',
      'm=audio 30010 RTP/AVP 8', 'a=x-m2', 'a=rtpmap:8 PCMA/8000', 'a=sendonly', 'a=rtcp:30011',
    ));
  });

  it('a session c= is replaced only for media of its own session without c=', () => {
    const body = crlf(...S1, 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 198.51.100.1', ...S2, 'm=audio 6000 RTP/AVP 8');
    const out = rw(body, session(2, {}, [{}, { address: '192.0.2.2' }]));
    expect(out).toContain('s=one\r\nc=IN IP4 198.51.100.1\r\n');
    expect(out).toContain('s=two\r\nc=IN IP4 192.0.2.2\r\n');
    expect(rw(body, session(2, { replaceSessionConnection: true }, [{}, { address: '192.0.2.2' }]))).toContain('s=one\r\nc=IN IP4 192.0.2.1\r\n');
  });

  it('holds per session: a zero c= stays in its own session only; o= gets the local address anyway', () => {
    const body = crlf(...S1, 'm=audio 5000 RTP/AVP 0', ...S2.map((l) => l.replace('c=IN IP4 198.51.100.2', 'c=IN IP4 0.0.0.0')), 'm=audio 6000 RTP/AVP 8');
    const out = rw(body, session(2, { replaceOrigin: true }, [{}, { zeroAddress: true, direction: 'sendonly' }]));
    expect(out).toContain('o=alice 1 5 IN IP4 192.0.2.1\r\ns=one\r\nc=IN IP4 192.0.2.1\r\n');
    expect(out).toContain('o=bob 2 7 IN IP4 192.0.2.1\r\ns=two\r\nc=IN IP4 0.0.0.0\r\n');
  });

  it('one username, session name and version in every session; loop-protect and ice-lite in each', () => {
    const body = crlf(...S1, 'm=audio 5000 RTP/AVP 0', ...S2, 'm=audio 6000 RTP/AVP 8');
    const out = rw(body, session(2, { username: 'alice', sessionName: 'one', sdpVersion: '5', loopProtectId: 'f00caa920328', iceLite: true }));
    expect(out.match(/^o=.*$/gm)).toEqual(['o=alice 1 5 IN IP4 198.51.100.1', 'o=alice 2 5 IN IP4 198.51.100.2']);
    expect(out.match(/^s=.*$/gm)).toEqual(['s=one', 's=one']);
    expect(out).toContain('a=x-s1\r\na=rtpengine:f00caa920328\r\na=ice-lite\r\nm=audio 30000');
    expect(out).toContain('a=x-s2\r\na=rtpengine:f00caa920328\r\na=ice-lite\r\nm=audio 30010');
  });

  it('a session without media keeps its c= unless asked; it takes the address of the media after it', () => {
    const body = crlf(...S1, ...S2, 'm=audio 6000 RTP/AVP 8');
    expect(rw(body, session(1))).toBe(crlf(
      ...S1,
      ...S2.slice(0, 3), 'c=IN IP4 192.0.2.1', 't=0 0', 'a=x-s2',
      'm=audio 30000 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv', 'a=rtcp:30001',
    ));
    const asked = rw(body, session(1, { replaceSessionConnection: true, replaceOrigin: true }, [{ address: '192.0.2.7' }]));
    expect(asked).toContain('o=alice 1 5 IN IP4 192.0.2.7\r\ns=one\r\nc=IN IP4 192.0.2.7\r\n');
    // No media at all (written against media of an earlier SDP): the planned o= address.
    const none = rw(crlf(...S1), session(0, { replaceSessionConnection: true, originFamily: 'IP4', originAddress: '192.0.2.9' }));
    expect(none).toBe(crlf(...S1.slice(0, 3), 'c=IN IP4 192.0.2.9', 't=0 0', 'a=x-s1'));
  });

  it('loop-protect: a body counts as ours only when every session carries the id', () => {
    const id = 'a=rtpengine:f00caa920328';
    const one = parseSdp(b(crlf(...S1, id, 'm=audio 5000 RTP/AVP 0', ...S2, 'm=audio 6000 RTP/AVP 8')));
    const both = parseSdp(b(crlf(...S1, id, 'm=audio 5000 RTP/AVP 0', ...S2, id, 'm=audio 6000 RTP/AVP 8')));
    expect(hasLoopProtectId(one, 'f00caa920328')).toBe(false);
    expect(hasLoopProtectId(both, 'f00caa920328')).toBe(true);
  });
});
