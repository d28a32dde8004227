/**
 * One ICE agent (RFC 8445 https://www.rfc-editor.org/rfc/rfc8445) for one media section of one
 * participant: full or lite, controlling or controlled, for one component (rtcp-mux) or two. It
 * owns no socket and no timer: STUN datagrams are handed to onStun() by whoever receives them on the
 * media sockets, checks leave through the `send` callback on the local candidate's socket, and the
 * owner calls tick() (every Ta while checking, see nextTickMs()). Media is never seen here.
 *
 * Simplifications, each allowed by the RFC for a single data stream: every pair starts Waiting (no
 * frozen foundations, §6.1.2.6), regular nomination by the controlling side once the best pair of a
 * component succeeded (§8.1.1), no server-reflexive or relayed local candidates (rtpengine's own are
 * host candidates on its interfaces).
 */
import { randomBytes } from 'node:crypto';
import { HmacSha1 } from '../../protocol/srtp/hmac-sha1.js';
import {
  ATTR_PRIORITY, ATTR_UNKNOWN_ATTRIBUTES, ATTR_USE_CANDIDATE, ATTR_USERNAME, BINDING_ERROR, BINDING_REQUEST,
  BINDING_SUCCESS, checkFingerprint, checkIntegrity, parseStun, ROLE_CONTROLLED, ROLE_CONTROLLING, StunScratch,
  StunWriter,
} from '../../protocol/stun/stun.js';
import { isIP } from 'node:net';
import { parseIpv6 } from '../media/addr.js';
import {
  candidatePriority, CandidatePair, PAIR_FAILED, PAIR_IN_PROGRESS, PAIR_SUCCEEDED, PAIR_WAITING, type Candidate,
} from './candidates.js';

/** Pacing of new checks (RFC 8445 §14.2: Ta; 50 ms is the default for a single stream of RTP). */
export const TA_MS = 20;
/** Retransmission of one check: first after RTO_MS, doubling up to RTO_MAX_MS, MAX_SENDS sends in all. */
const RTO_MS = 100;
const RTO_MAX_MS = 1600;
const MAX_SENDS = 7;
/** Regular nomination waits this long after a component's first success for better pairs. */
const NOMINATION_WAIT_MS = 100;
/** RFC 7675 §5.1: consent checks every 5 s (±20 %), consent lost after 30 s without a response. */
const CONSENT_INTERVAL_MS = 5000;
const CONSENT_TIMEOUT_MS = 30_000;

export type IceState = 'new' | 'checking' | 'connected' | 'failed' | 'closed';

export interface IceAgentOptions {
  controlling: boolean;
  /** We are ICE-lite (RFC 8445 §2.5): answer checks only, never send any, always controlled. */
  lite: boolean;
  localUfrag: string;
  localPwd: string;
  /** Our host candidates, each bound to a socket the owner knows by identity. */
  localCandidates: Candidate[];
  /** 1 with rtcp-mux, else 2. */
  components: number;
  send(local: Candidate, data: Buffer, address: string, port: number): void;
  /** The component's media now goes to (address, port) from `local`'s socket; null = consent lost. */
  onSelected(component: number, local: Candidate, remote: { address: string; port: number } | null): void;
  /** RFC 8445 §7.1.3 tie-breaker (random by default). */
  tieBreaker?: [number, number];
  /** SOFTWARE attribute value, e.g. rtpengine's --software-id (none by default). */
  software?: string;
}

const REASON: Record<number, Buffer> = {
  400: Buffer.from('Bad Request'),
  401: Buffer.from('Unauthorized'),
  420: Buffer.from('Unknown Attribute'),
  487: Buffer.from('Role Conflict'),
};

export class IceAgent {
  controlling: boolean;
  state: IceState = 'new';
  readonly lite: boolean;
  private localUfrag: string;
  private localHmac: HmacSha1;
  private remoteUfrag = '';
  private remoteHmac: HmacSha1 | null = null;
  private remoteLite = false;
  private readonly remotes: Candidate[] = [];
  private pairs: CandidatePair[] = [];
  /** Triggered-check queue (RFC 8445 §6.1.4.1): pairs to check before the ordinary ones. */
  private triggered: CandidatePair[] = [];
  private readonly selectedPair: (CandidatePair | null)[];
  private readonly firstSuccessMs: number[];
  private tieHi: number;
  private tieLo: number;
  private nextCheckMs = 0;
  private nextConsentMs = 0;
  private prflxCount = 0;
  private readonly scratch = new StunScratch();
  private readonly mac = new Uint8Array(20);
  private readonly writer = new StunWriter();
  private readonly out = Buffer.alloc(512);
  /** Checks are answered even before the remote credentials arrive (early checks, §7.3); kept here. */
  private usernamePrefix: Buffer;

