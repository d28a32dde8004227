/**
 * One DTLS association (RFC 6347) on one media socket, in one role: werift's DtlsClient (we are
 * `active`, RFC 5763 §5: we send the ClientHello) or DtlsServer (`passive`: we wait for it, and
 * request the peer's certificate, RFC 5763 §5). The socket stays in its media worker: datagrams
 * come in through feed() and leave through the `send` callback (the worker's command ring).
 *
 * It ends once: `done` with the negotiated SRTP profile, the RFC 5764 §4.2 keying material and the
 * peer's certificate, or `failed` with a reason (timeout, no SRTP profile, werift gave up after its
 * retransmissions, alert). close() is idempotent and stops every timer and retransmission.
 */
import { FLIGHT_GAVE_UP, wakeFlights, werift, type WeriftDtlsSocket, type WeriftTransport } from './werift.js';
import type { DtlsCertificate } from './certificate.js';
import { DTLS_SRTP_EXPORTER_LABEL, keyingMaterialLength, SRTP_PROFILES, srtpProfile, type SrtpProfile } from './srtp-keys.js';

export interface DtlsSessionResult {
  profile: SrtpProfile;
  material: Buffer;
  peerCertificate: Buffer;
}

export interface DtlsSessionOptions {
  role: 'active' | 'passive';
  cert: DtlsCertificate;
  /** Sends one DTLS datagram to the peer. */
  send(data: Buffer, address: string, port: number): void;
  /** Where to send: the peer's latest DTLS source, else this (the stream's endpoint); null = unknown yet. */
  peer(): { address: string; port: number } | null;
  /** The handshake must finish within this long of its first datagram. */
  timeoutMs: number;
  done(r: DtlsSessionResult): void;
  failed(reason: string): void;
}

/** How long a finished association stays with werift (see connected()). */
const RELEASE_AFTER_DONE_MS = 10_000;

export type DtlsSessionState = 'waiting' | 'running' | 'done' | 'failed' | 'closed';

/** An error werift raised, for a log line (some have no message: then where it came from). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.message) return e.message;
  const at = e.stack?.split('\n').find((l) => l.includes(' at '))?.trim() ?? '';
  return `${e.name} ${at}`;
}

/** werift's SignatureHash for our key: sha256 (4) with ecdsa (3) or rsa (1). */
function signatureHash(cert: DtlsCertificate): { hash: number; signature: number } {
  return { hash: 4, signature: cert.cipher === 'RSA' ? 1 : 3 };
}

/**
 * Whether a datagram starts with a DTLS handshake record (RFC 6347 §4.1: content type 22, version
 * 0xFEFD/0xFEFF, epoch 0) carrying the message that opens the peer's side: a ClientHello (type 1)
 * when we are the server, a HelloVerifyRequest (3) or ServerHello (2) when we are the client. The
 * handshake header's type is the record's byte 13 (RFC 6347 §4.2.2). Garbage never gets that far,
 * so it cannot bind the association to its source.
 */
export function opensHandshake(d: Uint8Array, role: 'active' | 'passive'): boolean {
  if (d.length < 25 || d[0] !== 22 || d[1] !== 0xfe || (d[2] !== 0xfd && d[2] !== 0xff) || d[3] !== 0 || d[4] !== 0) return false;
  const t = d[13];
  return role === 'passive' ? t === 1 : t === 2 || t === 3;
}

/** werift's flight number of an association (the last flight sent or received). */
function flightOf(socket: WeriftDtlsSocket): number {
  return (socket as unknown as { dtls?: { flight?: number } }).dtls?.flight ?? 0;
}


/**
 * The datagram without the DTLS records (RFC 6347 §4.1: 13-byte header, length in bytes 11-12)
 * for which `drop` is true; the same Buffer when nothing is dropped, null when nothing is left.
 * A malformed tail is kept as it is (werift drops it).
 */
export function withoutRecords(d: Buffer, drop: (d: Uint8Array, at: number) => boolean): Buffer | null {
  const keep: Buffer[] = [];
  let at = 0;
  let dropped = false;
  while (at + 13 <= d.length) {
    const end = at + 13 + ((d[at + 11]! << 8) | d[at + 12]!);
    if (end > d.length) break;
    if (drop(d, at)) dropped = true;
    else keep.push(d.subarray(at, end));
    at = end;
  }
  if (!dropped) return d;
  if (at < d.length) keep.push(d.subarray(at));
  return keep.length === 0 ? null : Buffer.concat(keep);
}

