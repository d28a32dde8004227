/**
 * DTLS-SRTP for the call layer (MediaContext.dtls): runs one handshake per media component that
 * negotiated DTLS (RFC 5764 §4: RTP, and RTCP on its own socket when there is no rtcp-mux, as
 * rtpengine 10.5 does), in the main thread, on the media's own sockets in their workers (datagrams
 * in through the worker's DTLS channel, out through its command ring). When a handshake completes
 * the peer's certificate is checked against the a=fingerprint of its SDP (RFC 5763 §5; a mismatch
 * gives no keys, so no media, and a log line), and the exported keys (RFC 5764 §4.2) become the
 * media's SlotSrtp, which the worker gets with the next forwarding configuration.
 *
 * Ownership: a Component (one handshake) belongs to this service, keyed by its media and component;
 * it ends when the media drops DTLS, loses or changes its socket, or its call ends (sync() and a
 * sweep every SWEEP_MS find those), and on close().
 */
import type { Call } from '../call/call.js';
import type { CallMedia } from '../call/media.js';
import type { DtlsService, MediaContext } from '../call/media-context.js';
import { forwardingConfigs } from '../call/negotiate.js';
import type { StreamSocket } from '../call/stream.js';
import type { Logger } from '../log.js';
import { fingerprintMatches, fingerprintOf, type DtlsCertificate } from './certificate.js';
import { DtlsSession, opensHandshake, type DtlsSessionResult } from './session.js';
import { slotSrtpFromKeyingMaterial } from './srtp-keys.js';

export interface DtlsServiceSettings {
  cert: DtlsCertificate;
  /** A handshake must finish within this long of its first datagram (then it is given up). */
  handshakeTimeoutMs: number;
}

/** How often handshakes of closed medias and ended calls are looked for. */
const SWEEP_MS = 1000;

/** Counters for statistics and tests. */
export interface DtlsCounters {
  started: number;
  completed: number;
  failed: number;
  fingerprintMismatches: number;
  /** Datagrams dropped here: no handshake on that slot, or from another source than its peer. */
  dropped: number;
}

class Component {
  /** The current handshake (replaced when the peer starts over, see DaemonDtls.onDatagram). */
  session: DtlsSession;
  constructor(
    readonly call: Call, readonly media: CallMedia, readonly component: 1 | 2, readonly sock: StreamSocket,
    readonly role: 'active' | 'passive', readonly fingerprint: string, make: (c: Component) => DtlsSession,
  ) {
    this.session = make(this);
  }

  get key(): number {
    return slotKey(this.sock.worker, this.sock.slot);
  }

  /** Still what the media asks for: same socket, same role, same peer fingerprint, call alive. */
  current(): boolean {
    const m = this.media;
    const st = this.component === 1 ? m.rtp : m.rtcp;
    return !this.call.destroyed && m.dtls !== null && !m.rejected && st.sock === this.sock &&
      (this.component === 1 || !m.rtcpMux) && m.dtls.role === this.role && fingerprintKey(m) === this.fingerprint;
  }
}

/** An endpoint a ClientHello can go to: not a hold / trickle-ICE placeholder (0.0.0.0, ::, port 0 or 9 there). */
function sendable(e: { address: string; port: number } | null): { address: string; port: number } | null {
  if (e === null || e.port === 0 || e.address === '0.0.0.0' || e.address === '::') return null;
  return e;
}

function slotKey(worker: number, slot: number): number {
  return worker * 0x1000000 + slot;
}

function fingerprintKey(m: CallMedia): string {
  const f = m.dtls?.peerFingerprint;
  return f ? `${f.hash.toLowerCase()} ${f.value.toUpperCase()}` : '';
}

