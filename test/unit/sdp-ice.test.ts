// ICE attributes of SDP (protocol/sdp/ice.ts): RFC 8839 §5.1 candidate grammar both ways, media over
// session level for credentials, session-level ice-lite, trickle and end-of-candidates.
import { describe, expect, it } from 'vitest';
import { formatCandidate, hasIceCredentials, mediaIce, parseCandidate, parseIceFragment } from '../../protocol/sdp/ice.js';
import { parseSdp } from '../../protocol/sdp/parse.js';

describe('a=candidate', () => {
  it('parses host and related-address candidates and writes them back', () => {
    const host = '1 1 UDP 2130706431 127.0.0.10 5000 typ host';
    expect(parseCandidate(host)).toEqual({ foundation: '1', component: 1, transport: 'UDP', priority: 2130706431, address: '127.0.0.10', port: 5000, type: 'host' });
    expect(formatCandidate(parseCandidate(host)!)).toBe(host);
    const srflx = '2 2 UDP 1694498814 127.0.0.40 15001 typ srflx raddr 127.0.0.10 rport 5001';
    expect(parseCandidate(srflx)).toMatchObject({ type: 'srflx', relAddr: '127.0.0.10', relPort: 5001 });
    expect(formatCandidate(parseCandidate(srflx)!)).toBe(srflx);
    // Browser extensions after the required fields are ignored.
    expect(parseCandidate('842163049 1 udp 1677729535 203.0.113.5 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999'))
      .toMatchObject({ transport: 'udp', port: 46154, relPort: 0 });
  });

  it('rejects malformed candidates', () => {
    for (const bad of ['', '1 1 UDP 1 1.2.3.4 5000', '1 x UDP 1 1.2.3.4 5000 typ host', '1 1 UDP 1 1.2.3.4 70000 typ host',
      '1 1 UDP 1 1.2.3.4 5000 typ bogus', '1 0 UDP 1 1.2.3.4 5000 typ host', '1 1 UDP 99999999999 1.2.3.4 5000 typ host']) {
      expect(parseCandidate(bad)).toBeUndefined();
    }
  });
});

describe('mediaIce', () => {
  it('takes media-level credentials over session-level ones, session ice-lite and trickle', () => {
    const sdp = parseSdp(Buffer.from([
      'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=ice-lite', 'a=ice-ufrag:sess', 'a=ice-pwd:sesspasswordsesspassword',
      'a=ice-options:trickle', 'm=audio 5000 RTP/AVP 0', 'a=ice-ufrag:med1', 'a=candidate:1 1 UDP 2130706431 127.0.0.1 5000 typ host',
      'a=candidate:garbage', 'a=end-of-candidates', 'm=audio 6000 RTP/AVP 0', '',
    ].join('\r\n')));
    const m1 = mediaIce(sdp.sessions[0]!, sdp.media[0]!);
    expect(m1).toMatchObject({ ufrag: 'med1', pwd: 'sesspasswordsesspassword', lite: true, trickle: true, endOfCandidates: true });
    expect(m1.candidates).toHaveLength(1);
    expect(hasIceCredentials(m1)).toBe(true);
    const m2 = mediaIce(sdp.sessions[0]!, sdp.media[1]!);
    expect(m2).toMatchObject({ ufrag: 'sess', candidates: [], endOfCandidates: false });
  });
});

describe('parseIceFragment (RFC 8840 §9.2)', () => {
  it('reads session credentials, then per m= its mid, candidates and end-of-candidates', () => {
    const f = parseIceFragment([
      'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'm=audio 9 RTP/AVP 0', 'a=mid:0',
      'a=candidate:1 1 UDP 2130706431 203.0.113.5 40000 typ host', 'a=candidate:broken', 'm=video 9 RTP/AVP 96', 'a=mid:1',
      'a=ice-ufrag:efgh', 'a=end-of-candidates', '',
    ].join('\n'));
    expect(f).toHaveLength(2);
    expect(f[0]).toMatchObject({ mid: '0', ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuvwx', endOfCandidates: false });
    expect(f[0]!.candidates.map((c) => c.port)).toEqual([40000]);
    expect(f[1]).toMatchObject({ mid: '1', ufrag: 'efgh', endOfCandidates: true, candidates: [] });
    expect(parseIceFragment('garbage\r\n\r\nx=1')).toEqual([]);
  });
});
