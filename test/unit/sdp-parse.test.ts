import { describe, expect, it } from 'vitest';
import {
  assertSdpComplete,
  effectiveConnection,
  isZeroAddress,
  parseSdp,
  SdpIncompleteError,
  SdpParseError,
  sessionMediaIndex,
  sessionOf,
} from '../../protocol/sdp/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const crlf = (...lines: string[]): Buffer => b(lines.map((l) => l + '\r\n').join(''));

const BASIC = crlf(
  'v=0',
  'o=alice 1000 7 IN IP4 127.0.0.10',
  's=tester',
  'c=IN IP4 127.0.0.10',
  't=0 0',
  'a=sendonly',
  'm=audio 5000 RTP/AVP 96 0 8 101',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:* ccm fir',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=rtcp:5001',
  'a=rtcp-mux',
  'a=mid:audio',
  'a=recvonly',
  'a=end-of-candidates',
);

function parseError(body: Buffer): SdpParseError {
  try {
    parseSdp(body);
  } catch (e) {
    if (e instanceof SdpParseError) return e;
    throw e;
  }
  throw new Error('expected SdpParseError');
}

describe('parseSdp: session level (RFC 8866 §5)', () => {
  it('parses origin, session name, connection and direction', () => {
    const s = parseSdp(BASIC);
    expect(s.origin).toEqual({
      username: 'alice',
      sessionId: '1000',
      version: '7',
      netType: 'IN',
      family: 'IP4',
      address: '127.0.0.10',
    });
    expect(s.sessionName).toBe('tester');
    expect(s.connection).toEqual({ family: 'IP4', address: '127.0.0.10' });
    expect(s.direction).toBe('sendonly');
    expect(s.sessionLines.map((l) => l.type)).toEqual(['v', 'o', 's', 'c', 't', 'a']);
    expect(s.sessionLines.every((l) => l.eol === '\r\n')).toBe(true);
  });

  it('parses an IPv6 connection', () => {
    const s = parseSdp(crlf('v=0', 'o=- 1 1 IN IP6 ::1', 's=-', 'c=IN IP6 ::1', 't=0 0', 'm=audio 5000 RTP/AVP 0'));
    expect(s.connection).toEqual({ family: 'IP6', address: '::1' });
    expect(s.origin.family).toBe('IP6');
  });

  it('keeps LF-only line endings and a missing final terminator', () => {
    const s = parseSdp(b('v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\nt=0 0\nm=audio 5000 RTP/AVP 0\na=sendrecv'));
    expect(s.sessionLines.map((l) => l.eol)).toEqual(['\n', '\n', '\n', '\n', '\n']);
    expect(s.media[0]!.lines.map((l) => l.eol)).toEqual(['\n', '']);
    expect(s.media[0]!.direction).toBe('sendrecv');
  });

  it('stops at the first empty line and ignores the rest', () => {
    const s = parseSdp(b('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n\r\nm=audio 5000 RTP/AVP 0\r\ngarbage\r\n'));
    expect(s.media).toHaveLength(0);
    expect(s.sessionLines).toHaveLength(4);
  });

  it('tolerates a body without o= (fields empty)', () => {
    const s = parseSdp(crlf('v=0', 's=-', 'c=IN IP4 1.2.3.4', 't=0 0'));
    expect(s.origin.address).toBe('');
  });
});