  constructor(private readonly o: IceAgentOptions) {
    this.lite = o.lite;
    this.controlling = o.lite ? false : o.controlling;
    this.localUfrag = o.localUfrag;
    this.localHmac = new HmacSha1(Buffer.from(o.localPwd));
    this.usernamePrefix = Buffer.from(`${o.localUfrag}:`);
    const tb = o.tieBreaker ?? [randomBytes(4).readUInt32BE(0), randomBytes(4).readUInt32BE(0)];
    this.tieHi = tb[0] >>> 0;
    this.tieLo = tb[1] >>> 0;
    this.selectedPair = new Array<CandidatePair | null>(o.components + 1).fill(null);
    this.firstSuccessMs = new Array<number>(o.components + 1).fill(0);
  }

  /** Remote ufrag/pwd (RFC 8445 §5.3) and whether the peer is ICE-lite (then we control, §6.1.1). */
  setRemoteCredentials(ufrag: string, pwd: string, lite: boolean): void {
    this.remoteUfrag = ufrag;
    this.remoteHmac = new HmacSha1(Buffer.from(pwd));
    this.remoteLite = lite;
    if (lite && !this.lite) this.controlling = true;
    if (this.state === 'new') this.state = 'checking';
  }

  get remoteCredentials(): string {
    return this.remoteUfrag;
  }

  /** A remote candidate (from SDP or a trickle fragment); pairs it with our candidates of its component. */
  addRemoteCandidate(c: Candidate): void {
    if (c.transport.toUpperCase() !== 'UDP' || c.component < 1 || c.component > this.o.components) return;
    if (isIP(c.address) === 0) return; // mDNS names and the like: never resolved by rtpengine either
    const known = this.remotes.find((r) => r.component === c.component && r.address === c.address && r.port === c.port);
    if (known) {
      // A signalled candidate replaces the peer-reflexive one we learned first (§7.3.1.3).
      if (known.type === 'prflx' && c.type !== 'prflx') Object.assign(known, c);
      return;
    }
    this.remotes.push(c);
    for (const l of this.o.localCandidates) {
      if (l.component !== c.component || isIP(l.address) !== isIP(c.address)) continue;
      const p = new CandidatePair(l, c);
      p.state = PAIR_WAITING;
      this.pairs.push(p);
    }
    this.sortPairs();
  }

  private sortPairs(): void {
    const ctl = this.controlling;
    this.pairs.sort((a, b) => b.priority(ctl) - a.priority(ctl));
  }

  /** The selected (nominated) remote transport address of a component, null if none yet. */
  selected(component: number): { local: Candidate; address: string; port: number } | null {
    const p = this.selectedPair[component];
    return p ? { local: p.local, address: p.remote.address, port: p.remote.port } : null;
  }

  /**
   * A STUN datagram that arrived on `local`'s socket from (address, port). Returns false when it is
   * not for this agent (not STUN, bad FINGERPRINT, other ufrag): the caller counts it as a drop.
   */
  onStun(local: Candidate, buf: Buffer, off: number, len: number, address: string, port: number, now: number): boolean {
    if (this.state === 'closed') return false;
    const s = this.scratch;
    if (!parseStun(buf, off, len, s) || !checkFingerprint(buf, off, s)) return false;
    if (s.type === BINDING_REQUEST) return this.onRequest(local, buf, off, address, port, now);
    if (s.type === BINDING_SUCCESS || s.type === BINDING_ERROR) return this.onResponse(buf, off, address, port, now);
    return false; // indications (RFC 7675 allows none to count) and other methods
  }

