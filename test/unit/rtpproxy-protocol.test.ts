import { describe, expect, it } from 'vitest';
import { modifierDirections, parseRtpproxyRequest } from '../../protocol/rtpproxy/request.js';
import {
  capabilityReply, deletedReply, errorReply, fallbackReply, portReply, queryReply, unknownCallReply, versionReply,
} from '../../protocol/rtpproxy/reply.js';
import { parseTcpControlLine } from '../../protocol/rtpproxy/tcp-line.js';
import { mediaOf, synthesizeSdp } from '../../daemon/control/rtpproxy-commands.js';

describe('rtpproxy request lines', () => {
  it('parses U with modifiers, via-branch and media number', () => {
    expect(parseRtpproxyRequest('123_4 Uc0,8,101IE abc@host;z9hG4bK1 192.0.2.1 4000 ft1;2\n')).toEqual({
      kind: 'update', cookie: '123_4', modifiers: 'c0,8,101IE', callId: 'abc@host', viaBranch: 'z9hG4bK1',
      address: '192.0.2.1', port: 4000, fromTag: 'ft1', mediaIndex: 2, direction: ['internal', 'external'],
    });
  });

  it('parses L with both tags (lower-case command, IPv6 address, CRLF)', () => {
    const r = parseRtpproxyRequest('c l call 2001:DB8::1 5000 ft;1 tt;1\r\n');
    expect(r).toMatchObject({ kind: 'lookup', callId: 'call', address: '2001:DB8::1', port: 5000, fromTag: 'ft', toTag: 'tt', mediaIndex: 1 });
  });

  it('takes media number 0 as 1 and the port modulo 2^16 (atoi into a 16-bit field)', () => {
    expect(parseRtpproxyRequest('c U x 10.0.0.1 99999 f;0')).toMatchObject({ mediaIndex: 1, port: 99999 & 0xffff });
  });

  it('parses D and Q with and without to-tag and ;N suffixes', () => {
    expect(parseRtpproxyRequest('c D call ft tt')).toEqual({ kind: 'delete', cookie: 'c', modifiers: '', callId: 'call', fromTag: 'ft', toTag: 'tt' });
    expect(parseRtpproxyRequest('c q call;br ft;1')).toEqual({ kind: 'query', cookie: 'c', modifiers: '', callId: 'call', viaBranch: 'br', fromTag: 'ft' });
  });

  it('parses V and VF with or without a date, ignoring what follows', () => {
    expect(parseRtpproxyRequest('c V')).toEqual({ kind: 'version', cookie: 'c', modifiers: '' });
    expect(parseRtpproxyRequest('c VF 20050322 extra')).toEqual({ kind: 'version', cookie: 'c', modifiers: 'F', param: '20050322' });
    expect(parseRtpproxyRequest('c VF')).toEqual({ kind: 'version', cookie: 'c', modifiers: 'F' });
  });

  it("falls back like rtpengine: half-parsable U/L echo port and address, anything else is E8", () => {
    // No ;N after the from-tag: rtpengine answers "cookie PORT ADDR".
    expect(parseRtpproxyRequest('a13 U call6 127.0.0.1 5000 ft1')).toEqual({ kind: 'fallback', cookie: 'a13', echo: ' 5000 127.0.0.1' });
    expect(parseRtpproxyRequest('c I')).toEqual({ kind: 'fallback', cookie: 'c' });
    expect(parseRtpproxyRequest('garbage')).toEqual({ kind: 'fallback', cookie: 'garbage' });
    expect(parseRtpproxyRequest('c U call 1.2.3.4')).toEqual({ kind: 'fallback', cookie: 'c' });
    expect(parseRtpproxyRequest('c D call')).toEqual({ kind: 'fallback', cookie: 'c' });
  });

  it('gives no cookie for empty or whitespace-led lines', () => {
    expect(parseRtpproxyRequest('')).toEqual({ kind: 'none' });
    expect(parseRtpproxyRequest(' c V')).toEqual({ kind: 'none' });
    expect(parseRtpproxyRequest('\n')).toEqual({ kind: 'none' });
  });

  it('does not take a non-address as the address', () => {
    expect(parseRtpproxyRequest('c U call host.example 5000 ft;1').kind).toBe('fallback');
    expect(parseRtpproxyRequest('c U call 1.2.3.4 port ft;1').kind).toBe('fallback');
  });

  it('reads at most two E/I modifiers, in order', () => {
    expect(modifierDirections('EIE')).toEqual(['external', 'internal']);
    expect(modifierDirections('c0,8')).toEqual([]);
  });
});

describe('rtpproxy replies', () => {
  it('are written as rtpengine 10.5 writes them', () => {
    expect(versionReply('c')).toBe('c 20040107\n');
    expect(capabilityReply('c', '20060704')).toBe('c 1\n');
    expect(capabilityReply('c', '20081224')).toBe('c 0\n');
    expect(capabilityReply('c', undefined)).toBe('c 0\n');
    expect(portReply('c', 30000, '203.0.113.1')).toBe('c 30000 203.0.113.1 4\n');
    expect(portReply('c', 30000, '2001:db8::1')).toBe('c 30000 2001:db8::1 6\n');
    expect(unknownCallReply('c')).toBe('c 0 0.0.0.0\n');
    expect(deletedReply('c')).toBe('c 0\n');
    expect(errorReply('c')).toBe('c E8\n');
    expect(queryReply('c', 3599, 8, 2)).toBe('c 3599 8 2 0 0\n');
    expect(fallbackReply('c', ' 5000 1.2.3.4')).toBe('c 5000 1.2.3.4\n');
    expect(fallbackReply('c', undefined)).toBe('c E8\n');
  });
});

describe('rtpengine TCP control lines', () => {
  it('parses the commands rtpengine knows, case-sensitively', () => {
    expect(parseTcpControlLine('version')).toEqual({ kind: 'version' });
    expect(parseTcpControlLine('build\r')).toEqual({ kind: 'version' });
    expect(parseTcpControlLine('status')).toEqual({ kind: 'status' });
    expect(parseTcpControlLine('exit')).toEqual({ kind: 'quit' });
    expect(parseTcpControlLine('delete abc info=fromtag:x')).toEqual({ kind: 'delete', callId: 'abc', info: 'fromtag:x' });
    expect(parseTcpControlLine('request c 1.2.3.4:5000 1.2.3.4 d f d t agent info=fromtag:x'))
      .toEqual({ kind: 'request', callId: 'c', streams: '1.2.3.4:5000', info: 'fromtag:x' });
    expect(parseTcpControlLine('VERSION')).toEqual({ kind: 'invalid' });
    expect(parseTcpControlLine('delete abc')).toEqual({ kind: 'invalid' });
    expect(parseTcpControlLine('')).toEqual({ kind: 'invalid' });
  });
});

describe('synthetic SDP for rtpproxy streams', () => {
  it('has one RTP/AVP media per media number, rejected holes, and reads back media N', () => {
    const sdp = synthesizeSdp([undefined, { address: '2001:db8::5', port: 4000 }]);
    expect(sdp).toContain('m=audio 0 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP6 2001:db8::5\r\n');
    expect(mediaOf(sdp, 2)).toEqual({ address: '2001:db8::5', port: 4000 });
    expect(mediaOf(sdp, 3)).toBeNull();
    expect(mediaOf('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 7 RTP/AVP 0\r\n', 1)).toEqual({ address: '1.2.3.4', port: 7 });
  });
});
