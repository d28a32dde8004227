/**
 * ICE through the real daemon with werift's agent (an independent RFC 8445 implementation, the one
 * spec/deps.md measured) as the WebRTC-side peer, over loopback: the daemon's agent answers and
 * sends checks on the call's own media sockets, nominates or follows the nomination, and media
 * then flows both ways through the selected pair, to and from a plain RTP phone on the SIP side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Candidate, Connection } from 'werift';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';

let d: DaemonHandle;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  d = await startDaemon([]);
});
afterAll(async () => {
  for (const c of closers) await c();
  await d?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A werift agent on 127.0.0.1 only (werift would also gather the host's other addresses). */
async function weriftAgent(controlling: boolean): Promise<Connection> {
  const c = new Connection(controlling, { useIpv4: true, useIpv6: false, interfaceAddresses: { udp4: '127.0.0.1' }, additionalHostAddresses: ['127.0.0.1'] });
  closers.push(() => c.close());
  await c.gatherCandidates();
  return c;
}

function weriftSdp(c: Connection): string {
  const cands = c.localCandidates.filter((x) => x.host === '127.0.0.1');
  const port = cands[0]!.port;
  return [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000', 'a=rtcp-mux', `a=ice-ufrag:${c.localUsername}`, `a=ice-pwd:${c.localPassword}`,
    ...cands.map((x) => `a=candidate:${x.toSdp()}`), 'a=end-of-candidates', 'a=sendrecv', '',
  ].join('\r\n');
}

/** Gives werift the daemon's ICE from its SDP and connects. */
async function connectTo(c: Connection, sdp: string): Promise<void> {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)![1]!;
  const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)![1]!;
  c.setRemoteParams({ iceLite: /^a=ice-lite/m.test(sdp), usernameFragment: ufrag, password: pwd });
  for (const m of sdp.matchAll(/^a=candidate:(.+?)\r$/gm)) await c.addRemoteCandidate(Candidate.fromSdp(m[1]!));
  await c.addRemoteCandidate(undefined);
  await Promise.race([c.connect(), sleep(5000).then(() => { throw new Error('ICE did not connect'); })]);
}

async function plainPhone(): Promise<RtpPeer> {
  const p = await RtpPeer.open();
  closers.push(() => p.close());
  return p;
}