  private onRequest(local: Candidate, buf: Buffer, off: number, address: string, port: number, now: number): boolean {
    const s = this.scratch;
    if (s.usernameOff < 0 || s.integrityOff < 0) return this.error(local, buf, off, 400, address, port), true;
    if (!this.usernameIsOurs(buf)) return this.error(local, buf, off, 401, address, port, false), true;
    if (!checkIntegrity(buf, off, s, this.localHmac, this.mac)) return this.error(local, buf, off, 401, address, port, false), true;
    if (s.unknownCount > 0) return this.error(local, buf, off, 420, address, port), true;
    // Role conflict (RFC 8445 §7.3.1.1).
    const theirsHigher = s.tieHi > this.tieHi || (s.tieHi === this.tieHi && s.tieLo > this.tieLo);
    if (this.controlling && s.role === ROLE_CONTROLLING) {
      if (!theirsHigher) return this.error(local, buf, off, 487, address, port), true;
      this.switchRole(false);
    } else if (!this.controlling && s.role === ROLE_CONTROLLED && !this.lite) {
      if (theirsHigher) return this.error(local, buf, off, 487, address, port), true;
      this.switchRole(true);
    }
    const useCandidate = s.useCandidate;
    const prflxPriority = s.priority;
    this.respond(local, buf, off, address, port);

    // The pair the check arrived on (RFC 8445 §7.3.1.3-4), with a peer-reflexive remote if new.
    let remote = this.remotes.find((r) => r.component === local.component && r.address === address && r.port === port);
    if (!remote) {
      remote = {
        foundation: `prflx${++this.prflxCount}`, component: local.component, transport: 'UDP',
        priority: prflxPriority >= 0 ? prflxPriority : candidatePriority('prflx', 65535, local.component),
        address, port, type: 'prflx',
      };
      this.addRemoteCandidate(remote);
    }
    const pair = this.pairs.find((p) => p.local === local && p.remote === remote);
    if (!pair) return true;
    if (pair.state === PAIR_SUCCEEDED) pair.lastAliveMs = now;
    if (this.lite) {
      // A lite agent has no checks of its own: a nominating check selects the pair (§7.3.1.5).
      pair.state = PAIR_SUCCEEDED;
      pair.lastAliveMs = now;
      if (useCandidate) this.nominate(pair);
      else if (this.selectedPair[local.component] === null) this.select(pair); // media before nomination
      return true;
    }
    if (useCandidate && !this.controlling) {
      if (pair.state === PAIR_SUCCEEDED) this.nominate(pair);
      else pair.nominateOnSuccess = true;
    }
    // Triggered check (§7.3.1.4) unless one is in flight or it already succeeded.
    if (pair.state !== PAIR_SUCCEEDED && pair.state !== PAIR_IN_PROGRESS && !this.triggered.includes(pair)) {
      pair.state = PAIR_WAITING;
      this.triggered.push(pair);
    }
    if (this.state === 'new') this.state = 'checking';
    return true;
  }

  private usernameIsOurs(buf: Buffer): boolean {
    const s = this.scratch;
    const pre = this.usernamePrefix;
    if (s.usernameLen < pre.length) return false;
    for (let i = 0; i < pre.length; i++) if (buf[s.usernameOff + i] !== pre[i]) return false;
    return true;
  }

  private switchRole(controlling: boolean): void {
    this.controlling = controlling;
    this.sortPairs();
  }

  private respond(local: Candidate, req: Buffer, off: number, address: string, port: number): void {
    const family = isIP(address) === 6 ? 6 : 4;
    const w = this.writer.begin(this.out, 0, BINDING_SUCCESS, req, off + 8);
    w.xorMappedAddress(family, port, addressBytes(address, family));
    if (this.o.software) w.bytes(0x8022, Buffer.from(this.o.software));
    const n = w.finish(this.localHmac);
    this.o.send(local, this.out.subarray(0, n), address, port);
  }

  /** Error response (RFC 5389 §10.1.2: 401 without MESSAGE-INTEGRITY, others with it). */
  private error(local: Candidate, req: Buffer, off: number, code: number, address: string, port: number, withIntegrity = true): void {
    const w = this.writer.begin(this.out, 0, BINDING_ERROR, req, off + 8).errorCode(code, REASON[code]!);
    if (code === 420) {
      const s = this.scratch;
      const types = Buffer.alloc(s.unknownCount * 2);
      for (let i = 0; i < s.unknownCount; i++) types.writeUInt16BE(s.unknownTypes[i]!, i * 2);
      w.bytes(ATTR_UNKNOWN_ATTRIBUTES, types);
    }
    const n = w.finish(withIntegrity ? this.localHmac : null);
    this.o.send(local, this.out.subarray(0, n), address, port);
  }