export class DaemonDtls implements DtlsService {
  private readonly bySlot = new Map<number, Component>();
  private readonly byMedia = new Map<CallMedia, (Component | undefined)[]>();
  private readonly sweeper: NodeJS.Timeout;
  readonly counters: DtlsCounters = { started: 0, completed: 0, failed: 0, fingerprintMismatches: 0, dropped: 0 };
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly ctx: MediaContext, private readonly settings: DtlsServiceSettings, private readonly log: Logger) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  fingerprint(hash: string): string {
    const h = hash.toLowerCase();
    let f = this.fingerprints.get(h);
    if (f === undefined) {
      f = fingerprintOf(this.settings.cert.der, h);
      this.fingerprints.set(h, f);
    }
    return f;
  }

  sync(call: Call): void {
    for (const m of call.monologues) {
      for (const media of m.medias) this.syncMedia(call, media);
    }
  }

  private syncMedia(call: Call, media: CallMedia): void {
    const comps = this.byMedia.get(media);
    const want = !call.destroyed && media.dtls !== null && !media.rejected && media.hasSockets;
    if (!want) {
      if (comps) this.stopMedia(media);
      // Without DTLS the RTCP socket's own keys are gone too (`srtp` is SDP negotiation's to reset).
      if (media.dtls === null) media.rtcpSrtp = null;
      return;
    }
    const list = comps ?? [];
    this.byMedia.set(media, list);
    for (const component of [1, 2] as const) {
      const existing = list[component - 1];
      if (existing?.current()) continue;
      if (existing) this.stop(existing);
      list[component - 1] = undefined;
      const sock = (component === 1 ? media.rtp : media.rtcp).sock;
      if (sock === null || (component === 2 && media.rtcpMux)) continue;
      const c = new Component(call, media, component, sock, media.dtls!.role, fingerprintKey(media), (x) => this.session(x));
      list[component - 1] = c;
      this.bySlot.set(c.key, c);
      this.counters.started++;
      c.session.start();
    }
  }

  private session(c: Component): DtlsSession {
    const stream = c.component === 1 ? c.media.rtp : c.media.rtcp;
    return new DtlsSession({
      role: c.role,
      cert: this.settings.cert,
      timeoutMs: this.settings.handshakeTimeoutMs,
      send: (data, address, port) => this.ctx.pool.sendRaw(c.sock.worker, c.sock.slot, address, port, data),
      peer: () => c.session.source ?? sendable(stream.endpoint),
      done: (r) => this.completed(c, r),
      failed: (reason) => {
        this.counters.failed++;
        this.log.warn(`DTLS handshake on port ${c.sock.port} (call ${c.call.callId}, ${c.component === 1 ? 'RTP' : 'RTCP'}) given up: ${reason}`);
      },
    });
  }

  private completed(c: Component, r: DtlsSessionResult): void {
    if (!c.current() || this.bySlot.get(c.key) !== c) return;
    const media = c.media;
    const what = `port ${c.sock.port} (call ${c.call.callId}, ${c.component === 1 ? 'RTP' : 'RTCP'})`;
    const fp = media.dtls!.peerFingerprint;
    if (fp === null) {
      this.log.warn(`DTLS on ${what}: the peer's SDP has no a=fingerprint; its certificate is not verified`);
    } else if (!fingerprintMatches(r.peerCertificate, fp.hash, fp.value)) {
      this.counters.fingerprintMismatches++;
      this.log.warn(`DTLS on ${what}: peer certificate does not match its a=fingerprint (${fp.hash}); no SRTP keys, media blocked`);
      return;
    }
    this.counters.completed++;
    const keys = slotSrtpFromKeyingMaterial(r.profile, r.material, c.role === 'active');
    if (c.component === 1) {
      media.srtp = keys;
      media.dtlsKeys = keys;
    } else {
      media.rtcpSrtp = keys;
    }
    this.log.info(`DTLS-SRTP on ${what} established: ${r.profile.suite} (handshake ${(performance.now() - c.session.beganMs).toFixed(1)} ms)`);
    this.ctx.pool.configure(c.call.worker, forwardingConfigs(this.ctx, c.call));
  }

  /** A DTLS datagram from a worker's media socket (WorkerPool's `dtls` event). */
  onDatagram(worker: number, slot: number, data: Buffer, address: string, port: number): void {
    const c = this.bySlot.get(slotKey(worker, slot));
    if (c === undefined || !c.current()) {
      this.counters.dropped++;
      if (c) this.stop(c);
      return;
    }
    // Once a peer has spoken, the association is bound to its address: datagrams from elsewhere
    // are dropped (a stray or spoofed source cannot break or hijack the handshake). A handshake
    // that failed binds nothing any more: whoever opens the next one is the peer.
    const src = c.session.source;
    if (src !== null && c.session.state !== 'failed' && (src.address !== address || src.port !== port)) {
      this.counters.dropped++;
      return;
    }
    if (c.session.restartable && c.role === 'passive' && opensHandshake(data, 'passive')) {
      // The peer starts over (after a failure, or re-keying a finished association): a new one.
      c.session.close();
      c.session = this.session(c);
      this.counters.started++;
      c.session.start();
    }
    if (!c.session.feed(data, address, port)) this.counters.dropped++;
  }

  /** Handshakes whose media or call went away without a signalling event (delete, timeout). */
  private sweep(): void {
    for (const [, c] of this.bySlot) if (!c.current()) this.stop(c);
  }

  private stop(c: Component): void {
    c.session.close();
    if (this.bySlot.get(c.key) === c) this.bySlot.delete(c.key);
    const list = this.byMedia.get(c.media);
    if (list) {
      if (list[c.component - 1] === c) list[c.component - 1] = undefined;
      if (list.every((x) => x === undefined)) this.byMedia.delete(c.media);
    }
  }

  private stopMedia(media: CallMedia): void {
    for (const c of this.byMedia.get(media) ?? []) if (c) this.stop(c);
    this.byMedia.delete(media);
  }

  /** Handshakes running or finished (one per media component). */
  get size(): number {
    return this.bySlot.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [, c] of this.bySlot) c.session.close();
    this.bySlot.clear();
    this.byMedia.clear();
  }
}
