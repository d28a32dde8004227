/**
 * One test per flag family (issue 3): the SDP a flag produces and the media path that goes with it,
 * through the real compiled daemon. Each test sets a call up over ng, checks the key SDP lines, then
 * sends RTP/RTCP from UDP "phones" and checks where every packet arrives (destination, and source =
 * the daemon port advertised to that side) and what is dropped.
 *
 * The expectations were taken from rtpengine 10.5.3.5 on loopback: with FLAG_MEDIA_RTPENGINE set to
 * its binary (e.g. /usr/bin/rtpengine) the same tests run against it instead of dist/daemon/main.js.
 */
import * as dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BEncodable, BValue } from '../../protocol/ng/bencode.js';
import type { DaemonHandle } from '../helpers/daemon-process.js';
import { startEither } from '../helpers/reference-daemon.js';
import { dict, str, type Reply } from '../helpers/ng-client.js';
import { rtcpRr, rtpPacket } from '../helpers/rtp-peer.js';
import { cAddr, mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

/** Our daemon, or (FLAG_MEDIA_RTPENGINE) the real one with the same command line; `ports` (≤ 200) in its range. */
function start(args: string[], ports = 200): Promise<DaemonHandle> {
  return startEither(args, { ports });
}

// ---------------------------------------------------------------------------------------------
// Phones

/** A UDP endpoint on any loopback address (IPv4 or ::1) that records what reaches it. */
class Peer {
  readonly received: { data: Buffer; from: dgram.RemoteInfo }[] = [];
  private constructor(readonly sock: dgram.Socket, readonly address: string) {
    sock.on('message', (data, from) => this.received.push({ data, from }));
  }

  static async open(address = '127.0.0.1', port = 0): Promise<Peer> {
    const p = new Peer(dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4'), address);
    await new Promise<void>((resolve, reject) => {
      p.sock.once('error', reject);
      p.sock.bind(port, address, () => { p.sock.off('error', reject); resolve(); });
    });
    return p;
  }

  /** RTP on an even port and RTCP on the next one, as a phone binds them. */
  static async pair(address = '127.0.0.1'): Promise<[Peer, Peer]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = 20000 + 2 * Math.floor(Math.random() * 4000);
      let rtp: Peer | undefined;
      try {
        rtp = await Peer.open(address, base);
        return [rtp, await Peer.open(address, base + 1)];
      } catch {
        rtp?.close();
      }
    }
    throw new Error('no free port pair');
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(data: Buffer, port: number, host = '127.0.0.1'): void {
    this.sock.send(data, port, host);
  }

  close(): void {
    this.sock.close();
  }
}

const peers: Peer[] = [];
async function phone(address = '127.0.0.1'): Promise<[Peer, Peer]> {
  const pair = await Peer.pair(address);
  peers.push(...pair);
  return pair;
}
async function single(address = '127.0.0.1', port = 0): Promise<Peer> {
  const p = await Peer.open(address, port);
  peers.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nextSsrc = 0x4d000000;
/** How long a packet that should not arrive is given to show up anyway. */
const SETTLE_MS = 200;

interface Hop { kind?: 'rtp' | 'rtcp'; from: Peer; to: number; host?: string }

/** The packets carrying `ssrc` (RTP: bytes 8..11, RTCP: 4..7) that `p` received. */
function hits(p: Peer, ssrc: number, kind: 'rtp' | 'rtcp'): { data: Buffer; from: dgram.RemoteInfo }[] {
  const at = kind === 'rtp' ? 8 : 4;
  return p.received.filter((r) => r.data.length >= at + 4 && r.data.readUInt32BE(at) === ssrc);
}

/** Where a packet arrived: the peer, the source it came from, the bytes sent and the bytes received. */
interface Delivery { at: Peer; from: dgram.RemoteInfo; sent: Buffer; data: Buffer }

/**
 * Sends one packet and returns where it arrived: the peer (of `watch`) that got it and the source
 * address/port it came from, or undefined if nobody did within the time. Also checks that it arrived
 * exactly once and at one peer only.
 */
async function deliver(hop: Hop, watch: Peer[], waitMs = 2000): Promise<Delivery | undefined> {
  const kind = hop.kind ?? 'rtp';
  const ssrc = nextSsrc++;
  const sent = kind === 'rtp' ? rtpPacket(0, ssrc & 0xffff, ssrc * 160, ssrc) : rtcpRr(ssrc);
  hop.from.send(sent, hop.to, hop.host);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && !watch.some((p) => hits(p, ssrc, kind).length > 0)) await sleep(5);
  await sleep(watch.some((p) => hits(p, ssrc, kind).length > 0) ? 30 : 0);
  const got = watch.filter((p) => hits(p, ssrc, kind).length > 0);
  expect(got.length, 'packet delivered to more than one place').toBeLessThanOrEqual(1);
  if (!got.length) return undefined;
  expect(hits(got[0]!, ssrc, kind).length, 'packet delivered twice').toBe(1);
  const { from, data } = hits(got[0]!, ssrc, kind)[0]!;
  return { at: got[0]!, from, sent, data };
}

/** The packet reaches `at`, sent from the daemon's `fromPort` (and `fromAddr`), and nobody else in `watch`. */
async function expectRelayed(hop: Hop, at: Peer, fromPort: number, watch: Peer[] = [], fromAddr?: string): Promise<Delivery> {
  const r = await deliver(hop, [at, ...watch.filter((p) => p !== at)]);
  expect(r, `${hop.kind ?? 'rtp'} from :${hop.from.port} to :${hop.to} arrived nowhere`).toBeDefined();
  expect(r!.at.port, `arrived at :${r!.at.port} instead of :${at.port}`).toBe(at.port);
  expect(r!.at.address).toBe(at.address);
  expect(r!.from.port).toBe(fromPort);
  if (fromAddr !== undefined) expect(r!.from.address).toBe(fromAddr);
  return r!;
}

/** The packet reaches none of `watch` (give `watch` everything that could receive it). */
async function expectDropped(hop: Hop, watch: Peer[]): Promise<void> {
  const ssrcBefore = nextSsrc;
  const r = await deliver(hop, watch, SETTLE_MS);
  expect(r, `packet ${ssrcBefore.toString(16)} was relayed to :${r?.at.port}`).toBeUndefined();
  expect(watch.some((p) => hits(p, ssrcBefore, hop.kind ?? 'rtp').length > 0)).toBe(false);
}

// ---------------------------------------------------------------------------------------------
// Signalling

interface Call {
  offerSdp: string;
  answerSdp: string;
  /** Daemon RTP port facing A (in the answer A gets) and facing B (in the offer B gets). */
  toA: number;
  toB: number;
  answerAt: number;
}

async function call(
  d: DaemonHandle, id: string, aSdp: string, bSdp: string,
  extra: { offer?: Record<string, BEncodable>; answer?: Record<string, BEncodable> } = {},
): Promise<Call> {
  const offer = await d.ng.request({ command: 'offer', 'call-id': id, 'from-tag': 'a', sdp: aSdp, ...extra.offer });
  expect(str(offer.get('result')), String(offer.get('error-reason'))).toBe('ok');
  const answer = await d.ng.request({ command: 'answer', 'call-id': id, 'from-tag': 'a', 'to-tag': 'b', sdp: bSdp, ...extra.answer });
  expect(str(answer.get('result')), String(answer.get('error-reason'))).toBe('ok');
  const offerSdp = str(offer.get('sdp'));
  const answerSdp = str(answer.get('sdp'));
  return { offerSdp, answerSdp, toA: mPort(answerSdp), toB: mPort(offerSdp), answerAt: Date.now() };
}

/** The media-level attribute lines (a=…) of the first m= section, in order. */
function attrs(sdp: string): string[] {
  const media = sdp.slice(sdp.indexOf('\nm=') + 1);
  return media.split('\r\n').filter((l) => l.startsWith('a='));
}

function withMux(sdp: string): string {
  return `${sdp}a=rtcp-mux\r\n`;
}

function v6(sdp: string): string {
  return sdp.replace(/IN IP4/g, 'IN IP6');
}

async function query(d: DaemonHandle, id: string): Promise<Reply> {
  const q = await d.ng.request({ command: 'query', 'call-id': id });
  expect(str(q.get('result'))).toBe('ok');
  return q;
}

function media(q: Reply, tag: string): Reply {
  return (dict(dict(q.get('tags')).get(tag)).get('medias') as Reply[])[0]!;
}

/** Stream `component` (0 = RTP, 1 = RTCP) of `tag`'s first media. */
function stream(q: Reply, tag: string, component = 0): Reply {
  return (media(q, tag).get('streams') as Reply[])[component]!;
}

function strings(v: BValue | undefined): string[] {
  return ((v ?? []) as Buffer[]).map((b) => b.toString('latin1'));
}

function endpoint(s: Reply, key = 'endpoint'): { address: string; port: number } {
  const e = dict(s.get(key));
  return { address: str(e.get('address')), port: e.get('port') as number };
}

function stats(s: Reply): { packets: number; errors: number } {
  const st = dict(s.get('stats'));
  return { packets: st.get('packets') as number, errors: st.get('errors') as number };
}

/** rtpengine commits a learned endpoint only once 3 s have passed since the last offer/answer (whole seconds). */
async function pastLearningWindow(c: Call): Promise<void> {
  await sleep(Math.max(0, c.answerAt + 4100 - Date.now()));
}

// ---------------------------------------------------------------------------------------------

let d: DaemonHandle;
let heuristic: DaemonHandle;
let immediate: DaemonHandle;
let off: DaemonHandle;
let named: DaemonHandle;
let dual: DaemonHandle;

const daemons: DaemonHandle[] = [];

beforeAll(async () => {
  // Started side by side; whatever did start is closed in afterAll even if another one failed.
  const started = await Promise.allSettled([
    [],
    ['--endpoint-learning=heuristic'],
    ['--endpoint-learning=immediate'],
    ['--endpoint-learning=off'],
    ['-i', 'pub/127.0.0.1', '-i', 'priv/127.0.0.2!127.0.0.200'],
    ['-i', '127.0.0.1', '-i', '::1'],
  ].map(async (args) => { const h = await start(args); daemons.push(h); return h; }));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  [d, heuristic, immediate, off, named, dual] = started.map((r) => (r as PromiseFulfilledResult<DaemonHandle>).value) as DaemonHandle[];
});
afterAll(async () => {
  for (const p of peers) p.close();
  await Promise.all(daemons.map((x) => x.close()));
});

describe('endpoint learning', () => {
  it('delayed (default): media follows a NATed sender during the first 3 s, then the next source is committed', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat1 = await single();
    const nat2 = await single();
    const all = [a, aRtcp, b, bRtcp, nat1, nat2];
    const c = await call(d, 'el-delayed', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    expect(cAddr(c.offerSdp)).toBe('127.0.0.1');
    expect(attrs(c.offerSdp)).toContain(`a=rtcp:${c.toB + 1}`);
    expect(attrs(c.answerSdp)).toContain(`a=rtcp:${c.toA + 1}`);

    // Before B sends anything, A's media goes to the SDP endpoint of B.
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    // B's packets come from a NAT binding: relayed to A, and A's media now goes there.
    await expectRelayed({ from: nat1, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat1, c.toB, all);
    let q = await query(d, 'el-delayed');
    expect(strings(stream(q, 'b').get('flags'))).not.toContain('confirmed');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: nat1.port });
    expect(endpoint(stream(q, 'b'), 'advertised endpoint')).toEqual({ address: '127.0.0.1', port: b.port });
    // Still inside the window: a newer source takes over.
    await expectRelayed({ from: nat2, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat2, c.toB, all);

    // After the window the next packet's source is committed; later sources no longer move it.
    await pastLearningWindow(c);
    await expectRelayed({ from: nat1, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat2, to: c.toB }, a, c.toA, all); // still relayed (no strict-source)
    await expectRelayed({ from: a, to: c.toA }, nat1, c.toB, all);
    q = await query(d, 'el-delayed');
    expect(strings(stream(q, 'b').get('flags'))).toContain('confirmed');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: nat1.port });
  });

  it('--endpoint-learning=immediate: the first source is committed at once', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat1 = await single();
    const nat2 = await single();
    const all = [a, aRtcp, b, bRtcp, nat1, nat2];
    const c = await call(immediate, 'el-immediate', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: nat1, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat2, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat1, c.toB, all);
    const q = await query(immediate, 'el-immediate');
    expect(strings(stream(q, 'b').get('flags'))).toContain('confirmed');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: nat1.port });
  });

  it('--endpoint-learning=off: media keeps going to the SDP address whatever the source', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const c = await call(off, 'el-off', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, bRtcp, c.toB + 1, all);
    const q = await query(off, 'el-off');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: b.port });
  });

  it('--endpoint-learning=heuristic: prefers the source matching the SDP', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const c = await call(heuristic, 'el-heur', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await pastLearningWindow(c);
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    const q = await query(heuristic, 'el-heur');
    expect(strings(stream(q, 'b').get('flags'))).toContain('confirmed');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: b.port });
  });
});