export class DtlsSession {
  state: DtlsSessionState = 'waiting';
  /** Where the peer's DTLS datagrams come from (set by the first one fed in). */
  source: { address: string; port: number } | null = null;
  /** When the handshake began (our ClientHello, or the peer's), performance.now() ms; 0 = not yet. */
  beganMs = 0;
  /** Exceptions werift reported that did not end the handshake (see begin()). */
  errors = 0;
  private socket: WeriftDtlsSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly transport: WeriftTransport;

  constructor(private readonly o: DtlsSessionOptions) {
    const session = this;
    this.transport = {
      type: 'udp',
      address: { address: '0.0.0.0', port: 0, family: 'IPv4' },
      closed: false,
      onData: () => {},
      send(data: Buffer): Promise<void> {
        if (!this.closed) session.transmit(data);
        return Promise.resolve();
      },
      close(): Promise<void> {
        this.closed = true;
        return Promise.resolve();
      },
    };
  }

  /** Active: sends the ClientHello now (if the peer's address is known). Passive: waits for one. */
  start(): void {
    if (this.o.role === 'active') this.begin();
  }

  /**
   * A DTLS datagram from address:port; false when it is dropped. Until the peer is known only a
   * datagram that opens the handshake from its side is taken, and its source becomes the peer
   * (opensHandshake); later ones must come from there (checked by the caller).
   */
  feed(data: Buffer, address: string, port: number): boolean {
    if (this.state === 'failed' || this.state === 'closed' || (this.state === 'done' && this.socket === null)) return false;
    if (this.source === null) {
      if (!opensHandshake(data, this.o.role)) return false;
      this.source = { address, port };
    }
    if (this.socket === null) this.begin();
    if (this.o.role === 'passive' && this.socket !== null) {
      // werift's server starts over on any ClientHello without a cookie (new random, new key
      // pair), also on a late copy of the peer's first one arriving after the cookie exchange, and
      // renegotiates on any ClientHello once connected; either breaks the handshake under way.
      const kept = withoutRecords(data, this.lateClientHello);
      if (kept === null) return true;
      data = kept;
    } else if (this.o.role === 'active' && this.socket !== null) {
      // werift's client takes a repeated server message as a new one (a repeated ServerHello
      // gets a new key pair and flight state, after which it cannot read the server's Finished;
      // a repeated HelloVerifyRequest throws). A server repeats a flight when ours was late
      // (RFC 6347 §4.2.4), so repeats are dropped here by (type, message_seq, fragment_offset);
      // only a repeated ServerHelloDone after our flight 5 is passed on: werift then resends it.
      const kept = withoutRecords(data, this.repeatedServerMessage);
      if (kept === null) return true;
      data = kept;
    }
    try {
      this.transport.onData(data);
    } catch {
      // werift's record parser throws on garbage before its own try: the datagram is dropped.
    }
    return true;
  }

  private begin(): void {
    if (this.socket !== null || this.state !== 'waiting') return;
    this.state = 'running';
    this.beganMs = performance.now();
    this.timer = setTimeout(() => this.fail(`no handshake within ${this.o.timeoutMs} ms`), this.o.timeoutMs);
    const { DtlsClient, DtlsServer } = werift();
    const options = {
      transport: this.transport,
      srtpProfiles: SRTP_PROFILES.map((p) => p.id),
      cert: this.o.cert.certPem,
      key: this.o.cert.keyPem,
      signatureHash: signatureHash(this.o.cert),
      // The server asks for the client's certificate (RFC 5763 §5: both sides are verified against
      // their a=fingerprint). The client does not insist on being asked (werift would wait for it).
      certificateRequest: this.o.role === 'passive',
      extendedMasterSecret: true,
    };
    const socket = this.o.role === 'active' ? new DtlsClient(options) : new DtlsServer(options);
    this.socket = socket;
    socket.onConnect.subscribe(() => this.connected());
    // werift reports every exception of its message handlers here, also harmless ones (a repeated
    // HelloVerifyRequest answering our retransmitted ClientHello throws in its Flight3): only its
    // flights running out of retransmissions end the handshake; the time limit covers the rest.
    socket.onError.subscribe((e: Error) => {
      if (e instanceof Error && e.message.startsWith(FLIGHT_GAVE_UP)) this.fail(`DTLS handshake failed: ${e.message}`);
      else this.errors++;
    });
    socket.onClose.subscribe(() => this.fail('DTLS alert from peer'));
    if (this.o.role === 'active') {
      (socket as WeriftDtlsSocket & { connect(): Promise<void> }).connect().catch((e: unknown) => {
        this.fail(`DTLS handshake failed: ${describe(e)}`);
      });
    }
  }

