/**
 * DTLS-SRTP interop with OpenSSL in both roles, on a call built directly on the call model (SDP
 * negotiation is not involved: CallMedia.dtls is set as negotiation would set it). The handshake
 * runs on the media socket inside its worker; the keys the daemon installs must be the ones openssl
 * exported (RFC 5764 §4.2), SRTP must then flow both ways between the DTLS leg (protocol/srtp as the
 * peer's SRTP stack) and a plain RTP leg, and a certificate that does not match the fingerprint must
 * leave the media blocked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { dtlsCall, type DtlsCallFixture } from '../helpers/dtls-call.js';
import { makePeerCert, opensslClient, opensslServer, splitMaterial, type OpensslPeer, type PeerCert } from '../helpers/openssl-dtls.js';
import { rtcpRr, rtpPacket } from '../helpers/rtp-peer.js';
import { opensslAvailable, Sock } from '../helpers/udp-sock.js';

const haveOpenssl = opensslAvailable();


/** Two sockets on consecutive ports (RTP, RTCP). */
async function bindPair(): Promise<[Sock, Sock]> {
  for (;;) {
    const a = await new Sock().open();
    if (a.port % 2 === 0) {
      const b = new Sock();
      const ok = await new Promise<boolean>((r) => {
        b.s.once('error', () => r(false));
        b.s.bind(a.port + 1, '127.0.0.1', () => r(true));
      });
      if (ok) {
        b.port = a.port + 1;
        b.s.on('message', (m) => b.got.push(m));
        return [a, b];
      }
    }
    a.close();
  }
}

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

interface Setup {
  fx: DtlsCallFixture;
  peer: OpensslPeer;
  /** The DTLS participant's media socket (SRTP) and the plain participant's. */
  srtpSock: Sock;
  plainSock: Sock;
  cert: PeerCert;
}

async function setup(role: 'active' | 'passive', opts: { wrongFingerprint?: boolean; profile?: string; exportLen?: number } = {}): Promise<Setup> {
  const cert = makePeerCert();
  cleanup.push(() => cert.dispose());
  const srtpSock = await new Sock().open();
  const plainSock = await new Sock().open();
  cleanup.push(() => srtpSock.close(), () => plainSock.close());
  const fingerprint = opts.wrongFingerprint ? cert.fingerprint.replace(/^../, (h) => (h === '00' ? '01' : '00')) : cert.fingerprint;
  const profile = opts.profile ?? 'SRTP_AES128_CM_SHA1_80';
  const exportLen = opts.exportLen ?? 60;
  let peer: OpensslPeer;
  let fx: DtlsCallFixture;
  if (role === 'active') {
    // We are the DTLS client: openssl's s_server is the participant's address in "SDP".
    peer = opensslServer(cert, profile, exportLen);
    cleanup.push(() => peer.close());
    const port = await peer.port;
    fx = await dtlsCall({
      role, aPeer: { address: '127.0.0.1', port }, bPeer: { address: '127.0.0.1', port: plainSock.port },
      peerFingerprint: { hash: 'sha-256', value: fingerprint },
    });
    cleanup.push(() => fx.close());
  } else {
    fx = await dtlsCall({
      role, aPeer: { address: '127.0.0.1', port: srtpSock.port }, bPeer: { address: '127.0.0.1', port: plainSock.port },
      peerFingerprint: { hash: 'sha-256', value: fingerprint },
    });
    cleanup.push(() => fx.close());
    peer = opensslClient(cert, fx.a.rtp.sock!.port, profile, exportLen);
    cleanup.push(() => peer.close());
  }
  return { fx, peer, srtpSock, plainSock, cert };
}

function makeOtherFingerprint(fp: string): string {
  return fp.replace(/^../, (h) => (h === '00' ? '01' : '00'));
}