describe('asymmetric and strict-source', () => {
  it('asymmetric: never learns for that side', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const c = await call(d, 'asym', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { flags: ['asymmetric'] } });
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    const q = await query(d, 'asym');
    expect(strings(media(q, 'a').get('flags'))).toContain('asymmetric');
    expect(strings(media(q, 'b').get('flags'))).not.toContain('asymmetric');
    expect(endpoint(stream(q, 'a'))).toEqual({ address: '127.0.0.1', port: a.port });
  });

  it('strict-source: once learned, packets from other sources are dropped and counted', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const intruder = await single();
    const all = [a, aRtcp, b, bRtcp, nat, intruder];
    const c = await call(immediate, 'strict', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { flags: ['strict-source'] } });
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    await expectDropped({ from: intruder, to: c.toA }, all);
    await expectDropped({ from: a, to: c.toA }, all); // not even from the SDP address
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, nat, c.toA, all);
    // B did not ask for it: its side still takes anything.
    await expectRelayed({ from: intruder, to: c.toB }, nat, c.toA, all);
    const q = await query(immediate, 'strict');
    const s = stream(q, 'a');
    expect(strings(s.get('flags'))).toContain('confirmed');
    expect(endpoint(s)).toEqual({ address: '127.0.0.1', port: nat.port });
    expect(stats(s).packets).toBe(4); // the two dropped ones were received all the same
  });
});

describe('non-RTP media (rtpengine 10.5)', () => {
  const section = (sdp: string, type: string): string => sdp.slice(sdp.indexOf(`m=${type} `));

  it('m=message (TCP/MSRP) passes through verbatim: same port, a=setup kept, nothing added but the caller\'s c=', async () => {
    const a = await single();
    const offer = `v=0\r\no=a 1 1 IN IP4 127.0.0.5\r\ns=-\r\nc=IN IP4 127.0.0.5\r\nt=0 0\r\nm=audio ${a.port} RTP/AVP 0\r\n` +
      'm=message 2855 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.5:2855/abc;tcp\r\na=setup:active\r\n';
    const answer = 'v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\n' +
      'm=message 2856 TCP/MSRP *\r\nc=IN IP4 127.0.0.9\r\na=accept-types:text/plain\r\na=setup:passive\r\n';
    const c = await call(d, 'msrp', offer, answer, { offer: { flags: ['trust-address'], replace: ['origin', 'session-connection'] } });
    // The session c= now names us, so the section gets its own c= with the caller's address. rtpengine
    // 10.5 ends that one line with a bare LF; the bytes are compared as they are.
    expect(section(c.offerSdp, 'message')).toBe(
      'm=message 2855 TCP/MSRP *\r\nc=IN IP4 127.0.0.5\na=accept-types:text/plain\r\na=path:msrp://127.0.0.5:2855/abc;tcp\r\na=setup:active\r\n',
    );
    // A section with a c= of its own is copied as it is.
    expect(c.offerSdp).toMatch(/^c=IN IP4 127\.0\.0\.1\r$/m);
    expect(section(c.answerSdp, 'message')).toBe('m=message 2856 TCP/MSRP *\r\nc=IN IP4 127.0.0.9\r\na=accept-types:text/plain\r\na=setup:passive\r\n');
    expect(section(c.offerSdp, 'audio').slice(0, section(c.offerSdp, 'audio').indexOf('m=message'))).toMatch(/a=sendrecv\r\na=rtcp:\d+\r\n$/);
  });

  it('m=application UDP/BFCP is still relayed: new port, datagrams reach the other side', async () => {
    const a = await single();
    const b = await single();
    const sdp = (user: string, port: number): string =>
      `v=0\r\no=${user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=application ${port} UDP/BFCP *\r\na=floorctrl:c-s\r\n`;
    const offer = await d.ng.request({ command: 'offer', 'call-id': 'bfcp', 'from-tag': 'a', sdp: sdp('a', a.port) });
    const answer = await d.ng.request({ command: 'answer', 'call-id': 'bfcp', 'from-tag': 'a', 'to-tag': 'b', sdp: sdp('b', b.port) });
    const toB = Number(/^m=application (\d+) UDP\/BFCP \*\r$/m.exec(str(offer.get('sdp')))![1]);
    const toA = Number(/^m=application (\d+) UDP\/BFCP \*\r$/m.exec(str(answer.get('sdp')))![1]);
    expect(toB).not.toBe(a.port);
    expect(str(offer.get('sdp'))).toMatch(/^a=floorctrl:c-s\r\na=sendrecv\r\n$/m);
    const bfcp = Buffer.from([0x20, 0x01, 0x00, 0x00, 0, 0, 0, 1, 0, 1, 0, 1]); // RFC 8855 common header
    a.send(bfcp, toA);
    for (let t = 0; t < 200 && b.received.length === 0; t++) await sleep(10);
    expect(b.received.map((r) => r.data)).toEqual([bfcp]);
    expect(b.received[0]!.from.port).toBe(toB);
  });
});