describe('parseSdp: media level', () => {
  it('parses m=, codecs, rtcp, mux, mid, ptime, direction, end-of-candidates', () => {
    const m = parseSdp(BASIC).media[0]!;
    expect(m).toMatchObject({
      index: 1,
      type: 'audio',
      port: 5000,
      proto: 'RTP/AVP',
      formats: ['96', '0', '8', '101'],
      rtcp: { port: 5001 },
      rtcpMux: true,
      mid: 'audio',
      ptime: 20,
      direction: 'recvonly',
      hasEndOfCandidates: true,
      hasIce: false,
      isRtp: true,
    });
    expect(m.portCount).toBeUndefined();
    expect(m.connection).toBeUndefined();
    expect(m.lines[0]).toEqual({ type: 'm', value: 'audio 5000 RTP/AVP 96 0 8 101', eol: '\r\n' });
    expect(m.codecs).toEqual([
      { pt: 96, name: 'opus', clock: 48000, channels: 2, fmtp: 'useinbandfec=1', rtcpFb: ['nack'] },
      { pt: 0, name: 'PCMU', clock: 8000, rtcpFb: [] },
      { pt: 8, name: 'PCMA', clock: 8000, rtcpFb: [] },
      { pt: 101, name: 'telephone-event', clock: 8000, fmtp: '0-16', rtcpFb: [] },
    ]);
  });

  it('fills static payload types from RFC 3551 and leaves unknown dynamic ones nameless', () => {
    const m = parseSdp(crlf('v=0', 'c=IN IP4 1.2.3.4', 'm=audio 5000 RTP/AVP 0 9 18 10 97 0')).media[0]!;
    expect(m.codecs.map((c) => [c.pt, c.name, c.clock, c.channels])).toEqual([
      [0, 'PCMU', 8000, undefined],
      [9, 'G722', 8000, undefined],
      [18, 'G729', 8000, undefined],
      [10, 'L16', 44100, 2],
      [97, '', 0, undefined],
    ]);
  });

  it('parses a=rtcp with address, and ignores a malformed a=rtcp', () => {
    const ok = parseSdp(crlf('v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0'));
    expect(ok.media[0]!.rtcp).toEqual({ port: 9, family: 'IP4', address: '0.0.0.0' });
    expect(ok.media[0]!.connection).toEqual({ family: 'IP4', address: '0.0.0.0' });
    for (const bad of ['a=rtcp:abc', 'a=rtcp:', 'a=rtcp:5001 IN IP4', 'a=rtcp:70000']) {
      expect(parseSdp(crlf('v=0', 'm=audio 5000 RTP/AVP 0', bad)).media[0]!.rtcp).toBeUndefined();
    }
  });

  it('handles port counts, non-RTP protocols and multiple sections', () => {
    const s = parseSdp(
      crlf(
        'v=0',
        'c=IN IP4 1.2.3.4',
        'm=video 5002/2 RTP/AVP 31',
        'm=image 0 udptl t38',
        'm=application 5004 TCP/MSRP *',
        'a=ice-ufrag:abcd',
      ),
    );
    expect(s.media.map((m) => [m.index, m.port, m.portCount, m.isRtp, m.codecs.length])).toEqual([
      [1, 5002, 2, true, 1],
      [2, 0, undefined, false, 0],
      [3, 5004, undefined, false, 0],
    ]);
    expect(s.media[2]!.hasIce).toBe(true);
    expect(s.media[2]!.formats).toEqual(['*']);
  });
});