/** The peer's SRTP contexts from openssl's exported material (the peer is the client when we are passive). */
function peerContexts(material: Buffer, peerIsClient: boolean, suite = 'AES_CM_128_HMAC_SHA1_80', keyLen = 16, saltLen = 14): { tx: SrtpContext; rx: SrtpContext } {
  const k = splitMaterial(material, keyLen, saltLen);
  const client = new SrtpContext(suite, k.clientKey, k.clientSalt);
  const server = new SrtpContext(suite, k.serverKey, k.serverSalt);
  return peerIsClient ? { tx: client, rx: server } : { tx: server, rx: client };
}

/** SRTP from the DTLS participant reaches the plain one decrypted, plain RTP from it arrives encrypted. */
async function mediaBothWays(s: Setup, ctxs: { tx: SrtpContext; rx: SrtpContext }): Promise<void> {
  const aPort = s.fx.a.rtp.sock!.port;
  const bPort = s.fx.b.rtp.sock!.port;
  for (let i = 0; i < 5; i++) {
    const plain = rtpPacket(0, 100 + i, 160 * i, 0x11223344);
    const buf = Buffer.alloc(plain.length + 16);
    plain.copy(buf);
    const n = ctxs.tx.protectRtp(buf, 0, plain.length);
    expect(n).toBeGreaterThan(plain.length);
    s.srtpSock.send(buf.subarray(0, n), aPort);
    await new Promise((r) => setTimeout(r, 5));
  }
  await until('decrypted RTP at the plain leg', () => s.plainSock.got.length >= 5);
  for (let i = 0; i < 5; i++) expect(s.plainSock.got[i]).toEqual(rtpPacket(0, 100 + i, 160 * i, 0x11223344));
  for (let i = 0; i < 5; i++) s.plainSock.send(rtpPacket(8, 500 + i, 320 * i, 0x55667788), bPort);
  await until('SRTP at the DTLS leg', () => s.srtpSock.got.length >= 5);
  for (let i = 0; i < 5; i++) {
    const got = Buffer.from(s.srtpSock.got[i]!);
    const want = rtpPacket(8, 500 + i, 320 * i, 0x55667788);
    expect(got.length).toBe(want.length + 10);
    expect(got.subarray(12)).not.toEqual(want.subarray(12)); // encrypted
    const n = ctxs.rx.unprotectRtp(got, 0, got.length);
    expect(n).toBe(want.length);
    expect(got.subarray(0, n)).toEqual(want);
  }
}