describe('the answer to the offerer follows what the offerer offered (rtpengine 10.5)', () => {
  const offerSdp = (extra = ''): string => `v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n${extra}`;
  const answerSdp = (proto: string, extra = ''): string => `v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 ${proto} 0\r\n${extra}`;
  const mLine = (sdp: string): string => /^m=audio \d+ (.*)\r$/m.exec(sdp)![1]!;
  const mids = (sdp: string): string[] => attrs(sdp).filter((a) => a.startsWith('a=mid:'));

  it('m= protocol: A offered RTP/AVP, B answered RTP/AVPF: A gets RTP/AVP; with transport-protocol=accept on the answer, RTP/AVPF', async () => {
    let c = await call(d, 'oa-proto', offerSdp(), answerSdp('RTP/AVPF'));
    expect(mLine(c.offerSdp)).toBe('RTP/AVP 0');
    expect(mLine(c.answerSdp)).toBe('RTP/AVP 0');
    c = await call(d, 'oa-proto-accept', offerSdp(), answerSdp('RTP/AVPF'), { answer: { 'transport-protocol': 'accept' } });
    expect(mLine(c.answerSdp)).toBe('RTP/AVPF 0');
    // transport-protocol on the offer shapes the offer only; the answer to A is A's own protocol again.
    c = await call(d, 'oa-proto-offer', offerSdp(), answerSdp('RTP/AVPF'), { offer: { 'transport-protocol': 'RTP/AVPF' } });
    expect(mLine(c.offerSdp)).toBe('RTP/AVPF 0');
    expect(mLine(c.answerSdp)).toBe('RTP/AVP 0');
  });

  it('a=mid: the answer carries the mid A offered, or none, never the answerer\'s', async () => {
    let c = await call(d, 'oa-mid', offerSdp('a=mid:audio0\r\n'), answerSdp('RTP/AVP', 'a=mid:zzz\r\n'));
    expect(mids(c.offerSdp)).toEqual(['a=mid:audio0']);
    expect(mids(c.answerSdp)).toEqual(['a=mid:audio0']);
    c = await call(d, 'oa-mid-none', offerSdp(), answerSdp('RTP/AVP', 'a=mid:zzz\r\n'));
    expect(mids(c.answerSdp)).toEqual([]);
    c = await call(d, 'oa-mid-gen', offerSdp(), answerSdp('RTP/AVP', 'a=mid:zzz\r\n'), { offer: { flags: ['generate-mid'] } });
    expect(mids(c.offerSdp)).toEqual(['a=mid:1']);
    expect(mids(c.answerSdp)).toEqual([]);
  });
});

describe('rtcp-mux', () => {
  it('offer, answered with a=rtcp-mux: RTCP to B goes to its RTP port, B\'s muxed RTCP reaches A\'s RTCP port', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'mux-offer', phoneSdp('a', a.port), withMux(phoneSdp('b', b.port, { pts: [0] })), { offer: { 'rtcp-mux': ['offer'] } });
    expect(attrs(c.offerSdp).slice(-2)).toEqual([`a=rtcp:${c.toB + 1}`, 'a=rtcp-mux']);
    expect(attrs(c.answerSdp)).toContain(`a=rtcp:${c.toA + 1}`);
    expect(attrs(c.answerSdp)).not.toContain('a=rtcp-mux');
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, b, c.toB, all);
    await expectRelayed({ kind: 'rtcp', from: b, to: c.toB }, aRtcp, c.toA + 1, all);
  });

  it('offer, answered without a=rtcp-mux: RTCP stays on the RTP+1 ports', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'mux-offer-no', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'rtcp-mux': ['offer'] } });
    expect(attrs(c.offerSdp).slice(-2)).toEqual([`a=rtcp:${c.toB + 1}`, 'a=rtcp-mux']);
    expect(attrs(c.answerSdp).slice(-1)).toEqual([`a=rtcp:${c.toA + 1}`]);
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, bRtcp, c.toB + 1, all);
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
  });

  it('require: one port towards B, RTCP to and from B on it', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'mux-require', phoneSdp('a', a.port), withMux(phoneSdp('b', b.port, { pts: [0] })), { offer: { 'rtcp-mux': ['require'] } });
    expect(attrs(c.offerSdp).slice(-2)).toEqual([`a=rtcp:${c.toB}`, 'a=rtcp-mux']);
    expect(attrs(c.answerSdp).slice(-1)).toEqual([`a=rtcp:${c.toA + 1}`]);
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, b, c.toB, all);
    await expectRelayed({ kind: 'rtcp', from: b, to: c.toB }, aRtcp, c.toA + 1, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
  });

  it('forked offers with different rtcp-mux options: each answer follows the offer its via-branch got (rtpengine 10.5)', async () => {
    // Issue 11 asked for the options of the latest offer on the from-tag; rtpengine 10.5 uses those
    // of the offer made to the answering branch, and rtpengine wins.
    const aSdp = withMux('v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n');
    const bSdp = 'v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\n';
    const muxLines = (sdp: string): string[] => attrs(sdp).filter((a) => a === 'a=rtcp-mux');
    for (const [branch, answerMux] of [['X', true], ['Y', false]] as const) {
      const id = `mux-fork-${branch}`;
      const o1 = await d.ng.request({ command: 'offer', 'call-id': id, 'from-tag': 'a', 'via-branch': 'X', sdp: aSdp, 'rtcp-mux': ['demux'] });
      const o2 = await d.ng.request({ command: 'offer', 'call-id': id, 'from-tag': 'a', 'via-branch': 'Y', sdp: aSdp });
      expect(muxLines(str(o1.get('sdp')))).toEqual([]);
      expect(muxLines(str(o2.get('sdp')))).toEqual(['a=rtcp-mux']);
      const ans = await d.ng.request({ command: 'answer', 'call-id': id, 'from-tag': 'a', 'to-tag': 'b', 'via-branch': branch, sdp: bSdp });
      expect(str(ans.get('result'))).toBe('ok');
      // Branch X got the demux offer: A keeps rtcp-mux. Branch Y got a plain offer it answered without mux.
      expect(muxLines(str(ans.get('sdp')))).toEqual(answerMux ? ['a=rtcp-mux'] : []);
    }
  });

  it('a reduced-size RTCP feedback packet (PLI, PT 206) on a muxed RTP port is RTCP: relayed to A\'s RTCP port, never counted as RTP', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const c = await call(d, 'mux-psfb', phoneSdp('a', a.port), withMux(phoneSdp('b', b.port, { pts: [0] })), { offer: { 'rtcp-mux': ['require'] } });
    // RFC 4585 §6.3.1 PLI sent alone (RFC 5506 reduced-size): sender SSRC at 4, media source at 8.
    const pli = Buffer.alloc(12);
    pli[0] = 0x81;
    pli[1] = 206;
    pli.writeUInt16BE(2, 2);
    pli.writeUInt32BE(0x5e0d0001, 4);
    pli.writeUInt32BE(0x3ed1a001, 8);
    b.send(pli, c.toB);
    for (let t = 0; t < 200 && aRtcp.received.length === 0; t++) await sleep(10);
    await sleep(50);
    expect(aRtcp.received.map((r) => r.data)).toEqual([pli]);
    expect(aRtcp.received[0]!.from.port).toBe(c.toA + 1);
    expect(a.received.length + bRtcp.received.length).toBe(0);
    const q = await query(d, 'mux-psfb');
    // Neither the feedback's media source nor its sender became the RTP stream's SSRC (rtpengine
    // 10.5 reports none), and no payload type (206 & 0x7f = 78) was taken from it: no codec yet.
    expect(stream(q, 'b').get('SSRC')).toBeUndefined();
    expect(stats(stream(q, 'b')).packets).toBe(1);
    expect(media(q, 'b').get('codec')).toBeUndefined();
  });

  it('demux: A muxes, B does not; RTCP is split and joined between the two', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'mux-demux', withMux(phoneSdp('a', a.port)), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'rtcp-mux': ['demux'] } });
    expect(attrs(c.offerSdp).slice(-1)).toEqual([`a=rtcp:${c.toB + 1}`]);
    expect(attrs(c.answerSdp).slice(-2)).toEqual([`a=rtcp:${c.toA}`, 'a=rtcp-mux']);
    await expectRelayed({ kind: 'rtcp', from: a, to: c.toA }, bRtcp, c.toB + 1, all);
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
  });

  it('both sides mux (no option): RTCP rides on the RTP ports end to end', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'mux-both', withMux(phoneSdp('a', a.port)), withMux(phoneSdp('b', b.port, { pts: [0] })));
    expect(attrs(c.offerSdp).slice(-2)).toEqual([`a=rtcp:${c.toB + 1}`, 'a=rtcp-mux']);
    expect(attrs(c.answerSdp).slice(-2)).toEqual([`a=rtcp:${c.toA}`, 'a=rtcp-mux']);
    await expectRelayed({ kind: 'rtcp', from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ kind: 'rtcp', from: b, to: c.toB }, a, c.toA, all);
  });
});