  private onResponse(buf: Buffer, off: number, address: string, port: number, now: number): boolean {
    const s = this.scratch;
    const pair = this.pairs.find((p) => p.txid !== null && p.txid.equals(buf.subarray(off + 8, off + 20)));
    if (!pair || this.remoteHmac === null) return false;
    if (s.integrityOff >= 0 ? !checkIntegrity(buf, off, s, this.remoteHmac, this.mac) : s.type === BINDING_SUCCESS) return false;
    const useCandidate = pair.useCandidate;
    pair.txid = null;
    // §7.2.5.2.1: the response must come from where the check went.
    if (address !== pair.remote.address || port !== pair.remote.port) {
      pair.state = PAIR_FAILED;
      return true;
    }
    if (s.type === BINDING_ERROR) {
      if (s.errorCode === 487) {
        // §7.2.5.1: switch role and check the pair again.
        this.switchRole(!this.controlling);
        pair.state = PAIR_WAITING;
        this.triggered.push(pair);
      } else {
        pair.state = PAIR_FAILED;
      }
      return true;
    }
    const firstSuccess = pair.state !== PAIR_SUCCEEDED;
    pair.state = PAIR_SUCCEEDED;
    pair.lastAliveMs = now;
    const comp = pair.local.component;
    if (firstSuccess && this.firstSuccessMs[comp] === 0) this.firstSuccessMs[comp] = now;
    if ((useCandidate && this.controlling) || pair.nominateOnSuccess) this.nominate(pair);
    return true;
  }

  private nominate(pair: CandidatePair): void {
    pair.nominated = true;
    const cur = this.selectedPair[pair.local.component];
    if (cur && cur !== pair && cur.nominated && cur.priority(this.controlling) > pair.priority(this.controlling)) return;
    this.select(pair);
  }

  private select(pair: CandidatePair): void {
    const comp = pair.local.component;
    if (this.selectedPair[comp] === pair) return;
    this.selectedPair[comp] = pair;
    this.o.onSelected(comp, pair.local, { address: pair.remote.address, port: pair.remote.port });
    let all = true;
    for (let c = 1; c <= this.o.components; c++) if (this.selectedPair[c] === null) all = false;
    if (all) this.state = 'connected';
  }

  /** When tick() next has work (the owner may tick less often while nothing is pending). */
  nextTickMs(): number {
    return this.nextCheckMs;
  }

  /** Sends due checks, retransmissions, nominations and consent checks; fails pairs that timed out. */
  tick(now: number): void {
    if (this.state === 'closed' || this.state === 'new' || this.lite || this.remoteHmac === null) return;
    // Retransmissions and timeouts of checks in flight.
    for (const p of this.pairs) {
      if (p.state !== PAIR_IN_PROGRESS || now < p.nextSendMs) continue;
      if (p.sends >= MAX_SENDS) {
        p.state = PAIR_FAILED;
        p.txid = null;
        continue;
      }
      this.sendCheck(p, now);
    }
    if (now >= this.nextCheckMs) {
      const next = this.triggered.shift() ?? this.pairs.find((p) => p.state === PAIR_WAITING);
      if (next) {
        next.txid = randomBytes(12);
        next.sends = 0;
        next.useCandidate = this.controlling && next.nominateOnSuccess;
        next.state = PAIR_IN_PROGRESS;
        this.sendCheck(next, now);
        this.nextCheckMs = now + TA_MS;
      }
    }
    if (this.controlling) this.nominateBest(now);
    this.consent(now);
    if (this.state === 'checking' && this.pairs.length > 0 && this.pairs.every((p) => p.state === PAIR_FAILED)) this.state = 'failed';
  }

