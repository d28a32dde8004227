/**
 * Bad input must get rtpengine's error reply or a counted drop — never a crash, hang or lost call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { twoPartyCall } from '../helpers/calls.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

describe('garbage and hostile input', () => {
  let d: DaemonHandle;
  beforeAll(async () => { d = await startDaemon(); });
  afterAll(async () => { await d.close(); });

  it('answers garbage on the ng socket with errors and keeps serving', async () => {
    const cases: [string, Buffer][] = [
      ['deep', Buffer.from('l'.repeat(60000))],
      ['deepjson', Buffer.from('['.repeat(60000))],
      ['binary', Buffer.from([0x64, 0xff, 0x00, 0x3a, 0x99])],
      ['huge', Buffer.concat([Buffer.from('d3:sdp60000:'), Buffer.alloc(60000, 0x41), Buffer.from('e')])],
      ['negative-len', Buffer.from('d7:command-4:pinge')],
      ['cmd-int', Buffer.from('d7:commandi5ee')],
    ];
    for (const [cookie, payload] of cases) {
      const reply = (await d.ng.raw(cookie, payload)).toString('latin1');
      expect(reply, cookie).toMatch(/error/);
    }
    await d.ng.silent(Buffer.from('nocookie'));
    await d.ng.silent(Buffer.alloc(0));
    const pong = await d.ng.request({ command: 'ping' });
    expect(str(pong.get('result'))).toBe('pong');
    expect(d.proc.exitCode).toBeNull();
  });

  it('rejects broken SDP with rtpengine\'s reasons and creates no call', async () => {
    const bad = await d.ng.request({ command: 'offer', 'call-id': 'bad-sdp', 'from-tag': 'x', sdp: 'v=0\r\nm=audio\r\n' });
    expect(str(bad.get('error-reason'))).toBe('Failed to parse SDP');
    const noc = await d.ng.request({ command: 'offer', 'call-id': 'no-c', 'from-tag': 'x', sdp: 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n' });
    expect(str(noc.get('error-reason'))).toBe('Incomplete SDP specification');
    const l = await d.ng.request({ command: 'list' });
    expect((l.get('calls') as Buffer[]).map(String)).not.toContain('bad-sdp');
  });

  it('rejects addresses that are not IP literals of their family, as rtpengine 10.5 does (measured)', async () => {
    const sdp = (c: string, extra = ''): string =>
      `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN ${c}\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n${extra}`;
    // c= must be an IP literal of the stated family: no host names (no DNS on the signalling path),
    // no multicast TTL suffix, no IPv6 under IP4. The call is not created.
    for (const c of ['IP4 not.an.ip', 'IP4 300.1.1.1', 'IP4 localhost', 'IP4 ::1', 'IP4 224.1.1.1/127', 'IP6 127.0.0.1']) {
      const r = await d.ng.request({ command: 'offer', 'call-id': `bad-c-${c}`, 'from-tag': 'x', sdp: sdp(c) });
      expect(str(r.get('error-reason')), c).toBe('Failed to parse SDP');
      const q = await d.ng.request({ command: 'query', 'call-id': `bad-c-${c}` });
      expect(str(q.get('error-reason')), c).toBe('Unknown call-id');
    }
    // A bracketed IPv6 literal is accepted; a media-level c= does not save a bad session-level one.
    const ok = await d.ng.request({ command: 'offer', 'call-id': 'c-v6-brackets', 'from-tag': 'x', sdp: sdp('IP6 [::1]') });
    expect(str(ok.get('result'))).toBe('ok');
    const both = await d.ng.request({ command: 'offer', 'call-id': 'c-both', 'from-tag': 'x', sdp: sdp('IP4 bogus', 'c=IN IP4 127.0.0.1\r\n') });
    expect(str(both.get('error-reason'))).toBe('Failed to parse SDP');
    // a=rtcp with an unusable address stays in the output next to ours; one with a bad port goes;
    // a candidate with a host name is ignored.
    const rtcpAddr = await d.ng.request({ command: 'offer', 'call-id': 'rtcp-bad-addr', 'from-tag': 'x', sdp: sdp('IP4 127.0.0.1', 'a=rtcp:5001 IN IP4 not.ip\r\n') });
    expect(str(rtcpAddr.get('sdp'))).toMatch(/a=rtcp:5001 IN IP4 not\.ip\r\na=rtpmap:0 PCMU\/8000\r\na=sendrecv\r\na=rtcp:\d+\r\n$/);
    const rtcpPort = await d.ng.request({ command: 'offer', 'call-id': 'rtcp-bad-port', 'from-tag': 'x', sdp: sdp('IP4 127.0.0.1', 'a=rtcp:70000\r\n') });
    expect(str(rtcpPort.get('sdp'))).not.toContain('70000');
    const cand = await d.ng.request({
      command: 'offer', 'call-id': 'cand-host', 'from-tag': 'x',
      sdp: sdp('IP4 127.0.0.1', 'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\na=candidate:1 1 UDP 2130706431 not.an.ip 5000 typ host\r\n'),
    });
    expect(str(cand.get('result'))).toBe('ok');
    expect(str(cand.get('sdp'))).not.toContain('not.an.ip');
  });

  it('counts garbage and spoofed media without disturbing the call', async () => {
    const [a, aRtcp] = await RtpPeer.pair();
    const [b, bRtcp] = await RtpPeer.pair();
    try {
      // Immediate learning commits A's first packet (with the default delayed learning rtpengine, and
      // we, follow any source during the first 3 s, so a spoofer could take over inside that window).
      const learning = { 'endpoint-learning': ['immediate'] };
      const { toA, toB } = await twoPartyCall(d, 'garbage-media', a.port, b.port, { offer: learning, answer: learning });
      a.send(rtpPacket(0, 1, 1, 7), toA); // A committed
      await b.waitFor(1);
      const spoof = await RtpPeer.open();
      for (let i = 0; i < 100; i++) spoof.send(Buffer.from([i, 0xff, 0x00]), toA);
      spoof.send(Buffer.alloc(0), toA);
      await new Promise((r) => setTimeout(r, 100));
      spoof.close();
      b.send(rtpPacket(0, 2, 2, 8), toB);
      await a.waitFor(1);
      expect(a.received.length).toBe(1);
      expect(d.proc.exitCode).toBeNull();
    } finally {
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    }
  });

  it('port exhaustion: "Ran out of ports", the call is not kept, other calls live on', async () => {
    const small = await startDaemon([], { ports: 4 }); // room for exactly one call (2 pairs)
    try {
      const ok = await small.ng.request({ command: 'offer', 'call-id': 'fits', 'from-tag': 'a', sdp: phoneSdp('a', 20000) });
      expect(str(ok.get('result'))).toBe('ok');
      const full = await small.ng.request({ command: 'offer', 'call-id': 'too-many', 'from-tag': 'a', sdp: phoneSdp('a', 20002) });
      expect(str(full.get('error-reason'))).toBe('Ran out of ports');
      const l = await small.ng.request({ command: 'list' });
      expect((l.get('calls') as Buffer[]).map(String)).toEqual(['fits']);
      await small.ng.request({ command: 'delete', 'call-id': 'fits', 'delete-delay': 0 });
      const again = await small.ng.request({ command: 'offer', 'call-id': 'now-fits', 'from-tag': 'a', sdp: phoneSdp('a', 20004) });
      expect(str(again.get('result'))).toBe('ok');
    } finally {
      await small.close();
    }
  });
});

describe('RTP timeout (spec §7.1)', () => {
  it('deletes a call whose media stopped for --timeout seconds, and logs it', async () => {
    const d = await startDaemon(['--timeout=2', '--offer-timeout=2']);
    try {
      const [a, aRtcp] = await RtpPeer.pair();
      const [b, bRtcp] = await RtpPeer.pair();
      const offer = await d.ng.request({ command: 'offer', 'call-id': 'to-1', 'from-tag': 'a', sdp: phoneSdp('a', a.port) });
      expect(str(offer.get('result'))).toBe('ok');
      await d.ng.request({ command: 'answer', 'call-id': 'to-1', 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', b.port) });
      // A second call keeps media flowing and must survive.
      const o2 = await d.ng.request({ command: 'offer', 'call-id': 'to-2', 'from-tag': 'a', sdp: phoneSdp('a', a.port + 100) });
      const a2 = await d.ng.request({ command: 'answer', 'call-id': 'to-2', 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', b.port + 100) });
      const toA2 = mPort(str(a2.get('sdp')));
      const toB2 = mPort(str(o2.get('sdp')));
      const talker = setInterval(() => {
        a.send(rtpPacket(0, 1, 1, 1), toA2);
        b.send(rtpPacket(0, 1, 1, 2), toB2);
      }, 100);
      await new Promise((r) => setTimeout(r, 4000));
      clearInterval(talker);
      const q1 = await d.ng.request({ command: 'query', 'call-id': 'to-1' });
      expect(str(q1.get('error-reason'))).toBe('Unknown call-id');
      const q2 = await d.ng.request({ command: 'query', 'call-id': 'to-2' });
      expect(str(q2.get('result'))).toBe('ok');
      expect(d.log()).toMatch(/Closing call due to timeout/);
      for (const p of [a, aRtcp, b, bRtcp]) p.close();
    } finally {
      await d.close();
    }
  }, 15000);
});


describe('control logging (rtpengine 10.5 lines, measured)', () => {
  it('logs every command with its source and elapsed time, dumps at -L 7, and protocol errors with source and bytes', async () => {
    const d = await startDaemon();
    try {
      const sdp = phoneSdp('alice', 5000);
      await d.ng.request({ command: 'offer', 'call-id': 'log-1', 'from-tag': 'a', sdp });
      await d.ng.request({ command: 'bogus' });
      await d.ng.raw('garbage-cookie', Buffer.from('not bencode'));
      await new Promise((r) => setTimeout(r, 200));
      const log = d.log();
      expect(log).toMatch(/^\[\d+\.\d{6}\] INFO: \[log-1\]: \[control\] Received command 'offer' from 127\.0\.0\.1:\d+$/m);
      expect(log).toMatch(/^\[\d+\.\d{6}\] DEBUG: \[log-1\]: \[control\] Dump for 'offer' from 127\.0\.0\.1:\d+: \{ "command": "offer", "call-id": "log-1"/m);
      expect(log).toMatch(/NOTICE: \[log-1\]: \[core\] Creating new call$/m);
      expect(log).toMatch(/INFO: \[log-1\]: \[control\] Replying to 'offer' from 127\.0\.0\.1:\d+ \(elapsed time \d\.\d{6} sec\)$/m);
      expect(log).toMatch(/WARNING: \[control\] Protocol error in packet from 127\.0\.0\.1:\d+: Unrecognized command \[d7:command5:boguse\]$/m);
      expect(log).toMatch(/WARNING: \[control\] Protocol error in packet from 127\.0\.0\.1:\d+: Invalid NG data format \[not bencode\]$/m);
    } finally {
      await d.close();
    }
  });

  it('honours --log-level-SUBSYSTEM: control at 4 hides the command lines while -L 7 keeps the rest', async () => {
    const d = await startDaemon(['--log-level-control=4']);
    try {
      await d.ng.request({ command: 'offer', 'call-id': 'log-2', 'from-tag': 'a', sdp: phoneSdp('alice', 5000) });
      await new Promise((r) => setTimeout(r, 200));
      const log = d.log();
      expect(log).not.toContain("Received command 'offer'");
      expect(log).toMatch(/NOTICE: \[log-2\]: \[core\] Creating new call$/m);
    } finally {
      await d.close();
    }
  });
});