describe('interfaces and addresses', () => {
  it('direction [priv, pub]: B is offered pub, A is answered priv\'s advertised address, media to A leaves from priv', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(named, 'dir', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { direction: ['priv', 'pub'], replace: ['origin'] }, answer: { replace: ['origin'] },
    });
    expect(cAddr(c.offerSdp)).toBe('127.0.0.1');
    expect(c.offerSdp).toMatch(/^o=a 1000 1 IN IP4 127\.0\.0\.1\r$/m);
    expect(cAddr(c.answerSdp)).toBe('127.0.0.200');
    expect(c.answerSdp).toMatch(/^o=b 1000 1 IN IP4 127\.0\.0\.200\r$/m);
    await expectRelayed({ from: a, to: c.toA, host: '127.0.0.2' }, b, c.toB, all, '127.0.0.1');
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all, '127.0.0.2');
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all, '127.0.0.2');
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1, host: '127.0.0.2' }, bRtcp, c.toB + 1, all, '127.0.0.1');
    const q = await query(named, 'dir');
    expect(str(stream(q, 'a').get('local address'))).toBe('127.0.0.2');
    expect(str(stream(q, 'b').get('local address'))).toBe('127.0.0.1');
  });

  it('address-family IP6: an IPv4 caller and an IPv6 callee on ::1', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone('::1');
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(dual, 'v4v6', phoneSdp('a', a.port), v6(phoneSdp('b', b.port, { pts: [0], addr: '::1' })), { offer: { 'address-family': 'IP6' } });
    expect(c.offerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    expect(c.answerSdp).toMatch(/^c=IN IP4 127\.0\.0\.1\r$/m);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all, '::1');
    await expectRelayed({ from: b, to: c.toB, host: '::1' }, a, c.toA, all, '127.0.0.1');
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, bRtcp, c.toB + 1, all, '::1');
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1, host: '::1' }, aRtcp, c.toA + 1, all, '127.0.0.1');
    const q = await query(dual, 'v4v6');
    expect(str(stream(q, 'b').get('family'))).toBe('IPv6');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '::1', port: b.port });
  });

  it('address family per peer: an IPv6-only call through an IPv4 + IPv6 daemon stays IPv6 on both sides', async () => {
    const [a, aRtcp] = await phone('::1');
    const [b, bRtcp] = await phone('::1');
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(dual, 'v6v6', v6(phoneSdp('a', a.port, { addr: '::1' })), v6(phoneSdp('b', b.port, { pts: [0], addr: '::1' })), {
      offer: { replace: ['origin', 'session-connection'] }, answer: { replace: ['origin', 'session-connection'] },
    });
    expect(c.offerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    expect(c.answerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    expect(c.answerSdp).toMatch(/^o=b 1000 1 IN IP6 ::1\r$/m);
    await expectRelayed({ from: a, to: c.toA, host: '::1' }, b, c.toB, all, '::1');
    await expectRelayed({ from: b, to: c.toB, host: '::1' }, a, c.toA, all, '::1');
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1, host: '::1' }, bRtcp, c.toB + 1, all, '::1');
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1, host: '::1' }, aRtcp, c.toA + 1, all, '::1');
    // 50 more RTP packets each way: all arrive, and query counts 51 RTP packets from each side (one came before).
    const [aBefore, bBefore] = [a.received.length, b.received.length];
    for (let i = 0; i < 50; i++) {
      a.send(rtpPacket(0, i, i * 160, 0x6a6a6a6a), c.toA, '::1');
      b.send(rtpPacket(0, i, i * 160, 0x6b6b6b6b), c.toB, '::1');
    }
    for (let t = 0; t < 200 && (a.received.length < aBefore + 50 || b.received.length < bBefore + 50); t++) await sleep(10);
    expect(b.received.length - bBefore).toBe(50);
    expect(a.received.length - aBefore).toBe(50);
    const q = await query(dual, 'v6v6');
    expect(stats(stream(q, 'a')).packets).toBe(51);
    expect(stats(stream(q, 'b')).packets).toBe(51);
    for (const tag of ['a', 'b']) {
      expect(str(stream(q, tag).get('family'))).toBe('IPv6');
      expect(str(stream(q, tag).get('local address'))).toBe('::1');
    }
  });

  it('address family per peer: an IPv6 caller to an IPv4 callee with address-family=IP4 gets IP6, the callee IP4', async () => {
    const [a, aRtcp] = await phone('::1');
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(dual, 'v6v4', v6(phoneSdp('a', a.port, { addr: '::1' })), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'address-family': 'IP4' } });
    expect(c.offerSdp).toMatch(/^c=IN IP4 127\.0\.0\.1\r$/m);
    expect(c.answerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    await expectRelayed({ from: a, to: c.toA, host: '::1' }, b, c.toB, all, '127.0.0.1');
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all, '::1');
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all, '::1');
    const q = await query(dual, 'v6v4');
    expect(str(stream(q, 'a').get('local address'))).toBe('::1');
    expect(str(stream(q, 'b').get('local address'))).toBe('127.0.0.1');
  });

  it('address family per peer: without address-family the offer\'s recipient gets the caller\'s family (as rtpengine 10.5)', async () => {
    // rtpengine 10.5 offers an IPv6 caller's call to the callee on IPv6 too, and keeps that address
    // when the callee answers with IPv4 (the callee cannot reach it then): a proxy bridging families
    // says address-family. The IPv4 caller's offer stays IPv4 even where IPv6 comes first.
    const a = await single('::1');
    const b = await single();
    const c = await call(dual, 'v6-default', v6(phoneSdp('a', a.port, { addr: '::1' })), phoneSdp('b', b.port, { pts: [0] }));
    expect(c.offerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    expect(c.answerSdp).toMatch(/^c=IN IP6 ::1\r$/m);
    const q = await query(dual, 'v6-default');
    expect(str(stream(q, 'b').get('local address'))).toBe('::1');
  });

  it('media-address: only the SDP changes, the sockets stay where they are', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'media-addr', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { 'media-address': '192.0.2.10', replace: ['origin'] },
    });
    expect(cAddr(c.offerSdp)).toBe('192.0.2.10');
    expect(c.offerSdp).toMatch(/^o=a 1000 1 IN IP4 192\.0\.2\.10\r$/m);
    expect(attrs(c.offerSdp)).toContain(`a=rtcp:${c.toB + 1}`);
    expect(cAddr(c.answerSdp)).toBe('127.0.0.1');
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all, '127.0.0.1');
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all, '127.0.0.1');
    const q = await query(d, 'media-addr');
    expect(str(stream(q, 'b').get('local address'))).toBe('127.0.0.1');
  });

  it('SIP-source-address: media goes to the received-from address with the SDP port', async () => {
    const [a, aRtcp] = await phone();
    // What the SDP names: 127.0.0.99 with A's ports. Nothing must arrive there.
    const sdpRtp = await single('127.0.0.99', a.port);
    const sdpRtcp = await single('127.0.0.99', a.port + 1);
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp, sdpRtp, sdpRtcp];
    const c = await call(d, 'sip-src', phoneSdp('a', a.port, { addr: '127.0.0.99' }), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { flags: ['SIP-source-address'], 'received-from': ['IP4', '127.0.0.1'] },
    });
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all);
    const q = await query(d, 'sip-src');
    expect(endpoint(stream(q, 'a'))).toEqual({ address: '127.0.0.1', port: a.port });
    expect(endpoint(stream(q, 'a'), 'advertised endpoint')).toEqual({ address: '127.0.0.1', port: a.port });
  });

  it('trust-address: media goes to the SDP address, received-from is ignored', async () => {
    const [a, aRtcp] = await phone();
    const sdpRtp = await single('127.0.0.99', a.port);
    const sdpRtcp = await single('127.0.0.99', a.port + 1);
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp, sdpRtp, sdpRtcp];
    const c = await call(d, 'trust', phoneSdp('a', a.port, { addr: '127.0.0.99' }), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { flags: ['trust-address'], 'received-from': ['IP4', '127.0.0.1'] },
    });
    await expectRelayed({ from: b, to: c.toB }, sdpRtp, c.toA, all);
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, sdpRtcp, c.toA + 1, all);
    const q = await query(d, 'trust');
    expect(endpoint(stream(q, 'a'))).toEqual({ address: '127.0.0.99', port: a.port });
  });
});

const ICE_LINES = (port: number) => [
  'a=ice-ufrag:Fx3d9Qa1', 'a=ice-pwd:Kq81bZr02mVd7w5Lp3sT9yHc', `a=candidate:1 1 UDP 2130706431 127.0.0.1 ${port} typ host`,
  `a=candidate:1 2 UDP 2130706430 127.0.0.1 ${port + 1} typ host`,
].map((l) => `${l}\r\n`).join('');

describe('SDP rewriting flags', () => {
  it('ICE remove: no ICE left in either SDP, media flows', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'ice-rm', phoneSdp('a', a.port) + ICE_LINES(a.port), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { ICE: 'remove' }, answer: { ICE: 'remove' },
    });
    for (const sdp of [c.offerSdp, c.answerSdp]) expect(sdp).not.toMatch(/^a=(ice-|candidate)/m);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all);
  });

  it('replace origin/session-connection: the SDP shows our address, media still goes to the SDP address, then to the learned one', async () => {
    const [a, aRtcp] = await phone();
    const sdpRtp = await single('127.0.0.98', a.port);
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp, sdpRtp];
    const c = await call(d, 'replace', phoneSdp('a', a.port, { addr: '127.0.0.98' }), phoneSdp('b', b.port, { pts: [0] }), {
      offer: { replace: ['origin', 'session-connection'] },
    });
    expect(c.offerSdp).toMatch(/^o=a 1000 1 IN IP4 127\.0\.0\.1\r$/m);
    expect(cAddr(c.offerSdp)).toBe('127.0.0.1');
    expect(c.offerSdp).not.toContain('127.0.0.98');
    await expectRelayed({ from: b, to: c.toB }, sdpRtp, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
  });
});

