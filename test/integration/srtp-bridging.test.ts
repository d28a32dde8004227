/**
 * The bridging matrix of issue 12: every pair of transport protocols between the two legs, with and
 * without rtcp-mux, through the real daemon. The offerer A speaks protocol pA; the offer goes to B
 * with `transport-protocol` = pB; B answers in pB. Then RTP and RTCP flow both ways, each phone
 * protecting with its own keys and unprotecting with the keys the daemon gave it, and every packet
 * must arrive intact (payload marker), authenticated where SRTP is due, and plain where it is not.
 *
 * With RTPENGINE_BIN (or REFERENCE_RTPENGINE)=/usr/bin/rtpengine the same matrix runs against rtpengine 10.5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonHandle } from '../helpers/daemon-process.js';
import { startEither } from '../helpers/reference-daemon.js';
import { str } from '../helpers/ng-client.js';
import { ALL_PROTOS, isDtls, isSdes, SrtpEndpoint, type Proto } from '../helpers/srtp-endpoint.js';

let d: DaemonHandle;
let callNo = 0;
const endpoints: SrtpEndpoint[] = [];

beforeAll(async () => {
  d = await startEither([], { ports: 1000 }); // 74 calls × 4 ports
});
afterAll(async () => {
  for (const e of endpoints) e.close();
  await d?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await sleep(10);
}

/** Sets the call up and returns both phones, with the SDP each got checked for protocol and keys. */
async function bridge(pA: Proto, pB: Proto, mux: boolean): Promise<[SrtpEndpoint, SrtpEndpoint]> {
  const a = await SrtpEndpoint.open(pA, mux);
  const b = await SrtpEndpoint.open(pB, mux);
  endpoints.push(a, b);
  const callId = `bridge-${process.pid}-${++callNo}`;
  const offer = await d.ng.request({
    command: 'offer', 'call-id': callId, 'from-tag': 'A', sdp: a.sdp(), 'transport-protocol': pB,
  });
  expect(str(offer.get('result'))).toBe('ok');
  const toB = str(offer.get('sdp'));
  expect(toB).toMatch(new RegExp(`^m=audio \\d+ ${pB.replace(/\//g, '\\/')} 0\\r$`, 'm'));
  // Every SRTP offer carries both keyings: SDES lines and DTLS (rtpengine 10.5 does so also
  // toward UDP/TLS/... recipients; they pick DTLS by answering with a=fingerprint and no a=crypto).
  expect(/^a=crypto:/m.test(toB)).toBe(isSdes(pB) || isDtls(pB));
  if (isDtls(pB)) expect(toB).toMatch(/^a=setup:actpass\r\na=fingerprint:sha-256 [0-9A-F:]{95}\r$/m);
  expect(/^a=rtcp-mux/m.test(toB)).toBe(mux);
  b.learn(toB);
  const answer = await d.ng.request({
    command: 'answer', 'call-id': callId, 'from-tag': 'A', 'to-tag': 'B', sdp: b.sdp(toB),
  });
  expect(str(answer.get('result'))).toBe('ok');
  const toA = str(answer.get('sdp'));
  expect(toA).toMatch(new RegExp(`^m=audio \\d+ ${pA.replace(/\//g, '\\/')} 0\\r$`, 'm'));
  // The answer to an SDES offerer carries exactly one a=crypto: the suite it offered.
  expect(toA.match(/^a=crypto:/gm)?.length ?? 0).toBe(isSdes(pA) ? 1 : 0);
  expect(/^a=rtcp-mux/m.test(toA)).toBe(mux);
  // The daemon answers a DTLS offerer's actpass as the active side (RFC 5763 §5).
  if (isDtls(pA)) expect(toA).toMatch(/^a=setup:active\r$/m);
  a.learn(toA);
  await Promise.all([a, b].filter((e) => isDtls(e.proto)).map((e) => e.dtlsDone()));
  // A phone's handshake ends a moment before the daemon's (the last flight still has to reach it,
  // and its keys its worker); media sent into that gap toward the DTLS side has no keys yet and is
  // dropped, as it must be. Real phones do not start on the same millisecond: give the daemon 250 ms.
  if (isDtls(pA) || isDtls(pB)) await sleep(250);
  return [a, b];
}

/** RTP markers 1..n from `from` arrive at `to` in order, RTCP too, and nothing failed to unprotect. */
async function flows(from: SrtpEndpoint, to: SrtpEndpoint, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    from.sendRtp(i);
    await sleep(2);
  }
  from.sendRtcp();
  await waitUntil(() => to.rtpIn.length >= n && to.rtcpIn.length >= 1);
  expect(to.bad).toBe(0);
  // Every marker once (a loaded relay may swap neighbours, as rtpengine's threads do).
  expect(to.rtpIn.map((p) => p.readUInt32BE(12)).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  for (const p of to.rtpIn) {
    expect(p.length).toBe(172);
    expect(p.readUInt32BE(8)).toBe(from.ssrc);
    expect(p[100]).toBe(0x5a);
  }
  expect(to.rtcpIn.length).toBe(1);
  expect(to.rtcpIn[0]!.readUInt32BE(4)).toBe(from.ssrc);
}

describe('SRTP bridging matrix: every pair of the six protocols, with and without rtcp-mux', () => {
  for (const mux of [false, true]) {
    for (const pA of ALL_PROTOS) {
      for (const pB of ALL_PROTOS) {
        it(`${pA} ↔ ${pB}${mux ? ' with rtcp-mux' : ''}`, async () => {
          const [a, b] = await bridge(pA, pB, mux);
          await flows(a, b, 5);
          await flows(b, a, 5);
        });
      }
    }
  }
});

describe('RTP ↔ SRTP switch on a re-INVITE', () => {
  it('RTP/AVP ↔ RTP/AVP becomes RTP/AVP ↔ RTP/SAVP and back', async () => {
    const callId = `switch-${process.pid}`;
    const a = await SrtpEndpoint.open('RTP/AVP', false);
    const plainB = await SrtpEndpoint.open('RTP/AVP', false);
    const srtpB = await SrtpEndpoint.open('RTP/SAVP', false);
    endpoints.push(a, plainB, srtpB);
    const round = async (b: SrtpEndpoint, proto: Proto) => {
      const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'A', sdp: a.sdp(), 'transport-protocol': proto });
      const toB = str(offer.get('sdp'));
      b.learn(toB);
      const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'A', 'to-tag': 'B', sdp: b.sdp(toB) });
      a.learn(str(answer.get('sdp')));
      for (const e of [a, b]) { e.rtpIn.length = 0; e.rtcpIn.length = 0; }
      await flows(a, b, 3);
      await flows(b, a, 3);
    };
    await round(plainB, 'RTP/AVP');
    await round(srtpB, 'RTP/SAVP');
    await round(plainB, 'RTP/AVP');
  });
});

