/**
 * DTLS-SRTP through the real daemon, driven by ng like Kamailio would: a WebRTC-style offerer
 * (UDP/TLS/RTP/SAVP, a=setup:actpass, a=fingerprint) played by openssl, bridged to a plain RTP/AVP
 * answerer. The daemon takes the role its answer announces (active by default, `DTLS=passive` on
 * request), shakes hands with openssl on the media port of its answer, and then relays SRTP ↔ RTP
 * with the exported keys. Also: the handshake of a call that is deleted while it runs ends with it,
 * and a handshake that never completes is given up and logged without harming other calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { freeTcpPort, httpRequest } from '../helpers/ng-transports.js';
import { makePeerCert, opensslClient, opensslServer, splitMaterial, type OpensslPeer, type PeerCert } from '../helpers/openssl-dtls.js';
import { rtpPacket } from '../helpers/rtp-peer.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';
import { opensslAvailable, Sock } from '../helpers/udp-sock.js';

const haveOpenssl = opensslAvailable();


async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function webrtcSdp(port: number, fingerprint: string, setup = 'actpass'): string {
  return [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} UDP/TLS/RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp-mux',
    `a=setup:${setup}`, `a=fingerprint:sha-256 ${fingerprint}`, '',
  ].join('\r\n');
}

interface Call {
  d: DaemonHandle;
  cert: PeerCert;
  callId: string;
  /** The port the daemon gave the DTLS offerer (its answer) and the plain answerer (its offer). */
  aPort: number;
  bPort: number;
  answerToA: string;
}

/** Offer from the DTLS side (port `aSdpPort` in its SDP), answer from a plain phone at `bSock`. */
async function call(d: DaemonHandle, cert: PeerCert, aSdpPort: number, bSock: Sock, answerFlags: Record<string, unknown> = {},
  callId = `dtls-${Math.random().toString(36).slice(2)}`): Promise<Call> {
  const offer = await d.ng.request({
    command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: webrtcSdp(aSdpPort, cert.fingerprint),
    'transport-protocol': 'RTP/AVP', 'rtcp-mux': ['demux'],
  });
  expect(str(offer.get('result'))).toBe('ok');
  const toB = str(offer.get('sdp'));
  expect(toB).toContain('RTP/AVP');
  const answer = await d.ng.request({
    command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', bSock.port, { pts: [0] }), ...answerFlags,
  } as never);
  expect(str(answer.get('result'))).toBe('ok');
  const answerToA = str(answer.get('sdp'));
  return { d, cert, callId, aPort: mPort(answerToA), bPort: mPort(toB), answerToA };
}

/** `seq0`: first sequence number the DTLS side sends (later rounds continue above the earlier ones). */
async function bothWays(c: Call, srtpSock: Sock, bSock: Sock, material: Buffer, peerIsClient: boolean, seq0 = 1000): Promise<void> {
  const k = splitMaterial(material);
  const client = new SrtpContext('AES_CM_128_HMAC_SHA1_80', k.clientKey, k.clientSalt);
  const server = new SrtpContext('AES_CM_128_HMAC_SHA1_80', k.serverKey, k.serverSalt);
  const tx = peerIsClient ? client : server;
  const rx = peerIsClient ? server : client;
  // The daemon needs a moment after the handshake to hand the keys to the worker.
  let sent = 0;
  await until('decrypted RTP at the plain phone', () => {
    const plain = rtpPacket(0, seq0 + sent, 160 * sent, 0xa1a2a3a4);
    const buf = Buffer.alloc(plain.length + 10);
    plain.copy(buf);
    srtpSock.send(buf.subarray(0, tx.protectRtp(buf, 0, plain.length)), c.aPort);
    sent++;
    return bSock.got.length > 0;
  });
  const first = bSock.got[0]!;
  expect(first.subarray(12)).toEqual(rtpPacket(0, 0, 0, 0).subarray(12)); // payload in clear
  expect(first.readUInt32BE(8)).toBe(0xa1a2a3a4);
  const bSeq = seq0 === 1000 ? 7 : 77;
  for (let i = 0; i < 3; i++) bSock.send(rtpPacket(0, bSeq + i, 160 * i, 0xb1b2b3b4), c.bPort);
  await until('SRTP at the DTLS side', () => srtpSock.got.length >= 3);
  for (let i = 0; i < 3; i++) {
    const got = Buffer.from(srtpSock.got[i]!);
    const n = rx.unprotectRtp(got, 0, got.length);
    expect(n).toBe(172);
    expect(got.subarray(0, n)).toEqual(rtpPacket(0, bSeq + i, 160 * i, 0xb1b2b3b4));
  }
}