describe('direction and hold', () => {
  it('a=sendonly / a=recvonly, then a=inactive: directions written per media, media is relayed both ways regardless', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'sendonly', phoneSdp('a', a.port, { dir: 'sendonly' }), phoneSdp('b', b.port, { pts: [0], dir: 'recvonly' }));
    expect(attrs(c.offerSdp).slice(-2)).toEqual(['a=sendonly', `a=rtcp:${c.toB + 1}`]);
    expect(attrs(c.answerSdp).slice(-2)).toEqual(['a=recvonly', `a=rtcp:${c.toA + 1}`]);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all); // rtpengine does not gate on direction
    await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, aRtcp, c.toA + 1, all);
    const idle = await call(d, 'sendonly', phoneSdp('a', a.port, { dir: 'inactive', version: 2 }), phoneSdp('b', b.port, { pts: [0], dir: 'inactive', version: 2 }));
    expect(attrs(idle.offerSdp).slice(-2)).toEqual(['a=inactive', `a=rtcp:${c.toB + 1}`]);
    expect(attrs(idle.answerSdp).slice(-2)).toEqual(['a=inactive', `a=rtcp:${c.toA + 1}`]);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
  });

  it('c=0.0.0.0 hold re-INVITE: zero address copied with a=sendonly, the held side\'s media relayed, resume on the same ports', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'hold', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    const held = await call(d, 'hold', phoneSdp('a', a.port, { addr: '0.0.0.0', version: 2 }), phoneSdp('b', b.port, { pts: [0], dir: 'recvonly', version: 2 }));
    expect(cAddr(held.offerSdp)).toBe('0.0.0.0');
    expect(attrs(held.offerSdp).slice(-2)).toEqual(['a=sendonly', `a=rtcp:${c.toB + 1}`]);
    expect(held.toB).toBe(c.toB);
    expect(cAddr(held.answerSdp)).toBe('127.0.0.1');
    expect(attrs(held.answerSdp).slice(-2)).toEqual(['a=recvonly', `a=rtcp:${c.toA + 1}`]);
    expect(held.toA).toBe(c.toA);
    // What the held side still sends is relayed (music on hold).
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, bRtcp, c.toB + 1, all);
    // Resume: media flows both ways again on the same ports.
    const resumed = await call(d, 'hold', phoneSdp('a', a.port, { version: 3 }), phoneSdp('b', b.port, { pts: [0], version: 3 }));
    expect(cAddr(resumed.offerSdp)).toBe('127.0.0.1');
    expect(attrs(resumed.offerSdp)).toContain('a=sendrecv');
    expect([resumed.toA, resumed.toB]).toEqual([c.toA, c.toB]);
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
  });
});

/** Regressions: per-participant options and hold, found by comparing with rtpengine 10.5. */
describe('per-participant options (offer or answer) and hold', () => {
  it('per-call endpoint-learning ["immediate"] commits the first source', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat1 = await single();
    const nat2 = await single();
    const all = [a, aRtcp, b, bRtcp, nat1, nat2];
    const flags = { 'endpoint-learning': ['immediate'] };
    const c = await call(d, 'bug-imm', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: flags, answer: flags });
    await expectRelayed({ from: nat1, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat2, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat1, c.toB, all);
    const q = await query(d, 'bug-imm');
    expect(strings(stream(q, 'b').get('flags'))).toContain('confirmed');
  });

  it('per-call endpoint-learning ["off"] keeps sending to the SDP address', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const flags = { 'endpoint-learning': ['off'] };
    const c = await call(d, 'bug-off', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: flags, answer: flags });
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
  });

  it('asymmetric in the answer applies to the answerer', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const c = await call(d, 'bug-asym', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { answer: { flags: ['asymmetric'] } });
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    const q = await query(d, 'bug-asym');
    expect(strings(media(q, 'b').get('flags'))).toContain('asymmetric');
  });

  it('strict-source in the answer applies to the answerer', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const intruder = await single();
    const all = [a, aRtcp, b, bRtcp, nat, intruder];
    const c = await call(immediate, 'bug-strict-ans', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { answer: { flags: ['strict-source'] } });
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectDropped({ from: intruder, to: c.toB }, all);
  });

  it('nothing is sent towards a side on c=0.0.0.0 hold, even after it sends', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(d, 'bug-hold', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await call(d, 'bug-hold', phoneSdp('a', a.port, { addr: '0.0.0.0', version: 2 }), phoneSdp('b', b.port, { pts: [0], dir: 'recvonly', version: 2 }));
    await expectDropped({ from: b, to: c.toB }, all);
    await expectDropped({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, all);
    await expectRelayed({ from: a, to: c.toA }, b, c.toB, all);
    await expectDropped({ from: b, to: c.toB }, all);
  });
  it('query shows the newest endpoint after a quick NAT switch inside the learning window', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat1 = await single();
    const nat2 = await single();
    const all = [a, aRtcp, b, bRtcp, nat1, nat2];
    const c = await call(d, 'bug-stale', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: nat1, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat2, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat2, c.toB, all); // media really goes to nat2
    await sleep(500);
    const q = await query(d, 'bug-stale');
    expect(endpoint(stream(q, 'b'))).toEqual({ address: '127.0.0.1', port: nat2.port });
  });

  it('strict-source rejections count as stream errors and the stream carries "strict source address"', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const intruder = await single();
    const all = [a, aRtcp, b, bRtcp, nat, intruder];
    const c = await call(immediate, 'bug-strict-q', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { flags: ['strict-source'] } });
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    await expectDropped({ from: intruder, to: c.toA }, all);
    await expectDropped({ from: intruder, to: c.toA }, all);
    await expectRelayed({ from: nat, to: c.toA }, b, c.toB, all);
    const q = await query(immediate, 'bug-strict-q');
    console.log('strict stats', stats(stream(q, 'a')), JSON.stringify(dict(q.get('totals')).get('RTP')));
    expect(stats(stream(q, 'a')).errors).toBe(2);
    expect(strings(stream(q, 'a').get('flags'))).toContain('strict source address');
    expect(strings(stream(q, 'b').get('flags'))).not.toContain('strict source address');
  });

  it('delayed learning: a packet from the exact SDP endpoint does not end the 3 s window', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const c = await call(d, 'probe-exact', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    await expectRelayed({ from: b, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: nat, to: c.toB }, a, c.toA, all);
    await expectRelayed({ from: a, to: c.toA }, nat, c.toB, all);
  });
});

// ---------------------------------------------------------------------------------------------

/** What a report sent to one leg should say: the stream we forward to it and the one it sends us. */
interface ReportExpectation {
  /** The leg's RTCP phone, the daemon's RTP port facing it, and its RTP phone. */
  rtcp: Peer;
  toLeg: number;
  rtp: Peer;
  /** The stream forwarded to the leg: SSRC, timestamp of its i-th packet, payload bytes per packet. */
  fwdSsrc: number;
  fwdTs: (i: number) => number;
  fwdPayload: number;
  /** The stream the leg sends (undefined: it sends no RTP): SSRC and first/last sequence number sent. */
  own?: { ssrc: number; firstSeq: number; lastSeq: () => number };
}

/** Every datagram `x.rtcp` got must be our SR + SDES as the rules below say; returns the CNAMEs seen. */
function checkReports(x: ReportExpectation, arrivals: Map<Buffer, { at: number; rtpBefore: number }>): string[] {
  const cnames: string[] = [];
  expect(x.rtcp.received.length).toBeGreaterThanOrEqual(1);
  // What the leg receives from us is the forwarded stream: that is the SSRC the SR must speak for.
  expect(x.rtp.received.length).toBeGreaterThan(0);
  expect(x.rtp.received.every((r) => r.data.readUInt32BE(8) === x.fwdSsrc)).toBe(true);
  for (const r of x.rtcp.received) {
    const d = r.data;
    const { at, rtpBefore } = arrivals.get(d)!;
    const blocks = x.own ? 1 : 0;
    // Sent from our RTCP port facing the leg; SR (28 + 24 per block) then SDES (24), nothing else:
    // a phone's own RTCP (an SR of 28 bytes, an RR of 8) never gets here, generate-RTCP consumes it.
    expect(r.from.port).toBe(x.toLeg + 1);
    expect(d.length).toBe(28 + 24 * blocks + 24);
    expect(d[0]).toBe(0x80 | blocks); // V=2, no padding, RC
    expect(d[1]).toBe(200); // an SR, not an RR
    expect(d.readUInt16BE(2)).toBe(6 + 6 * blocks);
    expect(d.readUInt32BE(4)).toBe(x.fwdSsrc);
    // Sender info. NTP: wall clock.
    const ntpMs = (d.readUInt32BE(8) - 2208988800) * 1000 + (d.readUInt32BE(12) / 2 ** 32) * 1000;
    expect(Math.abs(ntpMs - at)).toBeLessThan(1000);
    // Packet count: what was forwarded to the leg so far (about what it had received when the SR came).
    const packets = d.readUInt32BE(20);
    expect(packets).toBeGreaterThanOrEqual(1);
    expect(Math.abs(packets - rtpBefore)).toBeLessThanOrEqual(3);
    // RTP timestamp: that of the last packet forwarded (the packets-th), not one extrapolated to the NTP time.
    expect(d.readUInt32BE(16)).toBe(x.fwdTs(packets - 1));
    // Octets: whole packets, 12-byte RTP header included (rtpengine 10.5; RFC 3550 counts payload only).
    expect(d.readUInt32BE(24)).toBe(packets * (12 + x.fwdPayload));
    if (x.own) {
      // The one block is about the stream received from the leg. Its loss/jitter/LSR values are not
      // compared: rtpengine 10.5 reported 32 packets lost of a lossless loopback stream, and as LSR the
      // NTP time of the SR it had itself sent to the *other* leg under this SSRC.
      expect(d.readUInt32BE(28)).toBe(x.own.ssrc);
      const highest = d.readUInt32BE(36);
      expect(highest).toBeGreaterThan(x.own.firstSeq);
      expect(highest).toBeLessThanOrEqual(x.own.lastSeq());
    }
    const s = 28 + 24 * blocks;
    expect(d[s]).toBe(0x81); // SDES, one chunk
    expect(d[s + 1]).toBe(202);
    expect(d.readUInt16BE(s + 2)).toBe(5);
    expect(d.readUInt32BE(s + 4)).toBe(x.fwdSsrc);
    expect(d[s + 8]).toBe(1); // CNAME
    expect(d[s + 9]).toBe(12);
    cnames.push(d.toString('latin1', s + 10, s + 22));
    expect(d.subarray(s + 22, s + 24).equals(Buffer.alloc(2))).toBe(true); // end of items, padding
  }
  return cnames;
}

