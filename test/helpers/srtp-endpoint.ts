/**
 * A phone for SRTP bridging tests: a UDP socket pair (or one socket with rtcp-mux) speaking one
 * transport protocol (RTP/AVP, RTP/AVPF, RTP/SAVP, RTP/SAVPF with SDES keys; UDP/TLS/RTP/SAVP(F)
 * with DTLS-SRTP on each component's socket, RFC 5763/5764). It writes its own SDP, reads the
 * daemon's SDP for the daemon's ports, keys and DTLS role, protects what it sends and unprotects
 * what it gets with protocol/srtp (checked byte for byte against libsrtp2 in
 * test/unit/srtp-oracle.test.ts). Its DTLS stack is werift's, through the daemon's DtlsSession
 * wrapper (interop with OpenSSL is test/integration/dtls-openssl.test.ts's job).
 */
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { SrtpContext } from '../../protocol/srtp/srtp-context.js';
import { findSrtpSuite } from '../../protocol/srtp/suites.js';
import { createCertificate, fingerprintOf, type DtlsCertificate } from '../../daemon/dtls/certificate.js';
import { DtlsSession } from '../../daemon/dtls/session.js';
import { slotSrtpFromKeyingMaterial } from '../../daemon/dtls/srtp-keys.js';

export type Proto = 'RTP/AVP' | 'RTP/AVPF' | 'RTP/SAVP' | 'RTP/SAVPF' | 'UDP/TLS/RTP/SAVP' | 'UDP/TLS/RTP/SAVPF';

export const ALL_PROTOS: readonly Proto[] = ['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF'];

export const isSdes = (p: Proto): boolean => p === 'RTP/SAVP' || p === 'RTP/SAVPF';
export const isDtls = (p: Proto): boolean => p.startsWith('UDP/TLS/');

interface Crypto { tag: number; suite: string; key: Buffer; salt: Buffer }

/** One a=crypto line's fields (RFC 4568 §9.1), key and salt split by the suite's lengths. */
export function parseCryptoLines(sdp: string): Crypto[] {
  const out: Crypto[] = [];
  for (const m of sdp.matchAll(/^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)/gm)) {
    const suite = findSrtpSuite(m[2]!);
    if (!suite) continue;
    const raw = Buffer.from(m[3]!, 'base64');
    out.push({ tag: Number(m[1]), suite: suite.name, key: raw.subarray(0, suite.masterKeyLen), salt: raw.subarray(suite.masterKeyLen, suite.masterKeyLen + suite.masterSaltLen) });
  }
  return out;
}

export class SrtpEndpoint {
  readonly rtpIn: Buffer[] = [];
  readonly rtcpIn: Buffer[] = [];
  /** Datagrams that failed to unprotect (or arrived plain where SRTP was due). */
  bad = 0;
  /** The daemon's ports towards us, from the SDP it sent us. */
  daemonRtp = 0;
  daemonRtcp = 0;
  /** SRTP contexts per component (RTP socket: [0], RTCP socket: [1]; with SDES both hold the same keys). */
  private readonly tx: (SrtpContext | null)[] = [null, null];
  private readonly rx: (SrtpContext | null)[] = [null, null];
  /** Our own SDES key (what we send with), offered or answered in our SDP. */
  private readonly own: Crypto | null;
  private seq = 1000;
  /** UDP/TLS: our certificate, and one DTLS session per component socket once the roles are known. */
  private cert: DtlsCertificate | null = null;
  private readonly dtls: (DtlsSession | null)[] = [null, null];
  /** Our a=setup: actpass as offerer, active as answerer (what browsers write). */
  private setup: 'actpass' | 'active' = 'actpass';
  dtlsFailures: string[] = [];
  /** DTLS datagrams received (handshakes, or offers of one an SDES phone ignores). */
  dtlsSeen = 0;
  private readonly early: [number, Buffer, string, number][] = [];

  private constructor(readonly proto: Proto, readonly mux: boolean, readonly rtp: dgram.Socket, readonly rtcp: dgram.Socket | null, readonly ssrc: number) {
    const sdes = isSdes(proto);
    this.own = sdes ? { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: randomBytes(16), salt: randomBytes(14) } : null;
    rtp.on('message', (d, from) => this.onData(d, 0, from));
    rtcp?.on('message', (d, from) => this.onData(d, 1, from));
  }