describe.skipIf(!haveOpenssl)('DTLS-SRTP through the daemon (ng offer/answer)', () => {
  it.each(['batch', 'dgram'] as const)('answers a=setup:active and connects to openssl s_server; SRTP ↔ RTP afterwards (%s I/O)', async (io) => {
    const d = await startDaemon([], { io });
    cleanup.push(() => d.close());
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    const srv: OpensslPeer = opensslServer(cert);
    cleanup.push(() => srv.close());
    const srtpSock = await new Sock().open();
    const bSock = await new Sock().open();
    cleanup.push(() => srtpSock.close(), () => bSock.close());
    const c = await call(d, cert, await srv.port, bSock);
    expect(c.answerToA).toMatch(/^a=setup:active\r$/m);
    expect(c.answerToA).toMatch(/^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r$/m);
    const { material } = await srv.result;
    await until('established', () => d.log().includes('established: AES_CM_128_HMAC_SHA1_80'));
    await bothWays(c, srtpSock, bSock, material, false);
    // A re-INVITE with the same fingerprint keeps the finished handshake and its keys.
    const again = await call(d, cert, await srv.port, bSock, {}, c.callId);
    expect(again.aPort).toBe(c.aPort);
    bSock.got.length = 0;
    srtpSock.got.length = 0;
    await bothWays(c, srtpSock, bSock, material, false, 2000);
    expect(d.log().split('established: ').length - 1).toBe(1);
  });

  it.each(['batch', 'dgram'] as const)('with DTLS=passive waits for openssl s_client on its port; SRTP ↔ RTP afterwards (%s I/O)', async (io) => {
    const d = await startDaemon([], { io });
    cleanup.push(() => d.close());
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    const srtpSock = await new Sock().open();
    const bSock = await new Sock().open();
    cleanup.push(() => srtpSock.close(), () => bSock.close());
    const c = await call(d, cert, srtpSock.port, bSock, { DTLS: 'passive' });
    expect(c.answerToA).toMatch(/^a=setup:passive\r$/m);
    const cli = opensslClient(cert, c.aPort);
    cleanup.push(() => cli.close());
    const { material } = await cli.result;
    await until('established', () => d.log().includes('established: AES_CM_128_HMAC_SHA1_80'));
    await bothWays(c, srtpSock, bSock, material, true);
  });

  it('gives up a handshake that never completes (logged), and keeps serving other calls', async () => {
    const d = await startDaemon([], { env: { RTPENGINE_TS_TEST_HOOKS: '1', RTPENGINE_TS_DTLS_TIMEOUT_MS: '1500' } });
    cleanup.push(() => d.close());
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    // Active towards a socket that never answers: ClientHellos (retransmitted) arrive there.
    const silent = await new Sock().open();
    const bSock = await new Sock().open();
    cleanup.push(() => silent.close(), () => bSock.close());
    await call(d, cert, silent.port, bSock);
    await until('ClientHello retransmissions', () => silent.got.filter((p) => p[0] === 22).length >= 2, 3000);
    await until('given up', () => /DTLS handshake on port \d+ .*given up: no handshake within 1500 ms/.test(d.log()), 5000);
    const seen = silent.got.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(silent.got.length).toBe(seen); // no more retransmissions after giving up
    // Another DTLS call on the same daemon still works.
    const srv = opensslServer(cert);
    cleanup.push(() => srv.close());
    const b2 = await new Sock().open();
    cleanup.push(() => b2.close());
    await call(d, cert, await srv.port, b2);
    await srv.result;
    await until('established', () => d.log().includes('established: AES_CM_128_HMAC_SHA1_80'));
  });

  it('garbage and DTLS records from strangers are dropped; the daemon and the handshake carry on', async () => {
    const httpPort = await freeTcpPort();
    const d = await startDaemon([`--listen-http=127.0.0.1:${httpPort}`]);
    cleanup.push(() => d.close());
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    const srtpSock = await new Sock().open();
    const bSock = await new Sock().open();
    const stranger = await new Sock().open();
    cleanup.push(() => srtpSock.close(), () => bSock.close(), () => stranger.close());
    const c = await call(d, cert, srtpSock.port, bSock, { DTLS: 'passive' });
    // Before the peer: DTLS-looking garbage (first byte 20..63) of every length, truncated records.
    const junk: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(1 + (i * 37) % 400);
      for (let j = 0; j < b.length; j++) b[j] = (i * 131 + j * 17) & 255;
      b[0] = 20 + (i % 44);
      junk.push(b);
    }
    junk.push(Buffer.from('16fefd', 'hex'), Buffer.from('16fefd0000000000000000ffff', 'hex'));
    for (const j of junk) srtpSock.send(j, c.aPort);
    await new Promise((r) => setTimeout(r, 200));
    const cli = opensslClient(cert, c.aPort);
    cleanup.push(() => cli.close());
    // A stranger sends DTLS records while the real peer shakes hands: not answered, not in the way.
    for (let i = 0; i < 30; i++) stranger.send(junk[i]!, c.aPort);
    const { material } = await cli.result;
    await until('established', () => d.log().includes('established: AES_CM_128_HMAC_SHA1_80'));
    expect(stranger.got).toEqual([]);
    // A flood of DTLS-looking garbage on that port (far above the per-socket limit) while another
    // call shakes hands: the main thread stays responsive and the other handshake completes.
    const flood = setInterval(() => { for (let i = 0; i < 50; i++) stranger.send(junk[i % junk.length]!, c.aPort); }, 2);
    cleanup.push(() => clearInterval(flood));
    const srv = opensslServer(cert);
    cleanup.push(() => srv.close());
    const b2 = await new Sock().open();
    cleanup.push(() => b2.close());
    const t0 = Date.now();
    await call(d, cert, await srv.port, b2);
    await srv.result;
    await until('second call established', () => d.log().split('established: AES_CM_128_HMAC_SHA1_80').length === 3);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await d.ng.request({ command: 'ping' })).get('result')?.toString()).toBe('pong');
    clearInterval(flood);
    expect(stranger.got).toEqual([]);
    expect(d.proc.exitCode).toBeNull();
    // Every drop is counted (docs/metrics.md).
    const metrics = (await httpRequest(httpPort, 'GET', '/metrics')).body.toString();
    const metric = (name: string): number => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(metric('rtpengine_ts_dtls_handshakes_completed_total')).toBe(2);
    expect(metric('rtpengine_ts_dtls_handshakes_started_total')).toBe(2);
    expect(metric('rtpengine_ts_dtls_dropped_total{reason="rate"}')).toBeGreaterThan(100);
    expect(metric('rtpengine_ts_dtls_dropped_total{reason="unmatched"}')).toBeGreaterThan(10);
    expect(metric('rtpengine_ts_dtls_fingerprint_mismatches_total')).toBe(0);
    await bothWays(c, srtpSock, bSock, material, true);
  });
});