describe('generate-RTCP', () => {
  /*
   * Issue 11 rule 6: each leg gets, on its RTCP port, an SR (not an RR) + SDES: the SSRC of the
   * stream forwarded to that leg; sender info = that stream's last RTP timestamp, packet count and
   * octets (12-byte headers included); one report block about the stream received from the leg; a
   * 12-character CNAME.
   *
   * Measured with rtpengine 10.5.3.5 (FLAG_MEDIA_RTPENGINE=/usr/bin/rtpengine), which wins where it
   * differs from the rule:
   *  - a leg nothing is forwarded to gets no RTCP at all (rtpengine reports per outgoing SSRC);
   *  - a leg that sends no RTP gets an SR without report blocks;
   *  - the CNAME is the daemon's instance id: 12 lowercase hex digits, the same in every report;
   *  - the first report comes 5–6 s after the call is set up (then, measured, every 11–13 s), so
   *    the test waits up to 10 s.
   */
  it('each leg gets SR + SDES: SSRC, last timestamp, packets and octets of the stream forwarded to it; one block about its own stream; 12-character CNAME', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const [a2, a2Rtcp] = await phone();
    const [b2, b2Rtcp] = await phone();
    // Both spellings: the flag, and the key.
    const c = await call(d, 'gen-rtcp', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { flags: ['generate-RTCP'] } });
    // One-way call: only A2 talks.
    const c2 = await call(d, 'gen-rtcp-1way', phoneSdp('a', a2.port), phoneSdp('b', b2.port, { pts: [0] }), { offer: { 'generate RTCP': 'on' } });

    // When each RTCP datagram arrived, and how much RTP that leg had received by then.
    const arrivals = new Map<Buffer, { at: number; rtpBefore: number }>();
    for (const [rtcp, rtp] of [[aRtcp, a], [bRtcp, b], [a2Rtcp, a2], [b2Rtcp, b2]] as const) {
      rtcp.sock.on('message', (data) => arrivals.set(data, { at: Date.now(), rtpBefore: rtp.received.length }));
    }

    // A sends 160-byte payloads, B 80-byte ones, each on its own timestamp line.
    const SSRC_A = 0x6a000001, SSRC_B = 0x6b000002, SSRC_A2 = 0x6a000003;
    const tsA = (i: number) => (5000 + i * 160) >>> 0;
    const tsB = (i: number) => (0xfffff000 + i * 160) >>> 0; // wraps
    const seqA0 = 1000, seqB0 = 40000;
    let sent = 0;
    const talk = setInterval(() => {
      a.send(rtpPacket(0, seqA0 + sent, tsA(sent), SSRC_A, 160), c.toA);
      b.send(rtpPacket(0, seqB0 + sent, tsB(sent), SSRC_B, 80), c.toB);
      a2.send(rtpPacket(0, seqA0 + sent, tsA(sent), SSRC_A2, 160), c2.toA);
      sent++;
    }, 20);
    try {
      // The phones' own RTCP is consumed, never relayed: an SR from B, an RR from A.
      await sleep(300);
      const phoneSr = Buffer.alloc(28);
      phoneSr[0] = 0x80; phoneSr[1] = 200; phoneSr.writeUInt16BE(6, 2); phoneSr.writeUInt32BE(SSRC_B, 4);
      bRtcp.send(phoneSr, c.toB + 1);
      aRtcp.send(rtcpRr(SSRC_A), c.toA + 1);

      // Until every leg that should get a report has one, and long enough after the one-way call was
      // set up that A2 would have had one too.
      const deadline = c2.answerAt + 10_000;
      while (Date.now() < deadline
        && !([aRtcp, bRtcp, b2Rtcp].every((p) => p.received.length > 0) && Date.now() > c2.answerAt + 7500)) await sleep(50);
    } finally {
      clearInterval(talk);
    }
    const lastSeq = () => seqA0 + sent - 1;
    const cnames = [
      ...checkReports({ rtcp: aRtcp, toLeg: c.toA, rtp: a, fwdSsrc: SSRC_B, fwdTs: tsB, fwdPayload: 80, own: { ssrc: SSRC_A, firstSeq: seqA0, lastSeq } }, arrivals),
      ...checkReports({ rtcp: bRtcp, toLeg: c.toB, rtp: b, fwdSsrc: SSRC_A, fwdTs: tsA, fwdPayload: 160, own: { ssrc: SSRC_B, firstSeq: seqB0, lastSeq: () => seqB0 + sent - 1 } }, arrivals),
      // B2 sends nothing: its SR has no report block.
      ...checkReports({ rtcp: b2Rtcp, toLeg: c2.toB, rtp: b2, fwdSsrc: SSRC_A2, fwdTs: tsA, fwdPayload: 160 }, arrivals),
    ];
    // Nothing is forwarded to A2: no RTCP for it at all.
    expect(a2Rtcp.received.length).toBe(0);
    expect(cnames[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(cnames).size).toBe(1);
  }, 25_000);
});

/** The SDP with its port numbers blanked, to compare the SDP of two calls. */
function noPorts(sdp: string): string {
  return sdp.replace(/^(m=\S+ )\d+/gm, '$1PORT').replace(/^a=rtcp:\d+/gm, 'a=rtcp:PORT');
}

/** An echoed packet is the one sent, byte for byte: SSRC, sequence number, timestamp and payload. */
function expectUnchanged(r: Delivery): void {
  expect(r.data.toString('hex')).toBe(r.sent.toString('hex'));
}

/**
 * media-echo (issue 11, rule 5). Measured on rtpengine 10.5.3.5, and these tests pass against it
 * (FLAG_MEDIA_RTPENGINE). Where it differs from the rule as the issue wrote it, rtpengine wins:
 *  - The echoed packet is not rewritten at all: same SSRC (the rule said "with a new SSRC"),
 *    sequence number, timestamp and payload.
 *  - RTCP is echoed like RTP, out of the RTCP socket to the RTCP endpoint, even under rtcp-mux.
 *  - `bh` is no value (`blackhole` and `sinkhole` are), values are case-sensitive, and an unknown
 *    value changes nothing. The keys are `media-echo` and `media echo`.
 *  - The value names sides relative to the message carrying it: in an answer `forward` echoes the
 *    offerer (the answer's recipient) and drops the answerer. The mode stays for later messages
 *    without the key; a new value replaces it.
 *  - The SDP is the same as without media-echo; blackholed packets count as received, not as errors.
 */