  /** Server handshake fragments already given to werift: type, message_seq, fragment_offset. */
  private readonly seenFromServer = new Set<number>();

  /**
   * See feed(). An epoch-0 handshake record (RFC 6347 §4.2.2: the handshake header follows the
   * 13-byte record header: type, length(3), message_seq(2), fragment_offset(3)).
   */
  private readonly repeatedServerMessage = (d: Uint8Array, at: number): boolean => {
    if (d[at] !== 22 || d[at + 3] !== 0 || d[at + 4] !== 0 || at + 25 > d.length) return false;
    const t = d[at + 13]!;
    if (t !== 2 && t !== 3 && t !== 11 && t !== 12 && t !== 13 && t !== 14) return false;
    const key = t * 2 ** 40 + ((d[at + 17]! << 8) | d[at + 18]!) * 2 ** 24 + ((d[at + 19]! << 16) | (d[at + 20]! << 8) | d[at + 21]!);
    if (!this.seenFromServer.has(key)) {
      this.seenFromServer.add(key);
      return false;
    }
    return !(t === 14 && this.socket !== null && flightOf(this.socket) >= 5);
  };

  /**
   * See feed(): a ClientHello (RFC 6347 §4.2.1) that must not reach werift's server: any once the
   * handshake is done, and one without a cookie once the cookie exchange is over (flight >= 4).
   * A repeated ClientHello with the cookie still gets through: werift then resends its flight 4.
   */
  private readonly lateClientHello = (d: Uint8Array, at: number): boolean => {
    if (d[at] !== 22 || d[at + 3] !== 0 || d[at + 4] !== 0 || d[at + 13] !== 1) return false;
    if (this.state === 'done') return true;
    if (this.socket === null || flightOf(this.socket) < 4) return false;
    // Body after the 12-byte handshake header: version(2) random(32) session_id<1> cookie<1>.
    const body = at + 25;
    const sid = body + 34;
    if (sid >= d.length) return true;
    const cookie = sid + 1 + d[sid]!;
    return cookie >= d.length || d[cookie] === 0;
  };

  private transmit(data: Buffer): void {
    const to = this.o.peer();
    if (to !== null) this.o.send(data, to.address, to.port);
  }

  private connected(): void {
    if (this.state !== 'running' || this.socket === null) return;
    const s = this.socket;
    const profile = s.srtp.srtpProfile === undefined ? undefined : srtpProfile(s.srtp.srtpProfile);
    if (profile === undefined) {
      this.fail('no DTLS-SRTP protection profile negotiated (use_srtp)');
      return;
    }
    const cert = s.remoteCertificate;
    if (cert === undefined) {
      this.fail('the peer sent no certificate');
      return;
    }
    let material: Buffer;
    try {
      material = s.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, keyingMaterialLength(profile));
    } catch (e) {
      this.fail(`key export failed: ${(e as Error).message}`);
      return;
    }
    this.state = 'done';
    this.stopTimer();
    // werift keeps the association a little longer (retransmitted final flights, a late alert), then
    // lets go of it: ~20 KB of handshake state per association that would otherwise stay for the call.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.shut();
    }, RELEASE_AFTER_DONE_MS);
    this.o.done({ profile, material, peerCertificate: Buffer.from(cert) });
  }

  private fail(reason: string): void {
    if (this.state !== 'running' && this.state !== 'waiting') return;
    this.state = 'failed';
    this.shut();
    this.o.failed(reason);
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private shut(): void {
    this.stopTimer();
    this.transport.closed = true; // also ends werift's pending flight retransmissions (werift.ts)
    this.transport.onData = () => {}; // werift's handler holds the whole association
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      try {
        wakeFlights(s); // its pending flights see the closed transport and end now
        s.close();
      } catch {
        // werift's close on a half-made association may throw; it is dropped either way
      }
    }
  }

  /**
   * Whether a new handshake may replace this one when the peer starts over (a fresh ClientHello):
   * after it failed, or once a finished one has been let go of (the peer re-keys, e.g. restarted).
   */
  get restartable(): boolean {
    return this.state === 'failed' || (this.state === 'done' && this.socket === null);
  }

  /** Ends the association (idempotent); no callback runs after it. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.shut();
  }
}