  /** Regular nomination (§8.1.1): the best succeeded pair of each component, once it is clear no better one is coming. */
  private nominateBest(now: number): void {
    for (let c = 1; c <= this.o.components; c++) {
      const sel = this.selectedPair[c];
      if (sel?.nominated || this.firstSuccessMs[c] === 0) continue;
      if (this.pairs.some((p) => p.useCandidate && p.state === PAIR_IN_PROGRESS && p.local.component === c)) continue;
      let best: CandidatePair | undefined;
      let pending = false;
      for (const p of this.pairs) {
        if (p.local.component !== c) continue;
        if (p.state === PAIR_SUCCEEDED) { best = p; break; }
        if (p.state === PAIR_WAITING || p.state === PAIR_IN_PROGRESS) pending = true;
      }
      if (!best || (pending && now - this.firstSuccessMs[c]! < NOMINATION_WAIT_MS)) continue;
      best.txid = randomBytes(12);
      best.sends = 0;
      best.useCandidate = true;
      best.state = PAIR_IN_PROGRESS;
      this.sendCheck(best, now);
    }
  }

  /** RFC 7675: keep checking the selected pairs; a pair silent for 30 s loses consent. */
  private consent(now: number): void {
    if (this.state !== 'connected' || now < this.nextConsentMs) return;
    this.nextConsentMs = now + CONSENT_INTERVAL_MS * (0.8 + 0.4 * Math.random());
    for (let c = 1; c <= this.o.components; c++) {
      const p = this.selectedPair[c];
      if (!p) continue;
      if (now - p.lastAliveMs > CONSENT_TIMEOUT_MS) {
        this.selectedPair[c] = null;
        p.state = PAIR_FAILED;
        this.state = 'failed';
        this.o.onSelected(c, p.local, null);
        continue;
      }
      if (p.state === PAIR_SUCCEEDED && p.txid === null) {
        p.txid = randomBytes(12);
        p.sends = MAX_SENDS - 1; // one try: consent has its own 30 s budget
        p.useCandidate = false;
        this.sendRaw(p);
      }
    }
  }

  private sendCheck(p: CandidatePair, now: number): void {
    this.sendRaw(p);
    p.sends++;
    p.nextSendMs = now + Math.min(RTO_MS * 2 ** (p.sends - 1), RTO_MAX_MS);
  }

  /** A Binding request on the pair (RFC 8445 §7.2.2): USERNAME, PRIORITY, role, USE-CANDIDATE, integrity with the remote password. */
  private sendRaw(p: CandidatePair): void {
    const w = this.writer.begin(this.out, 0, BINDING_REQUEST, p.txid!, 0)
      .bytes(ATTR_USERNAME, Buffer.from(`${this.remoteUfrag}:${this.localUfrag}`))
      .u32(ATTR_PRIORITY, candidatePriority('prflx', 65535, p.local.component))
      .role(this.controlling, this.tieHi, this.tieLo);
    if (p.useCandidate) w.flag(ATTR_USE_CANDIDATE);
    if (this.o.software) w.bytes(0x8022, Buffer.from(this.o.software));
    const n = w.finish(this.remoteHmac);
    this.o.send(p.local, this.out.subarray(0, n), p.remote.address, p.remote.port);
  }

  /**
   * ICE restart (§9): new local credentials; the remote ones come with the peer's new SDP. Pairs and
   * remote candidates start over; the selected pairs keep carrying media until new ones are chosen.
   */
  restart(localUfrag: string, localPwd: string): void {
    this.localUfrag = localUfrag;
    this.localHmac = new HmacSha1(Buffer.from(localPwd));
    this.usernamePrefix = Buffer.from(`${localUfrag}:`);
    this.remotes.length = 0;
    this.pairs = [];
    this.triggered = [];
    this.remoteHmac = null;
    this.firstSuccessMs.fill(0);
    for (let c = 1; c <= this.o.components; c++) {
      const p = this.selectedPair[c];
      if (p) p.nominated = false;
    }
    this.state = 'new';
  }

  get peerIsLite(): boolean {
    return this.remoteLite;
  }

  close(): void {
    this.state = 'closed';
    this.pairs = [];
    this.triggered = [];
  }
}

function addressBytes(address: string, family: 4 | 6): Uint8Array {
  if (family === 4) return Uint8Array.from(address.split('.').map(Number));
  const out = new Uint8Array(16);
  parseIpv6(address, out, 0);
  return out;
}