describe('media-echo', () => {
  let e: DaemonHandle;
  beforeAll(async () => {
    // A range of its own: the spelling test alone sets up 15 calls.
    e = await start([], 200);
    daemons.push(e);
  });

  it('forward on offer: B gets its own RTP and RTCP back, unchanged, from the port it sent to; A\'s media is dropped; the SDP does not change', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const nat = await single();
    const all = [a, aRtcp, b, bRtcp, nat];
    const plain = await call(e, 'echo-plain', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }));
    const c = await call(e, 'echo-fw', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'media-echo': 'fw' } });
    expect(noPorts(c.offerSdp)).toBe(noPorts(plain.offerSdp));
    expect(noPorts(c.answerSdp)).toBe(noPorts(plain.answerSdp));
    expect(cAddr(c.offerSdp)).toBe('127.0.0.1');
    expect(attrs(c.offerSdp)).toEqual([
      'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', `a=rtcp:${c.toB + 1}`,
    ]);
    expect(attrs(c.answerSdp)).toEqual(['a=rtpmap:0 PCMU/8000', 'a=sendrecv', `a=rtcp:${c.toA + 1}`]);

    expectUnchanged(await expectRelayed({ from: b, to: c.toB }, b, c.toB, all));
    expectUnchanged(await expectRelayed({ from: b, to: c.toB }, b, c.toB, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, bRtcp, c.toB + 1, all));
    await expectDropped({ from: a, to: c.toA }, all);
    await expectDropped({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, all);
    // Inside the learning window B's endpoint follows a new source, and its echo goes there.
    expectUnchanged(await expectRelayed({ from: nat, to: c.toB }, nat, c.toB, all));

    const q = await query(e, 'echo-fw');
    expect(stats(stream(q, 'a'))).toEqual({ packets: 1, errors: 0 });
    expect(stats(stream(q, 'a', 1))).toEqual({ packets: 1, errors: 0 });
    expect(stats(stream(q, 'b'))).toEqual({ packets: 3, errors: 0 });
    expect(stats(stream(q, 'b', 1))).toEqual({ packets: 1, errors: 0 });
  });

  it('backward on offer: A gets its own RTP and RTCP back, B\'s media is dropped', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(e, 'echo-bk', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'media-echo': 'bk' } });
    expect(attrs(c.offerSdp)).toContain('a=sendrecv');
    expectUnchanged(await expectRelayed({ from: a, to: c.toA }, a, c.toA, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, aRtcp, c.toA + 1, all));
    await expectDropped({ from: b, to: c.toB }, all);
    await expectDropped({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, all);
  });

  it('both: each side gets its own media back; blackhole: nothing is relayed, the packets still count, as no errors', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(e, 'echo-both', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'media-echo': 'both' } });
    expectUnchanged(await expectRelayed({ from: a, to: c.toA }, a, c.toA, all));
    expectUnchanged(await expectRelayed({ from: b, to: c.toB }, b, c.toB, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, aRtcp, c.toA + 1, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, bRtcp, c.toB + 1, all));

    const h = await call(e, 'echo-bh', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'media-echo': 'blackhole' } });
    await expectDropped({ from: a, to: h.toA }, all);
    await expectDropped({ from: b, to: h.toB }, all);
    await expectDropped({ kind: 'rtcp', from: aRtcp, to: h.toA + 1 }, all);
    await expectDropped({ kind: 'rtcp', from: bRtcp, to: h.toB + 1 }, all);
    const q = await query(e, 'echo-bh');
    for (const tag of ['a', 'b']) {
      expect(stats(stream(q, tag))).toEqual({ packets: 1, errors: 0 });
      expect(stats(stream(q, tag, 1))).toEqual({ packets: 1, errors: 0 });
    }
  });

  it('in the answer the value is relative to the answer: forward echoes the offerer A and drops the answerer B', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(e, 'echo-ans', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { answer: { 'media-echo': 'forward' } });
    expectUnchanged(await expectRelayed({ from: a, to: c.toA }, a, c.toA, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: aRtcp, to: c.toA + 1 }, aRtcp, c.toA + 1, all));
    await expectDropped({ from: b, to: c.toB }, all);
    await expectDropped({ kind: 'rtcp', from: bRtcp, to: c.toB + 1 }, all);
  });

  it('the mode stays through a re-INVITE without the key and an unknown value; a new value replaces it', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(e, 'echo-keep', phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { 'media-echo': 'fw' } });
    await call(e, 'echo-keep', phoneSdp('a', a.port, { version: 2 }), phoneSdp('b', b.port, { pts: [0], version: 2 }));
    await expectRelayed({ from: b, to: c.toB }, b, c.toB, all);
    await expectDropped({ from: a, to: c.toA }, all);
    await call(e, 'echo-keep', phoneSdp('a', a.port, { version: 3 }), phoneSdp('b', b.port, { pts: [0], version: 3 }), { offer: { 'media-echo': 'both' } });
    await expectRelayed({ from: a, to: c.toA }, a, c.toA, all);
    await expectRelayed({ from: b, to: c.toB }, b, c.toB, all);
    await call(e, 'echo-keep', phoneSdp('a', a.port, { version: 4 }), phoneSdp('b', b.port, { pts: [0], version: 4 }), { offer: { 'media-echo': 'bh' } });
    await expectRelayed({ from: a, to: c.toA }, a, c.toA, all);
    await expectRelayed({ from: b, to: c.toB }, b, c.toB, all);
  });

  it('rtcp-mux: RTCP sent to the RTP port comes back out of the RTCP port, to the RTP port + 1', async () => {
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    const c = await call(e, 'echo-mux', withMux(phoneSdp('a', a.port)), withMux(phoneSdp('b', b.port, { pts: [0] })), { offer: { 'media-echo': 'both' } });
    expect(attrs(c.offerSdp).slice(-2)).toEqual([`a=rtcp:${c.toB + 1}`, 'a=rtcp-mux']);
    expect(attrs(c.answerSdp).slice(-2)).toEqual([`a=rtcp:${c.toA}`, 'a=rtcp-mux']);
    expectUnchanged(await expectRelayed({ from: a, to: c.toA }, a, c.toA, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: a, to: c.toA }, aRtcp, c.toA + 1, all));
    expectUnchanged(await expectRelayed({ kind: 'rtcp', from: b, to: c.toB }, bRtcp, c.toB + 1, all));
  });

  it('spellings: which keys and values rtpengine 10.5 takes', async () => {
    const cases: [string, string][] = [
      ['media-echo', 'forward'], ['media-echo', 'fwd'], ['media-echo', 'fw'],
      ['media-echo', 'backward'], ['media-echo', 'backwards'], ['media-echo', 'reverse'], ['media-echo', 'back'],
      ['media-echo', 'bkw'], ['media-echo', 'bk'], ['media echo', 'bk'],
      ['media-echo', 'both'], ['media-echo', 'blackhole'], ['media-echo', 'sinkhole'],
      ['media-echo', 'bh'], ['media-echo', 'FW'],
    ];
    const [a, aRtcp] = await phone();
    const [b, bRtcp] = await phone();
    const all = [a, aRtcp, b, bRtcp];
    /** What became of one RTP packet of `from`: back to it, to the other side, or nowhere. */
    const fate = async (from: Peer, to: number): Promise<string> => {
      const r = await deliver({ from, to }, all, 500);
      return !r ? 'drop' : r.at === from ? 'echo' : 'relay';
    };
    const seen: Record<string, string> = {};
    for (const [key, value] of cases) {
      const c = await call(e, `echo-${key}-${value}`, phoneSdp('a', a.port), phoneSdp('b', b.port, { pts: [0] }), { offer: { [key]: value } });
      seen[`${key}=${value}`] = `A ${await fate(a, c.toA)}, B ${await fate(b, c.toB)}`;
    }
    expect(seen).toEqual({
      'media-echo=forward': 'A drop, B echo', 'media-echo=fwd': 'A drop, B echo', 'media-echo=fw': 'A drop, B echo',
      'media-echo=backward': 'A echo, B drop', 'media-echo=backwards': 'A echo, B drop', 'media-echo=reverse': 'A echo, B drop',
      'media-echo=back': 'A echo, B drop', 'media-echo=bkw': 'A echo, B drop', 'media-echo=bk': 'A echo, B drop',
      'media echo=bk': 'A echo, B drop',
      'media-echo=both': 'A echo, B echo',
      'media-echo=blackhole': 'A drop, B drop', 'media-echo=sinkhole': 'A drop, B drop',
      'media-echo=bh': 'A relay, B relay', 'media-echo=FW': 'A relay, B relay',
    });
  }, 60_000);
});

/**
 * Issue 11 rule 3: an SDP body may hold several session descriptions, each starting at its `v=`
 * (RFC 8866 §5). Expectations measured on rtpengine 10.5.3.5; the bodies are written out in full.
 */