describe('parseSdp: rejection (spec §4.1)', () => {
  it.each([
    ['not SDP at all', 'this is not sdp'],
    ['first line is not v=', 's=-\r\nv=0\r\n'],
    ['unknown line type', 'v=0\r\nx=foo\r\n'],
    ['line without =', 'v=0\r\nsomething\r\n'],
    ['upper-case type', 'v=0\r\nA=foo\r\n'],
    ['m= without port', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio\r\n'],
    ['m= without proto', 'v=0\r\nm=audio 5000\r\n'],
    ['non-numeric port', 'v=0\r\nm=audio abc RTP/AVP 0\r\n'],
    ['port out of range', 'v=0\r\nm=audio 70000 RTP/AVP 0\r\n'],
    ['bad port count', 'v=0\r\nm=audio 5000/x RTP/AVP 0\r\n'],
    ['malformed o=', 'v=0\r\no=- 1 1 IN IP4\r\n'],
    ['malformed c=', 'v=0\r\nc=IN IP4\r\n'],
    ['unknown address type', 'v=0\r\nc=IN IPX 1.2.3.4\r\n'],
    ['empty body', ''],
    ['only an empty line', '\r\n'],
  ])('%s', (_name, body) => {
    const e = parseError(b(body));
    expect(e.message).toBe('Failed to parse SDP');
    expect(e.detail).not.toBe('');
  });
});

describe('assertSdpComplete', () => {
  it('rejects a stream without any usable c=', () => {
    const s = parseSdp(crlf('v=0', 'o=- 1 1 IN IP4 127.0.0.10', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0'));
    expect(() => assertSdpComplete(s)).toThrow(SdpIncompleteError);
    expect(() => assertSdpComplete(s)).toThrow('Incomplete SDP specification');
  });

  it('accepts media-level c= without session c=, and session c= alone', () => {
    expect(() => assertSdpComplete(parseSdp(crlf('v=0', 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 1.2.3.4')))).not.toThrow();
    expect(() => assertSdpComplete(parseSdp(crlf('v=0', 'c=IN IP4 1.2.3.4', 'm=audio 5000 RTP/AVP 0')))).not.toThrow();
  });
});

describe('isZeroAddress', () => {
  it.each([
    ['0.0.0.0', true],
    ['::', true],
    ['0:0:0:0:0:0:0:0', true],
    ['127.0.0.1', false],
    ['::1', false],
    ['10.0.0.0', false],
  ])('%s -> %s', (a, z) => expect(isZeroAddress(a)).toBe(z));
});

describe('parseSdp: several session descriptions in one body (RFC 8866 §5)', () => {
  const TWO = crlf(
    'v=0', 'o=a 1000 5 IN IP4 10.0.0.1', 's=one', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly',
    'm=audio 5000 RTP/AVP 0', 'a=x-1',
    'v=0', 'o=b 2000 7 IN IP6 ::2', 's=two', 't=0 0', 'a=recvonly',
    'm=audio 6000 RTP/AVP 8', 'c=IN IP6 ::2', 'm=video 6002 RTP/AVP 31',
  );

  it('a v= line ends the media section before it and starts a new session', () => {
    const s = parseSdp(TWO);
    expect(s.sessions).toHaveLength(2);
    expect(s.media.map((m) => [m.index, m.session, m.lines.map((l) => l.type).join('')])).toEqual([
      [1, 0, 'ma'],
      [2, 1, 'mc'],
      [3, 1, 'm'],
    ]);
    expect(s.sessions[1]!.sessionLines.map((l) => l.type)).toEqual(['v', 'o', 's', 't', 'a']);
    expect(s.sessions[1]!.origin).toMatchObject({ username: 'b', version: '7', family: 'IP6', address: '::2' });
    expect(s.sessions[1]!).toMatchObject({ sessionName: 'two', direction: 'recvonly' });
    expect(s.sessions[1]!.connection).toBeUndefined();
  });

  it('the top-level session fields are the first session\'s', () => {
    const s = parseSdp(TWO);
    expect(s).toMatchObject({ sessionName: 'one', direction: 'sendonly', connection: { family: 'IP4', address: '10.0.0.1' } });
    expect(s.origin.version).toBe('5');
    expect(s.sessionLines).toEqual(s.sessions[0]!.sessionLines);
  });

  it('a media section falls back to the c= and direction of its own session only', () => {
    const s = parseSdp(TWO);
    expect(sessionOf(s, s.media[0]!).direction).toBe('sendonly');
    expect(sessionOf(s, s.media[2]!).direction).toBe('recvonly');
    expect(effectiveConnection(s, s.media[1]!)).toEqual({ family: 'IP6', address: '::2' });
    // m=video has no c= and its session none either: the first session's c= does not count.
    expect(effectiveConnection(s, s.media[2]!)).toBeUndefined();
    expect(() => assertSdpComplete(s)).toThrow(SdpIncompleteError);
  });

  it('numbers media across sessions, also for a session without media', () => {
    const s = parseSdp(crlf('v=0', 'c=IN IP4 1.1.1.1', 'v=0', 'c=IN IP4 1.1.1.1', 'm=audio 1 RTP/AVP 0', 'v=0', 'v=0', 'c=IN IP4 1.1.1.1'));
    expect(s.sessions).toHaveLength(4);
    expect([0, 1, 2, 3].map((k) => sessionMediaIndex(s, k))).toEqual([1, 1, 2, 2]);
  });

  it('an empty line still ends the whole body, later sessions included', () => {
    const s = parseSdp(b('v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 1 RTP/AVP 0\r\n\r\nv=0\r\nm=audio 2 RTP/AVP 0\r\n'));
    expect(s.sessions).toHaveLength(1);
    expect(s.media).toHaveLength(1);
  });
});