describe.skipIf(!haveOpenssl)('DTLS-SRTP with openssl', () => {
  it('active (we are the client) against openssl s_server: same keys, SRTP both ways', async () => {
    const s = await setup('active');
    const { profile, material } = await s.peer.result;
    expect(profile).toBe('SRTP_AES128_CM_SHA1_80');
    await until('keys installed', () => s.fx.a.srtp !== null);
    const k = splitMaterial(material);
    expect(Buffer.from(s.fx.a.srtp!.tx!.key)).toEqual(k.clientKey);
    expect(Buffer.from(s.fx.a.srtp!.tx!.salt)).toEqual(k.clientSalt);
    expect(Buffer.from(s.fx.a.srtp!.rx!.key)).toEqual(k.serverKey);
    expect(Buffer.from(s.fx.a.srtp!.rx!.salt)).toEqual(k.serverSalt);
    expect(s.fx.a.srtp!.rx!.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(s.fx.dtls.counters.completed).toBe(1);
    await mediaBothWays(s, peerContexts(material, false));
  });

  it('a repeated signalling event keeps a finished handshake; a new peer fingerprint or role restarts it', async () => {
    const s = await setup('passive');
    await s.peer.result;
    await until('keys installed', () => s.fx.a.srtp !== null);
    const keys = s.fx.a.srtp;
    await s.fx.signal();
    await s.fx.signal();
    expect(s.fx.dtls.counters.started).toBe(1);
    expect(s.fx.a.srtp).toBe(keys);
    s.fx.a.dtls = { role: 'passive', peerFingerprint: { hash: 'sha-256', value: s.cert.fingerprint.toLowerCase() } };
    await s.fx.signal();
    expect(s.fx.dtls.counters.started).toBe(1); // the same fingerprint, only written in lower case
    s.fx.a.dtls = { role: 'passive', peerFingerprint: { hash: 'sha-256', value: makeOtherFingerprint(s.cert.fingerprint) } };
    await s.fx.signal();
    expect(s.fx.dtls.counters.started).toBe(2);
    expect(s.fx.a.srtp).toBe(keys); // the old keys serve until the new handshake completes
    s.fx.a.dtls = { role: 'active', peerFingerprint: s.fx.a.dtls.peerFingerprint };
    await s.fx.signal();
    expect(s.fx.dtls.counters.started).toBe(3);
    s.fx.a.dtls = null;
    await s.fx.signal();
    expect(s.fx.dtls.size).toBe(0);
  });

  it('after a handshake that was given up, a peer that starts over gets a new one', async () => {
    const srtpSock = await new Sock().open();
    const plainSock = await new Sock().open();
    cleanup.push(() => srtpSock.close(), () => plainSock.close());
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    const fx = await dtlsCall({
      role: 'passive', aPeer: { address: '127.0.0.1', port: srtpSock.port }, bPeer: { address: '127.0.0.1', port: plainSock.port },
      peerFingerprint: { hash: 'sha-256', value: cert.fingerprint }, handshakeTimeoutMs: 600,
    });
    cleanup.push(() => fx.close());
    // A ClientHello-shaped record that leads nowhere: the handshake starts, then times out.
    const hello = Buffer.alloc(60);
    hello.set([22, 0xfe, 0xfd, 0, 0]);
    hello[13] = 1;
    srtpSock.send(hello, fx.a.rtp.sock!.port);
    await until('given up', () => fx.dtls.counters.failed === 1, 3000);
    expect(fx.logs.some((l) => /given up: no handshake within 600 ms/.test(l))).toBe(true);
    const cli = opensslClient(cert, fx.a.rtp.sock!.port);
    cleanup.push(() => cli.close());
    const { material } = await cli.result;
    await until('keys installed', () => fx.a.srtp !== null);
    expect(Buffer.from(fx.a.srtp!.rx!.key)).toEqual(splitMaterial(material).clientKey);
    expect(fx.dtls.counters.started).toBe(2);
  });

  it('passive (we are the server) against openssl s_client: same keys, SRTP both ways', async () => {
    const s = await setup('passive');
    const { material } = await s.peer.result;
    await until('keys installed', () => s.fx.a.srtp !== null);
    const k = splitMaterial(material);
    expect(Buffer.from(s.fx.a.srtp!.tx!.key)).toEqual(k.serverKey);
    expect(Buffer.from(s.fx.a.srtp!.rx!.key)).toEqual(k.clientKey);
    await mediaBothWays(s, peerContexts(material, true));
  });

  it('negotiates AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_32 when that is all the peer offers', async () => {
    const gcm = await setup('passive', { profile: 'SRTP_AEAD_AES_128_GCM', exportLen: 56 });
    const g = await gcm.peer.result;
    await until('GCM keys', () => gcm.fx.a.srtp !== null);
    expect(gcm.fx.a.srtp!.rx!.suite).toBe('AEAD_AES_128_GCM');
    expect(Buffer.from(gcm.fx.a.srtp!.rx!.key)).toEqual(splitMaterial(g.material, 16, 12).clientKey);
    expect(Buffer.from(gcm.fx.a.srtp!.tx!.salt)).toEqual(splitMaterial(g.material, 16, 12).serverSalt);
    const cm32 = await setup('active', { profile: 'SRTP_AES128_CM_SHA1_32' });
    const c = await cm32.peer.result;
    await until('_32 keys', () => cm32.fx.a.srtp !== null);
    expect(cm32.fx.a.srtp!.tx!.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(Buffer.from(cm32.fx.a.srtp!.tx!.key)).toEqual(splitMaterial(c.material).clientKey);
  });

  it('without rtcp-mux the RTCP socket runs its own handshake (as rtpengine does) and SRTCP uses its keys', async () => {
    const cert = makePeerCert();
    cleanup.push(() => cert.dispose());
    const plainRtp = await new Sock().open();
    const plainRtcp = await bindPair();
    cleanup.push(() => plainRtp.close(), () => plainRtcp[0].close(), () => plainRtcp[1].close());
    // openssl on a port pair P, P+1 (the RTCP component goes to the RTP port + 1, RFC 3605's default).
    let rtpSrv: OpensslPeer | null = null;
    let rtcpSrv: OpensslPeer | null = null;
    for (let attempt = 0; attempt < 20 && rtcpSrv === null; attempt++) {
      const [a, b] = await bindPair();
      const base = a.port;
      a.close();
      b.close();
      const s1 = opensslServer(cert, 'SRTP_AES128_CM_SHA1_80', 60, base);
      const s2 = opensslServer(cert, 'SRTP_AES128_CM_SHA1_80', 60, base + 1);
      cleanup.push(() => s1.close(), () => s2.close());
      const ok = await Promise.race([Promise.all([s1.port, s2.port]).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
      if (ok) { rtpSrv = s1; rtcpSrv = s2; } else { s1.close(); s2.close(); }
    }
    expect(rtcpSrv).not.toBeNull();
    const fx = await dtlsCall({
      role: 'active', aPeer: { address: '127.0.0.1', port: await rtpSrv!.port }, bPeer: { address: '127.0.0.1', port: plainRtcp[0].port },
      peerFingerprint: { hash: 'sha-256', value: cert.fingerprint }, rtcpMux: false,
    });
    cleanup.push(() => fx.close());
    const [r1, r2] = await Promise.all([rtpSrv!.result, rtcpSrv!.result]);
    await until('both components keyed', () => fx.a.srtp !== null && fx.a.rtcpSrtp !== null);
    expect(fx.dtls.counters.completed).toBe(2);
    expect(r1.material).not.toEqual(r2.material);
    expect(Buffer.from(fx.a.srtp!.rx!.key)).toEqual(splitMaterial(r1.material).serverKey);
    expect(Buffer.from(fx.a.rtcpSrtp!.rx!.key)).toEqual(splitMaterial(r2.material).serverKey);
    // SRTCP protected with the RTCP association's keys reaches the plain side's RTCP port decrypted.
    const peerRtcp = peerContexts(r2.material, false);
    const sender = await new Sock().open();
    cleanup.push(() => sender.close());
    const rr = rtcpRr(0x01020304);
    const buf = Buffer.alloc(rr.length + 32);
    rr.copy(buf);
    let sent = 0;
    await until('decrypted RTCP at the plain side', () => {
      const b = Buffer.from(buf);
      sender.send(b.subarray(0, peerRtcp.tx.protectRtcp(b, 0, rr.length)), fx.a.rtcp.sock!.port);
      sent++;
      return plainRtcp[1].got.length > 0;
    });
    expect(plainRtcp[1].got[0]).toEqual(rr);
  });

  it('a peer certificate that does not match its a=fingerprint gives no keys and no media either way', async () => {
    const s = await setup('passive', { wrongFingerprint: true });
    await s.peer.result; // openssl completes its side
    await until('the mismatch', () => s.fx.dtls.counters.fingerprintMismatches === 1);
    expect(s.fx.a.srtp).toBeNull();
    expect(s.fx.logs.some((l) => l.includes('does not match its a=fingerprint'))).toBe(true);
    // Plain RTP from B must not leak to A in clear, and nothing from A reaches B.
    const bPort = s.fx.b.rtp.sock!.port;
    for (let i = 0; i < 5; i++) s.plainSock.send(rtpPacket(0, i, 160 * i, 0x99), bPort);
    for (let i = 0; i < 5; i++) s.srtpSock.send(rtpPacket(0, i, 160 * i, 0x98), s.fx.a.rtp.sock!.port);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.srtpSock.got.filter((p) => p[0]! >= 128 && p[0]! <= 191)).toEqual([]);
    expect(s.plainSock.got).toEqual([]);
  });
});