describe('SDP with several sessions', () => {
  let s: DaemonHandle;
  beforeAll(async () => {
    s = await start([], 200);
    daemons.push(s);
  });

  const body = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');
  /** The m= ports of a body, in order. */
  const mPorts = (sdp: string): number[] => [...sdp.matchAll(/^m=\S+ (\d+) /gm)].map((m) => Number(m[1]));
  const offer = async (h: DaemonHandle, id: string, sdp: string, extra: Record<string, BEncodable> = {}): Promise<Reply> =>
    h.ng.request({ command: 'offer', 'call-id': id, 'from-tag': 'a', sdp, ...extra });
  const ok = (r: Reply): string => {
    expect(str(r.get('result')), String(r.get('error-reason'))).toBe('ok');
    return str(r.get('sdp'));
  };

  it('each v= starts a session: every session\'s media get ports, the generated lines end each session\'s last media before the next v=, each session\'s c= follows its own media; media flows in the second session', async () => {
    const [a1] = await phone();
    const [a2, a2Rtcp] = await phone();
    const [b1] = await phone();
    const [b2, b2Rtcp] = await phone();
    const all = [a1, a2, a2Rtcp, b1, b2, b2Rtcp];
    const aSdp = body(
      'v=0', 'o=a 1000 5 IN IP4 127.0.0.98', 's=one', 'c=IN IP4 127.0.0.98', 't=0 0', 'a=x-session-1',
      `m=audio ${a1.port} RTP/AVP 0 8`, 'c=IN IP4 127.0.0.1', 'a=rtpmap:0 PCMU/8000', 'a=x-media-1',
      'v=0', 'o=a2 2000 7 IN IP4 127.0.0.1', 's=two', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=sendonly', 'a=x-session-2',
      `m=audio ${a2.port} RTP/AVP 8`, 'a=x-media-2',
    );
    const bSdp = body(
      'v=0', 'o=b 3000 9 IN IP4 127.0.0.1', 's=b-one', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${b1.port} RTP/AVP 0`,
      'v=0', 'o=b2 4000 11 IN IP4 127.0.0.1', 's=b-two', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${b2.port} RTP/AVP 8`, 'a=recvonly',
    );
    const c = await call(s, 'multi-basic', aSdp, bSdp);
    const [toB1, toB2] = mPorts(c.offerSdp);
    const [toA1, toA2] = mPorts(c.answerSdp);
    // Session 1 keeps its c= (its only media has its own); session 2's media has none, so its c= is
    // ours. Session-level a=sendonly of session 2 is dropped and applies to session 2's media only.
    expect(c.offerSdp).toBe(body(
      'v=0', 'o=a 1000 5 IN IP4 127.0.0.98', 's=one', 'c=IN IP4 127.0.0.98', 't=0 0', 'a=x-session-1',
      `m=audio ${toB1} RTP/AVP 0 8`, 'c=IN IP4 127.0.0.1', 'a=x-media-1',
      'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv', `a=rtcp:${toB1! + 1}`,
      'v=0', 'o=a2 2000 7 IN IP4 127.0.0.1', 's=two', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=x-session-2',
      `m=audio ${toB2} RTP/AVP 8`, 'a=x-media-2',
      'a=rtpmap:8 PCMA/8000', 'a=sendonly', `a=rtcp:${toB2! + 1}`,
    ));
    expect(c.answerSdp).toBe(body(
      'v=0', 'o=b 3000 9 IN IP4 127.0.0.1', 's=b-one', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${toA1} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', `a=rtcp:${toA1! + 1}`,
      'v=0', 'o=b2 4000 11 IN IP4 127.0.0.1', 's=b-two', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${toA2} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000', 'a=recvonly', `a=rtcp:${toA2! + 1}`,
    ));
    expect(new Set([toA1, toA2, toB1, toB2]).size).toBe(4);
    await expectRelayed({ from: a2, to: toA2! }, b2, toB2!, all);
    await expectRelayed({ from: b2, to: toB2! }, a2, toA2!, all);
    await expectRelayed({ kind: 'rtcp', from: b2Rtcp, to: toB2! + 1 }, a2Rtcp, toA2! + 1, all);
    await expectRelayed({ from: a1, to: toA1! }, b1, toB1!, all);
  });

  const three = (v1: number, v2: number, pt3: number): string => body(
    'v=0', `o=a 1000 ${v1} IN IP4 127.0.0.1`, 's=one', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 30000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000',
    'v=0', `o=a2 2000 ${v2} IN IP4 127.0.0.2`, 's=two', 'c=IN IP4 127.0.0.2', 't=0 0', 'm=audio 30010 RTP/AVP 8',
    'v=0', 'o=a3 3000 99 IN IP4 127.0.0.3', 's=three', 't=0 0', `m=audio 30020 RTP/AVP ${pt3}`, 'c=IN IP4 127.0.0.3',
  );
  /** What we (and rtpengine 10.5) send for `three()` with replace origin / session-connection / SDP version. */
  const threeOut = (version: number, ports: number[], pt3: number): string => body(
    'v=0', `o=a 1000 ${version} IN IP4 127.0.0.1`, 's=one', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${ports[0]} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv', `a=rtcp:${ports[0]! + 1}`,
    'v=0', `o=a2 2000 ${version} IN IP4 127.0.0.1`, 's=two', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${ports[1]} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000', 'a=sendrecv', `a=rtcp:${ports[1]! + 1}`,
    'v=0', `o=a3 3000 ${version} IN IP4 127.0.0.1`, 's=three', 't=0 0',
    `m=audio ${ports[2]} RTP/AVP ${pt3}`, 'c=IN IP4 127.0.0.1', `a=rtpmap:${pt3} ${pt3 === 0 ? 'PCMU' : 'PCMA'}/8000`, 'a=sendrecv', `a=rtcp:${ports[2]! + 1}`,
  );

  it('replace SDP version: one version in every session\'s o=, from the first session of the first SDP; changed input versions alone change nothing; a changed body bumps it once', async () => {
    const replace = { replace: ['origin', 'session-connection', 'SDP version'] };
    const first = ok(await offer(s, 'multi-version', three(17, 7, 0), replace));
    const ports = mPorts(first);
    expect(first).toBe(threeOut(17, ports, 0));
    // Other input versions, same body otherwise: the same SDP, still 17 everywhere.
    expect(ok(await offer(s, 'multi-version', three(3, 8, 0), replace))).toBe(first);
    // Session 3 changes codec: the whole body differs, so every o= goes to 18, once.
    expect(ok(await offer(s, 'multi-version', three(3, 8, 8), replace))).toBe(threeOut(18, ports, 8));
    expect(ok(await offer(s, 'multi-version', three(3, 8, 8), replace))).toBe(threeOut(18, ports, 8));
    expect(ok(await offer(s, 'multi-version', three(100, 8, 0), replace))).toBe(threeOut(19, ports, 0));

    // The answerer's side has its own version: B's first session's, in both of B's sessions.
    const answer = await s.ng.request({
      command: 'answer', 'call-id': 'multi-version', 'from-tag': 'a', 'to-tag': 'b', replace: ['SDP version'],
      sdp: body(
        'v=0', 'o=b 3000 9 IN IP4 127.0.0.1', 's=b', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 31000 RTP/AVP 0', 'm=audio 31010 RTP/AVP 8',
        'v=0', 'o=b2 4000 2 IN IP4 127.0.0.1', 's=b2', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 31020 RTP/AVP 0',
      ),
    });
    expect([...ok(answer).matchAll(/^o=.*$/gm)].map((m) => m[0])).toEqual([
      'o=b 3000 9 IN IP4 127.0.0.1', 'o=b2 4000 9 IN IP4 127.0.0.1',
    ]);
  });

  it('replace spellings: `sdp version` (rtpengine-ng-client\'s) works; the flag `replace-sdp-version` does nothing in rtpengine 10.5 (rtpengine wins over the issue)', async () => {
    /** The sess-version of every o= line of the SDP sent for this offer. */
    const versions = async (id: string, v1: number, pt3: number, extra: Record<string, BEncodable>): Promise<string[]> =>
      [...ok(await offer(s, id, three(v1, 7, pt3), extra)).matchAll(/^o=\S+ \d+ (\d+) /gm)].map((m) => m[1]!);
    expect(await versions('multi-spell-1', 4, 0, { replace: ['sdp version'] })).toEqual(['4', '4', '4']);
    expect(await versions('multi-spell-1', 2, 8, { replace: ['sdp version'] })).toEqual(['5', '5', '5']);
    // As a flag the replace option is unknown to 10.5: every o= keeps the version it came with.
    expect(await versions('multi-spell-2', 4, 0, { flags: ['replace-sdp-version'] })).toEqual(['4', '7', '99']);
    expect(await versions('multi-spell-2', 2, 8, { flags: ['replace-sdp-version'] })).toEqual(['2', '7', '99']);
  });

  it('replace username / session-name and loop-protect apply to every session; a body is passed through as a loop only when every session carries our a=rtpengine', async () => {
    const sdp = body(
      'v=0', 'o=x 1000 5 IN IP4 127.0.0.1', 's=first', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 30000 RTP/AVP 0',
      'v=0', 'o=y 2000 6 IN IP4 127.0.0.2', 's=second', 'c=IN IP4 127.0.0.2', 't=0 0', 'a=x-keep', 'm=audio 30010 RTP/AVP 0',
    );
    const out = ok(await offer(s, 'multi-loop', sdp, { replace: ['username', 'session-name'], flags: ['loop-protect'] }));
    const id = /^a=rtpengine:(\S+)\r$/m.exec(out)![1]!;
    const ports = mPorts(out);
    expect(out).toBe(body(
      'v=0', 'o=x 1000 5 IN IP4 127.0.0.1', 's=first', 'c=IN IP4 127.0.0.1', 't=0 0', `a=rtpengine:${id}`,
      `m=audio ${ports[0]} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', `a=rtcp:${ports[0]! + 1}`,
      'v=0', 'o=x 2000 6 IN IP4 127.0.0.2', 's=first', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=x-keep', `a=rtpengine:${id}`,
      `m=audio ${ports[1]} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', `a=rtcp:${ports[1]! + 1}`,
    ));
    // Our id in the first session only: not a loop, rewritten (a second a=rtpengine line is added).
    const firstOnly = sdp.replace('t=0 0\r\n', `t=0 0\r\na=rtpengine:${id}\r\n`);
    const again = ok(await offer(s, 'multi-loop-2', firstOnly, { flags: ['loop-protect'] }));
    expect(again).toContain(`t=0 0\r\na=rtpengine:${id}\r\na=rtpengine:${id}\r\nm=audio ${mPorts(again)[0]} `);
    // In every session: the body comes back untouched.
    const both = firstOnly.replace('a=x-keep\r\n', `a=x-keep\r\na=rtpengine:${id}\r\n`);
    expect(ok(await offer(s, 'multi-loop-3', both, { flags: ['loop-protect'] }))).toBe(both);
  });

  it('a session without media: fine before a session with media; after the last media only where the recipient already has a media at that position, else "Error rewriting SDP"', async () => {
    const empty = (v: number): string[] => ['v=0', `o=e 1000 ${v} IN IP4 127.0.0.9`, 's=empty', 'c=IN IP4 127.0.0.9', 't=0 0', 'a=x-empty'];
    const media = (v: number): string[] => ['v=0', `o=m 2000 ${v} IN IP4 127.0.0.2`, 's=media', 'c=IN IP4 127.0.0.2', 't=0 0', 'm=audio 30000 RTP/AVP 0'];
    const out = ok(await offer(s, 'multi-empty', body(...empty(5), ...media(6))));
    const [port] = mPorts(out);
    // The empty session keeps its c= (it has no media without c= of its own).
    expect(out).toBe(body(
      ...empty(5),
      'v=0', 'o=m 2000 6 IN IP4 127.0.0.2', 's=media', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', `a=rtcp:${port! + 1}`,
    ));

    const failed = (r: Reply): void => expect([str(r.get('result')), str(r.get('error-reason'))]).toEqual(['error', 'Error rewriting SDP']);
    const x = { replace: ['SDP version', 'session-connection'] };
    // A new call: an SDP without any media, and one whose last session has none, cannot be rewritten.
    failed(await offer(s, 'multi-empty-1', body(...empty(5)), x));
    failed(await offer(s, 'multi-empty-2', body(...media(6), ...empty(5)), x));
    // Failing in the first session leaves nothing behind: the next SDP's own version is used.
    expect(ok(await offer(s, 'multi-empty-1', body(...media(9)), x))).toMatch(/^o=m 2000 9 IN IP4 127\.0\.0\.2\r$/m);
    // Failing in the second, the first session's o= already fixed the version (6). The failed offer
    // left the recipient a media at position 1, so now a body of only an empty session is fine:
    // rewritten against that media (c= replaced as asked), with the version of the failed SDP.
    expect(ok(await offer(s, 'multi-empty-2', body(...empty(5)), x))).toBe(body(
      'v=0', 'o=e 1000 6 IN IP4 127.0.0.9', 's=empty', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=x-empty',
    ));
    // Still no media at position 2.
    failed(await offer(s, 'multi-empty-2', body(...media(6), ...empty(5)), x));
  });
});