function plainSdp(port: number): string {
  return ['v=0', 'o=- 2 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

/**
 * Waits until the daemon's agent toward `tag` selected a pair (query shows the stream's endpoint):
 * werift may finish a moment before we process the last check, and we send nothing before that.
 */
async function selected(callId: string, tag: string): Promise<void> {
  for (const end = Date.now() + 3000; Date.now() < end; await sleep(20)) {
    const q = await d.ng.request({ command: 'query', 'call-id': callId });
    const t = (q.get('tags') as Map<string, Map<string, unknown>>).get(tag);
    const st = ((t?.get('medias') as Map<string, unknown>[] | undefined)?.[0]?.get('streams') as Map<string, unknown>[] | undefined)?.[0];
    if ((st?.get('flags') as Buffer[] | undefined)?.some((f) => String(f) === 'confirmed')) return;
  }
  throw new Error(`no ICE pair selected toward ${tag}`);
}

/** werift connects to the daemon's ICE, the daemon selects its pair, and 10 packets go each way. */
async function connectsWithMedia(w: Connection, toWerift: string, callId: string, phone: RtpPeer, phoneSidePort: number): Promise<void> {
  await connectTo(w, toWerift);
  await selected(callId, 'W');
  const got = await mediaBothWays(w, phone, phoneSidePort);
  expect(got.atPhone).toBe(10);
  expect(got.atWerift).toBe(10);
}

/** Media both ways: werift ↔ daemon ↔ plain phone; returns what each side got. */
async function mediaBothWays(w: Connection, phone: RtpPeer, phoneSidePort: number): Promise<{ atPhone: number; atWerift: number }> {
  let atWerift = 0;
  w.onData.subscribe((d: Buffer) => { if (d.length === 172 && d.readUInt32BE(8) === 0x2222) atWerift++; });
  for (let i = 0; i < 10; i++) {
    await w.send(rtpPacket(0, 100 + i, 160 * i, 0x1111));
    phone.send(rtpPacket(0, 200 + i, 160 * i, 0x2222), phoneSidePort);
    await sleep(10);
  }
  await sleep(200);
  return { atPhone: phone.received.filter((r) => r.data.readUInt32BE(8) === 0x1111).length, atWerift };
}

describe('ICE with werift as the peer', () => {
  it('WebRTC → SIP: werift offers (controlling), the answer gets our ICE (ICE=force); media both ways', async () => {
    const w = await weriftAgent(true);
    const phone = await plainPhone();
    const callId = `ice-a-${process.pid}`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: weriftSdp(w), ICE: 'remove', 'rtcp-mux': ['demux'] });
    expect(str(offer.get('result'))).toBe('ok');
    const toPhone = str(offer.get('sdp'));
    expect(toPhone).not.toMatch(/a=(ice-ufrag|candidate)/);
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(toPhone)![1]);
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'W', 'to-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force', 'rtcp-mux': ['accept'] });
    const toWerift = str(answer.get('sdp'));
    expect(toWerift).toMatch(/^a=ice-ufrag:\w{8}\r$/m);
    expect(toWerift).toMatch(/^a=candidate:\S+ 1 UDP 2130706431 127\.0\.0\.1 \d+ typ host\r$/m);
    await connectsWithMedia(w, toWerift, callId, phone, phoneSidePort);
    // query shows the endpoint ICE selected for the WebRTC side.
    const q = await d.ng.request({ command: 'query', 'call-id': callId });
    const wPort = w.localCandidates.find((x) => x.host === '127.0.0.1')!.port;
    const tags = q.get('tags') as Map<string, Map<string, unknown>>;
    const streams = ((tags.get('W')!.get('medias') as Map<string, unknown>[])[0]!.get('streams') as Map<string, unknown>[]);
    expect((streams[0]!.get('endpoint') as Map<string, unknown>).get('port')).toBe(wPort);
  });

  it('SIP → WebRTC: the daemon offers ICE (ICE=force) and controls; werift answers as the controlled agent', async () => {
    const phone = await plainPhone();
    const w = await weriftAgent(false);
    const callId = `ice-b-${process.pid}`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force', 'rtcp-mux': ['offer'] });
    const toWerift = str(offer.get('sdp'));
    expect(toWerift).toMatch(/^a=ice-pwd:\w{26}\r$/m);
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'P', 'to-tag': 'W', sdp: weriftSdp(w), ICE: 'remove' });
    const toPhone = str(answer.get('sdp'));
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(toPhone)![1]);
    await connectsWithMedia(w, toWerift, callId, phone, phoneSidePort);
  });

  it('ICE-lite toward the WebRTC side: werift (full) controls and nominates, we follow', async () => {
    const phone = await plainPhone();
    // RFC 8445 §6.1.1: a full agent facing a lite one is controlling (werift does not switch by itself).
    const w = await weriftAgent(true);
    const callId = `ice-c-${process.pid}`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force', 'ICE-lite': 'forward', 'rtcp-mux': ['offer'] });
    const toWerift = str(offer.get('sdp'));
    expect(toWerift).toMatch(/^a=ice-lite\r$/m);
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'P', 'to-tag': 'W', sdp: weriftSdp(w), ICE: 'remove' });
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(str(answer.get('sdp')))![1]);
    await connectsWithMedia(w, toWerift, callId, phone, phoneSidePort);
  });

  it('trickle ICE: candidates come later in SDP fragments (flag fragment), also one sent before the call exists', async () => {
    const w = await weriftAgent(true);
    const phone = await plainPhone();
    const callId = `ice-t-${process.pid}`;
    const full = weriftSdp(w);
    const cands = [...full.matchAll(/^a=candidate:.+\r$/gm)].map((m) => m[0]);
    const frag = (lines: string[]) => `a=ice-ufrag:${w.localUsername}\r\na=ice-pwd:${w.localPassword}\r\nm=audio 9 RTP/AVP 0\r\n${lines.join('\r\n')}\r\n`;
    // A fragment before the call: kept and applied once the offer creates it (rtpengine replies ok).
    const early = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: frag(cands), flags: ['fragment'] });
    expect(early.get('result')?.toString()).toBe('ok');
    expect(early.has('sdp')).toBe(false);
    const withoutCandidates = full.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '').replace('a=rtcp-mux', 'a=ice-options:trickle\r\na=rtcp-mux');
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: withoutCandidates, ICE: 'remove' });
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(str(offer.get('sdp')))![1]);
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'W', 'to-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force' });
    const toWerift = str(answer.get('sdp'));
    expect(toWerift).toMatch(/^a=ice-options:trickle\r$/m);
    // And one more fragment after the answer (end-of-candidates).
    const late = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: frag(['a=end-of-candidates']), flags: ['fragment'] });
    expect(late.get('result')?.toString()).toBe('ok');
    await connectsWithMedia(w, toWerift, callId, phone, phoneSidePort);
    const q = await d.ng.request({ command: 'query', 'call-id': callId });
    const wMedia = ((q.get('tags') as Map<string, Map<string, unknown>>).get('W')!.get('medias') as Map<string, unknown>[])[0]!;
    expect((wMedia.get('flags') as Buffer[]).map(String)).toContain('ICE');
  });

  it('STUN with a wrong password gets 401 and switches nothing; garbage STUN is a counted drop', async () => {
    const phone = await plainPhone();
    const w = await weriftAgent(true);
    const callId = `ice-d-${process.pid}`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: weriftSdp(w), ICE: 'remove' });
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(str(offer.get('sdp')))![1]);
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'W', 'to-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force' });
    const toWerift = str(answer.get('sdp'));
    const daemonPort = Number(/^m=audio (\d+)/m.exec(toWerift)![1]);
    // werift with the wrong password for the daemon: its checks are refused.
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(toWerift)![1]!;
    w.setRemoteParams({ iceLite: false, usernameFragment: ufrag, password: 'x'.repeat(26) });
    for (const m of toWerift.matchAll(/^a=candidate:(.+?)\r$/gm)) await w.addRemoteCandidate(Candidate.fromSdp(m[1]!));
    await w.addRemoteCandidate(undefined);
    const attacker = await plainPhone();
    for (let i = 0; i < 50; i++) {
      const junk = Buffer.alloc(40, i);
      junk[0] = 0; junk[1] = 1; junk.writeUInt16BE(20, 2); junk.writeUInt32BE(0x2112a442, 4);
      attacker.send(junk, daemonPort);
    }
    await Promise.race([w.connect().catch(() => {}), sleep(1500)]);
    // Phone media must not be sent anywhere werift is: no pair was selected.
    phone.send(rtpPacket(0, 1, 0, 0x2222), phoneSidePort);
    let leaked = 0;
    w.onData.subscribe(() => { leaked++; });
    await sleep(300);
    expect(leaked).toBe(0);
    expect(attacker.received.length).toBe(0);
    expect(d.proc.exitCode).toBeNull();
  });

  it('a flood of binding requests on an ICE socket is rate-limited and dropped; another call forwards without loss', async () => {
    const w = await weriftAgent(true);
    const phone = await plainPhone();
    const callId = `ice-f-${process.pid}`;
    await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: weriftSdp(w), ICE: 'remove' });
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'W', 'to-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force' });
    const daemonPort = Number(/^m=audio (\d+)/m.exec(str(answer.get('sdp')))![1]);
    // A plain call on the same daemon, forwarding during the flood.
    const a = await plainPhone();
    const b = await plainPhone();
    const other = `ice-f2-${process.pid}`;
    await d.ng.request({ command: 'offer', 'call-id': other, 'from-tag': 'A', sdp: plainSdp(a.port) });
    const a2 = await d.ng.request({ command: 'answer', 'call-id': other, 'from-tag': 'A', 'to-tag': 'B', sdp: plainSdp(b.port) });
    const aSide = Number(/^m=audio (\d+)/m.exec(str(a2.get('sdp')))![1]);
    const attacker = await plainPhone();
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0); req.writeUInt32BE(0x2112a442, 4);
    for (let i = 0; i < 5000; i++) {
      req.writeUInt32BE(i, 8);
      attacker.send(req, daemonPort);
      if (i % 50 === 0) {
        a.send(rtpPacket(0, i / 50, 0, 0x3333), aSide);
        await sleep(1);
      }
    }
    await sleep(300);
    expect(b.received.filter((r) => r.data.readUInt32BE(8) === 0x3333).length).toBe(100);
    expect(attacker.received.length).toBe(0); // no FINGERPRINT, no USERNAME: not even an error goes back
    expect(d.proc.exitCode).toBeNull();
  });

  it('ICE default in an answer follows the offerer; reject-ICE in the offer takes it away (unless the answer forces it)', async () => {
    const w = await weriftAgent(true);
    const phone = await plainPhone();
    const iceLines = (sdp: string) => /^a=(ice-ufrag|candidate):/m.test(sdp);
    for (const [name, offerFlags, answerIce, expectIce] of [
      ['default', [], undefined, true], ['reject', ['reject-ICE'], undefined, false], ['reject+force', ['ICE-reject'], 'force', true],
    ] as const) {
      const callId = `ice-r-${name}-${process.pid}`;
      const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'W', sdp: weriftSdp(w), flags: [...offerFlags] });
      expect(iceLines(str(offer.get('sdp')))).toBe(true); // the offer onward keeps ICE either way
      const answer = await d.ng.request({
        command: 'answer', 'call-id': callId, 'from-tag': 'W', 'to-tag': 'P', sdp: plainSdp(phone.port), ...(answerIce ? { ICE: answerIce } : {}),
      });
      expect(iceLines(str(answer.get('sdp'))), name).toBe(expectIce);
    }
  });

  it('role conflict: werift also controlling (both sides think they control) is resolved with 487 and media flows', async () => {
    const phone = await plainPhone();
    const w = await weriftAgent(true); // the daemon offers, so it is controlling too
    const callId = `ice-rc-${process.pid}`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'P', sdp: plainSdp(phone.port), ICE: 'force', 'rtcp-mux': ['offer'] });
    const toWerift = str(offer.get('sdp'));
    const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'P', 'to-tag': 'W', sdp: weriftSdp(w), ICE: 'remove' });
    const phoneSidePort = Number(/^m=audio (\d+)/m.exec(str(answer.get('sdp')))![1]);
    await connectsWithMedia(w, toWerift, callId, phone, phoneSidePort);
  });
});