  static async open(proto: Proto, mux: boolean): Promise<SrtpEndpoint> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = 20000 + 2 * Math.floor(Math.random() * 4000);
      const a = await bind(base);
      if (!a) continue;
      let e: SrtpEndpoint | null = null;
      if (mux) e = new SrtpEndpoint(proto, mux, a, null, 0x10000000 + Math.floor(Math.random() * 0x10000000));
      else {
        const b = await bind(base + 1);
        if (b) e = new SrtpEndpoint(proto, mux, a, b, 0x10000000 + Math.floor(Math.random() * 0x10000000));
        else a.close();
      }
      if (!e) continue;
      if (isDtls(proto)) e.cert = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
      return e;
    }
    throw new Error('no free port pair');
  }

  /** UDP/TLS: resolves once every component's handshake finished (rejects on failure or timeout). */
  async dtlsDone(timeoutMs = 10_000): Promise<void> {
    const n = this.mux ? 1 : 2;
    for (const end = Date.now() + timeoutMs; Date.now() < end;) {
      if (this.dtlsFailures.length > 0) throw new Error(`DTLS failed: ${this.dtlsFailures.join('; ')}`);
      let ok = 0;
      for (let c = 0; c < n; c++) if (this.tx[c] !== null) ok++;
      if (ok === n) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('DTLS handshake did not finish');
  }

  get port(): number {
    return this.rtp.address().port;
  }

  /** Our SDP (offer or answer). `answerTo`: the SDP we answer (our a=crypto takes its chosen line's tag). */
  sdp(answerTo?: string): string {
    let s = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${this.port} ${this.proto} 0\r\na=rtpmap:0 PCMU/8000\r\n`;
    if (this.mux) s += 'a=rtcp-mux\r\n';
    if (this.own) {
      const tag = answerTo ? this.choose(answerTo).tag : this.own.tag;
      s += `a=crypto:${tag} ${this.own.suite} inline:${Buffer.concat([this.own.key, this.own.salt]).toString('base64')}\r\n`;
    }
    if (this.cert) {
      if (answerTo) this.setup = 'active';
      s += `a=setup:${this.setup}\r\na=fingerprint:sha-256 ${fingerprintOf(this.cert.der, 'sha-256')}\r\n`;
    }
    return `${s}a=sendrecv\r\n`;
  }

  /** The line of the daemon's SDP we use: our suite if it is offered, as a phone would pick it. */
  private choose(sdp: string): Crypto {
    const lines = parseCryptoLines(sdp);
    const c = lines.find((l) => l.suite === this.own!.suite);
    if (!c) throw new Error(`no ${this.own!.suite} in\n${sdp}`);
    return c;
  }

  /** Takes the daemon's SDP to us: its ports, and (SDES) the key it sends us with. */
  learn(sdp: string): void {
    const m = /^m=audio (\d+) (\S+)/m.exec(sdp);
    if (!m) throw new Error(`no m=audio in\n${sdp}`);
    this.daemonRtp = Number(m[1]);
    const rtcp = /^a=rtcp:(\d+)/m.exec(sdp);
    this.daemonRtcp = this.mux ? this.daemonRtp : rtcp ? Number(rtcp[1]) : this.daemonRtp + 1;
    if (this.own) {
      const c = this.choose(sdp);
      this.rx[0] = this.rx[1] = new SrtpContext(c.suite, c.key, c.salt);
      this.tx[0] = this.tx[1] = new SrtpContext(this.own.suite, this.own.key, this.own.salt);
    }
    if (this.cert && this.dtls[0] === null) {
      // RFC 5763 §5: the answerer's a=setup decides; we answered active, or the daemon answered us.
      const theirs = /^a=setup:(\w+)/m.exec(sdp)?.[1];
      const role: 'active' | 'passive' = this.setup === 'active' ? 'active' : theirs === 'active' ? 'passive' : 'active';
      for (let c = 0; c < (this.mux ? 1 : 2); c++) this.startDtls(c, role);
    }
  }

  private startDtls(c: number, role: 'active' | 'passive'): void {
    const sock = c === 0 ? this.rtp : this.rtcp!;
    const port = c === 0 ? this.daemonRtp : this.daemonRtcp;
    const session = new DtlsSession({
      role, cert: this.cert!, timeoutMs: 8000,
      send: (data, address, p) => sock.send(data, p, address),
      peer: () => ({ address: '127.0.0.1', port }),
      done: (r) => {
        const keys = slotSrtpFromKeyingMaterial(r.profile, r.material, role === 'active');
        this.tx[c] = new SrtpContext(keys.tx!.suite, keys.tx!.key, keys.tx!.salt);
        this.rx[c] = new SrtpContext(keys.rx!.suite, keys.rx!.key, keys.rx!.salt);
      },
      failed: (reason) => this.dtlsFailures.push(`component ${c + 1}: ${reason}`),
    });
    this.dtls[c] = session;
    session.start();
    for (const [comp, d, address, port] of this.early.splice(0)) {
      if (comp === c) session.feed(d, address, port);
      else this.early.push([comp, d, address, port]);
    }
  }

  /** Sends RTP with sequence number, a marker payload and `n` (SRTP-protected when keyed). */
  sendRtp(n: number): void {
    const p = Buffer.alloc(12 + 160 + 64);
    p[0] = 0x80; p[1] = 0;
    p.writeUInt16BE(this.seq++ & 0xffff, 2);
    p.writeUInt32BE(n * 160, 4);
    p.writeUInt32BE(this.ssrc, 8);
    p.fill(0x5a, 12, 172);
    p.writeUInt32BE(n, 12);
    const tx = this.tx[0];
    const len = tx ? tx.protectRtp(p, 0, 172) : 172;
    this.rtp.send(p.subarray(0, len), this.daemonRtp, '127.0.0.1');
  }

  /** Sends an RTCP receiver report (SRTCP when keyed) to the daemon's RTCP port (RTP port with mux). */
  sendRtcp(): void {
    const p = Buffer.alloc(8 + 64);
    p[0] = 0x80; p[1] = 201;
    p.writeUInt16BE(1, 2);
    p.writeUInt32BE(this.ssrc, 4);
    const tx = this.tx[this.mux ? 0 : 1];
    const len = tx ? tx.protectRtcp(p, 0, 8) : 8;
    (this.rtcp ?? this.rtp).send(p.subarray(0, len), this.daemonRtcp, '127.0.0.1');
  }

  private onData(d: Buffer, c: number, from: dgram.RemoteInfo): void {
    // RFC 7983: DTLS records (first byte 20..63) go to the component's DTLS session.
    if (d.length > 0 && d[0]! >= 20 && d[0]! <= 63) {
      // Not media: a ClientHello may arrive before we read the answer and start our session (it
      // waits for it), and DTLS toward an SDES phone is ignored (rtpengine tries DTLS on re-offers
      // that offered both). Retransmissions after the handshake may be refused by the session.
      this.dtlsSeen++;
      if (!this.cert) return;
      if (this.dtls[c] === null) this.early.push([c, Buffer.from(d), from.address, from.port]);
      else this.dtls[c]!.feed(d, from.address, from.port);
      return;
    }
    const b = Buffer.from(d);
    const isRtcp = b.length >= 2 && b[1]! >= 192 && b[1]! <= 223;
    let len = b.length;
    const rx = this.rx[c];
    if (rx) len = isRtcp ? rx.unprotectRtcp(b, 0, len) : rx.unprotectRtp(b, 0, len);
    else if (this.cert || this.own) len = -1; // SRTP due but no keys yet: never accept plain
    if (len < 0) { this.bad++; return; }
    if (isRtcp && c === 0 && !this.mux) { this.bad++; return; }
    (isRtcp ? this.rtcpIn : this.rtpIn).push(b.subarray(0, len));
  }

  close(): void {
    for (const s of this.dtls) s?.close();
    this.rtp.close();
    this.rtcp?.close();
  }
}

function bind(port: number): Promise<dgram.Socket | null> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => { s.close(); resolve(null); });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}
