/**
 * The call layer's commands: offer, answer, delete, query, list, and the once-per-second lifecycle
 * walk (timeouts, delete-delay). Owns every Call; the workers own the sockets.
 */
import type { BEncodable } from '../../protocol/ng/bencode.js';
import type { CallOptions } from '../../protocol/ng/call-options.js';
import { NgError, NgLoadLimit } from '../../protocol/ng/errors.js';
import { assertSdpComplete, parseSdp, SdpIncompleteError, SdpParseError } from '../../protocol/sdp/parse.js';
import type { SdpSession } from '../../protocol/sdp/types.js';
import { hasLoopProtectId } from '../../protocol/sdp/index.js';
import type { Logger } from '../log.js';
import { Call } from './call.js';
import { CallLog } from './call-log.js';
import { finalStatsLines } from './final-stats.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import type { PacketStream } from './stream.js';
import { forwardingConfigs, negotiate } from './negotiate.js';
import { parseIceFragment, type FragmentMedia } from '../../protocol/sdp/ice.js';
import { callStats, selectParticipants } from './query-reply.js';
import { CallRegistry } from './registry.js';

type Dict = Map<string, BEncodable>;

/** Why a call ended; `unknown` (the CLI's `call X terminate`, as 10.5) counts in none of the per-reason totals. */
export type EndReason = 'regular' | 'forced' | 'timeout' | 'silent timeout' | 'final timeout' | 'offer timeout' | 'unknown';

export interface SessionCounters {
  /** Sessions that ended (rtpengine counts them when they end). */
  managed: number;
  durationSum: number;
  durationSquares: number;
  /** Media of ended calls that carried no packets / packets in one direction only. */
  zeroWay: number;
  oneWay: number;

  rejected: number;
  timeout: number;
  silentTimeout: number;
  finalTimeout: number;
  offerTimeout: number;
  regular: number;
  forced: number;
}

/** How long a trickle-ICE fragment for a call that is not there yet is kept (spec §3, §7). */
const FRAGMENT_HOLD_MS = 3000;

export class CallManager {
  /** Trickle-ICE fragments waiting for their call or participant (fragment()). */
  private readonly queuedFragments = new Map<string, { tag: string; frags: FragmentMedia[]; until: number }[]>();
  readonly calls = new CallRegistry();
  readonly counters: SessionCounters = {
    managed: 0, durationSum: 0, durationSquares: 0, zeroWay: 0, oneWay: 0,
    rejected: 0, timeout: 0, silentTimeout: 0, finalTimeout: 0, offerTimeout: 0, regular: 0, forced: 0,
  };
  private closed = false;
  /** Load limits other than --max-sessions: the refusal reason for a new call, or null. */
  admission: (() => string | null) | null = null;
  /** Called for every call that ends, while its sockets (and counters) still exist. */
  onCallEnd: ((call: Call) => void) | null = null;

  /** The [core] lines about calls, honouring each call's `debug`. */
  private readonly clog: CallLog;

  constructor(private readonly ctx: MediaContext, log: Logger) {
    this.clog = new CallLog(log);
  }

  /** Null, or settles once the media workers have been sent what the commands so far queued. */
  mediaFlushed(): Promise<void> | null {
    return this.ctx.pool.flushed();
  }

  /** A worker follows (or committed to) a participant's real source address. */
  learned(worker: number, slot: number, address: string, port: number, confirmed: boolean): void {
    const s = this.ctx.stream(worker, slot);
    if (!s) return;
    const call = this.ctx.callOf(worker, slot);
    const before = s.endpoint;
    const changed = before === null || before.address !== address || before.port !== port;
    const wasConfirmed = s.confirmed;
    s.learned = { address, port };
    s.confirmed = confirmed;
    if (!call || !s.sock) return;
    const ep = `${address}:${port}`;
    // rtpengine 10.5 (measured): DEBUG while learning, INFO once committed, as lines of that socket.
    if (changed && !confirmed && before !== null) this.clog.debug(call, `Peer address changed from ${before.address}:${before.port} to ${ep}`, s.sock.port);
    if (confirmed && !wasConfirmed) this.clog.info(call, `Confirmed peer address as ${ep}`, s.sock.port);
  }

  /**
   * A media worker died, and with it every socket of its calls: each of them is deleted now, not
   * behind its lock (a command waiting for a bind on that worker then finds the call destroyed).
   * Returns how many.
   */
  workerDied(worker: number): number {
    let n = 0;
    for (const call of [...this.calls.values()]) {
      if (call.worker !== worker) continue;
      this.clog.of(call).warn({ callId: call.callId }, 'Call deleted: media worker died');
      this.destroy(call, 'forced');
      n++;
    }
    return n;
  }

  offer(o: CallOptions): Promise<Dict> {
    if (!o.sdp) throw new NgError('No SDP body in message');
    if (o.callId === undefined) throw new NgError('No call-id in message');
    if (o.fromTag === undefined) throw new NgError('No from-tag in message');
    const callId = o.callId;
    if (o.flags.has('fragment')) return this.calls.withLock(callId, async () => this.fragment(callId, o.fromTag!, o.sdp!));
    return this.calls.withLock(callId, async () => {
      const sdp = parse(o.sdp!);
      if (this.isLoop(o, sdp)) return new Map<string, BEncodable>([['sdp', o.sdp!]]);
      const now = Date.now();
      let call = this.calls.get(callId);
      const created = !call;
      if (!call) {
        const max = this.ctx.settings.maxSessions;
        const refusal = max >= 0 && this.calls.size >= max ? 'Parallel session limit reached' : this.admission?.() ?? null;
        if (refusal) {
          this.counters.rejected++;
          throw new NgLoadLimit(refusal);
        }
        call = new Call(callId, now, Math.floor((performance.timeOrigin * 1000 + performance.now() * 1000) % 1_000_000), this.ctx.pool.pickWorker(), this.ctx);
        this.calls.add(call);
      }
      // As rtpengine, the flag turns per-call debugging on; only the CLI turns it off again.
      if (o.flags.has('debug')) call.debug = true;
      if (created) this.clog.notice(call, 'Creating new call');
      call.deleteAtMs = null;
      call.lastSignalMs = now;
      const sender = call.byTag(o.fromTag!) ?? call.addMonologue(o.fromTag!, now);
      sender.deleteAtMs = null;
      sender.deleted = false;
      if (o.label !== undefined) sender.label = o.label;
      const recipient = this.offerRecipient(call, sender, o, now);
      try {
        const filled = this.filledStreams(call, sender);
        const out = await negotiate(this.ctx, { call, sender, recipient, sdp, opts: o, isOffer: true, now, instanceId: this.ctx.settings.instanceId });
        this.logFilled(call, sender, filled);
        this.applyQueuedFragments(call);
        return new Map<string, BEncodable>([['sdp', out]]);
      } catch (e) {
        if (created && e instanceof NgError && e.reason === 'Ran out of ports') this.destroy(call, 'forced');
        throw e;
      }
    });
  }

  /** The participant's streams that already have its address (null when the call's DEBUG lines are off). */
  private filledStreams(call: Call, m: Monologue): Set<PacketStream> | null {
    if (!this.clog.of(call).isLevelEnabled('debug')) return null;
    const set = new Set<PacketStream>();
    for (const md of m.medias) for (const st of md.streams()) if (st.advertised) set.add(st);
    return set;
  }

  /**
   * rtpengine's DEBUG `set FILLED flag for stream, local A:P remote B:Q`: a stream facing the
   * participant learns its address from the participant's SDP for the first time.
   */
  private logFilled(call: Call, m: Monologue, before: Set<PacketStream> | null): void {
    if (before === null) return;
    for (const md of m.medias) {
      for (const st of md.streams()) {
        const ep = st.advertised;
        if (!ep || !st.sock || before.has(st)) continue;
        this.clog.debug(call, `set FILLED flag for stream, local ${st.sock.local.address}:${st.sock.port} remote ${ep.address}:${ep.port}`);
      }
    }
  }

  /**
   * Who receives this offer: the participant named by to-tag (re-INVITE), else the branch of this
   * via-branch, else the sender's existing (first) peer, else a new untagged branch (forking).
   */
  /** loop-protect: an SDP that already went through this daemon comes back unchanged, state untouched. */
  private isLoop(o: CallOptions, sdp: SdpSession): boolean {
    return o.flags.has('loop-protect') && hasLoopProtectId(sdp, this.ctx.settings.instanceId);
  }

  private offerRecipient(call: Call, sender: Monologue, o: CallOptions, now: number): Monologue {
    let r: Monologue | undefined;
    if (o.toTag) {
      r = call.byTag(o.toTag);
      if (!r) {
        r = sender.subscriptions.find((x) => x.tag === '');
        if (r) r.tag = o.toTag;
      }
    } else if (o.viaBranch !== undefined) {
      r = sender.subscriptions.find((x) => x.viaBranch === o.viaBranch);
      if (!r && sender.subscriptions.every((x) => x.viaBranch === undefined)) r = sender.subscriptions[0];
    } else {
      r = sender.subscriptions[0];
    }
    if (!r) {
      // The first peer is subscribed both ways at once; a further fork branch only sends to the
      // caller (early media) until its answer (golden 18 vs 19).
      const first = sender.subscriptions.length === 0;
      r = call.addMonologue(o.toTag ?? '', now);
      r.iceControlling = true;
      if (first) r.subscribe(sender);
    }
    if (o.viaBranch !== undefined && r.viaBranch === undefined) r.viaBranch = o.viaBranch;
    r.deleteAtMs = null;
    r.deleted = false;
    sender.subscribe(r);
    return r;
  }

  answer(o: CallOptions): Promise<Dict> {
    if (!o.sdp) throw new NgError('No SDP body in message');
    if (o.callId === undefined) throw new NgError('No call-id in message');
    if (o.fromTag === undefined) throw new NgError('No from-tag in message');
    if (o.toTag === undefined) throw new NgError('No to-tag in message');
    const callId = o.callId;
    // A fragment in an answer comes from the answerer (to-tag).
    if (o.flags.has('fragment')) return this.calls.withLock(callId, async () => this.fragment(callId, o.toTag!, o.sdp!));
    return this.calls.withLock(callId, async () => {
      const call = this.calls.get(callId);
      if (!call) throw new NgError('Unknown call-id');
      const sdp = parse(o.sdp!);
      if (this.isLoop(o, sdp)) return new Map<string, BEncodable>([['sdp', o.sdp!]]);
      const now = Date.now();
      const offerer = call.byTag(o.fromTag!);
      if (!offerer) throw new NgError('Invalid dialogue association');
      if (o.flags.has('debug')) call.debug = true;
      let answerer = call.byTag(o.toTag!);
      if (!answerer) {
        const untagged = offerer.subscriptions.filter((x) => x.tag === '');
        answerer = (o.viaBranch !== undefined ? untagged.find((x) => x.viaBranch === o.viaBranch) : undefined) ?? untagged[0];
        if (answerer) answerer.tag = o.toTag!;
        else answerer = call.addMonologue(o.toTag!, now);
      }
      offerer.subscribe(answerer);
      answerer.subscribe(offerer);
      call.deleteAtMs = null;
      call.lastSignalMs = now;
      if (o.label !== undefined) answerer.label = o.label;
      const filled = this.filledStreams(call, answerer);
      const out = await negotiate(this.ctx, { call, sender: answerer, recipient: offerer, sdp, opts: o, isOffer: false, now, instanceId: this.ctx.settings.instanceId });
      this.logFilled(call, answerer, filled);
      this.applyQueuedFragments(call);
      return new Map<string, BEncodable>([['sdp', out]]);
    });
  }

  /**
   * Trickle ICE (flag `fragment`, RFC 8840 SDP fragment from a SIP INFO): more candidates of the
   * participant `tag` for its ICE agents. No SDP comes back. A fragment for a call or participant not
   * there yet is kept up to FRAGMENT_HOLD_MS and applied when it arrives (rtpengine 10.5 does so).
   */
  private fragment(callId: string, tag: string, body: Buffer): Dict {
    const frags = parseIceFragment(body.toString('latin1'));
    const now = Date.now();
    const call = this.calls.get(callId);
    const m = call?.byTag(tag);
    if (call && m) {
      this.applyFragment(call, m, frags);
    } else {
      for (const [k, list] of this.queuedFragments) {
        const live = list.filter((q) => q.until > now);
        if (live.length === 0) this.queuedFragments.delete(k);
        else if (live.length !== list.length) this.queuedFragments.set(k, live);
      }
      const list = this.queuedFragments.get(callId) ?? [];
      // Bounded: a flood of fragments for unknown calls keeps only the latest few per call id.
      if (list.length >= 16) list.shift();
      list.push({ tag, frags, until: now + FRAGMENT_HOLD_MS });
      this.queuedFragments.set(callId, list);
    }
    return new Map<string, BEncodable>();
  }

  private applyQueuedFragments(call: Call): void {
    const list = this.queuedFragments.get(call.callId);
    if (!list) return;
    const now = Date.now();
    const rest = list.filter((q) => {
      if (q.until <= now) return false;
      const m = call.byTag(q.tag);
      if (!m) return true;
      this.applyFragment(call, m, q.frags);
      return false;
    });
    if (rest.length > 0) this.queuedFragments.set(call.callId, rest);
    else this.queuedFragments.delete(call.callId);
  }

  /** Adds the fragment's candidates to the participant's ICE (by mid, else by position) and its agents. */
  private applyFragment(call: Call, m: Monologue, frags: FragmentMedia[]): void {
    frags.forEach((f, i) => {
      const media = (f.mid !== undefined ? m.medias.find((x) => x.mid === f.mid) : undefined) ?? m.medias[i];
      const ice = media?.iceRemote;
      // Candidates of another ICE generation (other ufrag) are not ours to use (RFC 8840 §4.4).
      if (!ice || (f.ufrag !== undefined && f.ufrag !== ice.ufrag)) return;
      for (const c of f.candidates) {
        if (!ice.candidates.some((x) => x.address === c.address && x.port === c.port && x.component === c.component)) ice.candidates.push(c);
      }
      if (f.endOfCandidates) ice.endOfCandidates = true;
    });
    this.ctx.ice?.sync(call);
  }

  /** Evaluation order of rtpengine 10.5 (spec §4.9). */
  delete(o: CallOptions): Promise<Dict> {
    if (o.callId === undefined) throw new NgError('No call-id in message');
    const callId = o.callId;
    const fatal = o.flags.has('fatal');
    return this.calls.withLock(callId, async () => {
      const call = this.calls.get(callId);
      const notFound = (): Dict => {
        if (fatal) throw new NgError("Call-ID not found or tags didn't match");
        return new Map<string, BEncodable>([['warning', "Call-ID not found or tags didn't match"]]);
      };
      if (!call) return notFound();
      const delay = o.deleteDelay ?? this.ctx.settings.deleteDelay;
      if (!o.fromTag) {
        // Whole call; rtpengine sends no statistics in this case.
        this.scheduleCallDelete(call, delay);
        return new Map();
      }
      let target: Monologue | undefined;
      if (!o.toTag && o.viaBranch !== undefined) target = call.monologues.find((m) => m.tag === '' && m.viaBranch === o.viaBranch);
      target ??= call.byTag(o.toTag || o.fromTag);
      if (!target && o.viaBranch !== undefined) target = call.byViaBranch(o.viaBranch);
      if (!target && o.toTag) {
        const f = call.byTag(o.fromTag);
        if (f && f.subscriptions.length === 1 && f.subscriptions[0]!.tag === '') target = f;
      }
      if (!target) return notFound();
      // Statistics are those of the named participant (to-tag, else from-tag) and its peers, also
      // when the deleted one is a fork branch picked by via-branch.
      const named = call.byTag(o.toTag || o.fromTag) ?? target;
      const reply = callStats(this.ctx, call, selectParticipants(call, named));
      // rtpengine names the branch with the request's via-branch here, with the participant's below.
      const branch = `'${target.tag}' (via-branch '${o.viaBranch ?? ''}')`;
      if (delay <= 0) {
        this.clog.info(call, `Deleting call branch ${branch}`);
        this.removeParticipant(call, target, true);
      } else {
        this.clog.info(call, `Scheduling deletion of call branch ${branch} in ${delay} seconds`);
        const at = wholeSecondsFromNow(delay);
        target.deleteAtMs = target.deleteAtMs === null ? at : Math.min(target.deleteAtMs, at);
      }
      return reply;
    });
  }

  /**
   * Removes one participant: an untagged fork branch is closed (loses its sockets) but stays listed
   * until the call ends; otherwise the participant leaves the call, peers left with nobody else leave
   * too, and with fewer than two tagged participants and no open branch the whole call is destroyed
   * (spec §4.9 step 5). `byCommand`: a delete command removes it now (rtpengine's lines for it).
   */
  private removeParticipant(call: Call, target: Monologue, byCommand = false): void {
    const branch = `'${target.tag}' (via-branch '${target.viaBranch ?? ''}')`;
    if (target.tag === '' && call.monologues.some((m) => m !== target && m.tag !== '' && m.subscriptions.some((s) => s !== target))) {
      this.logDestroying(call, [target]);
      if (byCommand) this.clog.info(call, `Call branch ${branch} deleted`);
      target.deleted = true;
      target.deleteAtMs = null;
      target.close();
      this.ctx.pool.configure(call.worker, forwardingConfigs(this.ctx, call));
      return;
    }
    const gone = new Set<Monologue>([target]);
    for (const peer of [...target.subscriptions, ...target.subscribers]) {
      const others = [...peer.subscriptions, ...peer.subscribers].filter((x) => !gone.has(x) && !x.deleted);
      if (others.length === 0) gone.add(peer);
    }
    const remainingTagged = call.monologues.filter((m) => !gone.has(m) && !m.deleted && m.tag !== '');
    const openBranches = call.monologues.filter((m) => !gone.has(m) && !m.deleted && m.tag === '');
    const whole = remainingTagged.length < 2 && openBranches.length === 0;
    // The named one first, then the peers that go with it (a branch deleted before is not destroyed again).
    this.logDestroying(call, whole ? [...gone, ...call.monologues.filter((m) => !gone.has(m) && !m.deleted)] : [...gone]);
    if (whole) {
      if (byCommand) {
        this.clog.info(call, `Call branch ${branch} deleted, no more branches remaining`);
        this.clog.info(call, 'Deleting entire call');
      }
      this.destroy(call, 'regular');
      return;
    }
    if (byCommand) this.clog.info(call, `Call branch ${branch} deleted`);
    for (const m of gone) call.remove(m);
    this.ctx.pool.configure(call.worker, forwardingConfigs(this.ctx, call));
  }

  private logDestroying(call: Call, ms: readonly Monologue[]): void {
    for (const m of ms) this.clog.debug(call, `Destroying monologue '${m.tag}' (${m.viaBranch ?? ''})`);
  }

  query(o: CallOptions): Dict {
    if (o.callId === undefined) throw new NgError('No call-id in message');
    const call = this.calls.get(o.callId);
    if (!call) throw new NgError('Unknown call-id');
    const tag = o.toTag || o.fromTag;
    return callStats(this.ctx, call, selectParticipants(call, tag ? call.byTag(tag) : undefined));
  }

  list(limit: number): string[] {
    const ids: string[] = [];
    for (const c of this.calls.values()) {
      if (ids.length >= limit) break;
      ids.push(c.callId);
    }
    return ids;
  }

  private scheduleCallDelete(call: Call, delaySec: number): void {
    if (delaySec <= 0) {
      this.clog.info(call, 'Deleting entire call');
      this.destroy(call, 'regular');
      return;
    }
    this.clog.info(call, `Scheduling deletion of entire call in ${delaySec} seconds`);
    const at = wholeSecondsFromNow(delaySec);
    if (call.deleteAtMs === null || at < call.deleteAtMs) call.deleteAtMs = at;
  }

  /** Counts the call's end, forgets it and closes it (every socket). Idempotent. */
  destroy(call: Call, reason: EndReason): void {
    if (call.destroyed) return;
    this.calls.remove(call);
    switch (reason) {
      case 'regular': this.counters.regular++; break;
      case 'forced': this.counters.forced++; break;
      case 'timeout': this.counters.timeout++; break;
      case 'silent timeout': this.counters.silentTimeout++; break;
      case 'final timeout': this.counters.finalTimeout++; break;
      case 'offer timeout': this.counters.offerTimeout++; break;
      case 'unknown': break;
    }
    const duration = (Date.now() - call.createdMs) / 1000;
    this.counters.managed++;
    this.counters.durationSum += duration;
    this.counters.durationSquares += duration * duration;
    this.countStreamDirections(call);
    this.onCallEnd?.(call);
    // rtpengine writes no line of its own for the end (the reason was logged before), only the stats;
    // none for the calls still up when the daemon shuts down.
    if (!this.closed && this.clog.infoEnabled(call)) {
      for (const line of finalStatsLines(this.ctx, call, Date.now())) this.clog.info(call, line);
    }
    // Last: the end counts and onCallEnd read the live counters of the call's sockets.
    call.close();
  }

  /** Per media of an ending call: did packets flow in no / one direction (rtpengine's zero/one-way). */
  private countStreamDirections(call: Call): void {
    const seen = new Set<number>();
    for (const m of call.monologues) {
      for (const md of m.medias) {
        if (seen.has(md.index)) continue;
        seen.add(md.index);
        let directions = 0;
        for (const p of call.monologues) {
          const x = p.medias.find((y) => y.index === md.index);
          if (x && this.ctx.counters(x.rtp).packets > 0) directions++;
        }
        if (directions === 0) this.counters.zeroWay++;
        else if (directions === 1) this.counters.oneWay++;
      }
    }
  }

  /** Once a second (spec §7.1): final timeout, pending deletions, then the media check. */
  async tick(now: number): Promise<void> {
    const s = this.ctx.settings;
    for (const call of [...this.calls.values()]) {
      if (s.finalTimeout > 0 && sec(now) - sec(call.createdMs) >= s.finalTimeout) {
        this.clog.info(call, 'Closing call due to final timeout');
        await this.calls.withLock(call.callId, () => this.destroy(call, 'final timeout'));
        continue;
      }
      if (call.deleteAtMs !== null) {
        if (now >= call.deleteAtMs) await this.calls.withLock(call.callId, () => this.destroy(call, 'regular'));
        continue;
      }
      const due = call.monologues.filter((m) => m.deleteAtMs !== null);
      if (due.length > 0) {
        for (const m of due) {
          if (m.deleteAtMs! <= now && !call.destroyed) await this.calls.withLock(call.callId, () => this.removeParticipant(call, m));
        }
        continue;
      }
      const verdict = this.mediaVerdict(call, now);
      if (verdict) {
        this.clog.info(call, 'Closing call due to timeout');
        await this.calls.withLock(call.callId, () => this.destroy(call, verdict));
      }
    }
  }

  /**
   * Alive if any stream is "good" (spec §7.1 step 4); otherwise the reason of the last stream
   * examined. Offer-only calls die after offer-timeout but count as plain timeouts, as in 10.5.
   */
  private mediaVerdict(call: Call, now: number): EndReason | null {
    const s = this.ctx.settings;
    let reason: EndReason | null = null;
    for (const m of call.monologues) {
      for (const md of m.medias) {
        for (const st of md.streams()) {
          if (!st.sock) continue;
          const last = Math.max(this.ctx.counters(st).lastPacketMs, st.lastSignalMs);
          let limit: number;
          let why: EndReason;
          if (md.direction === 'inactive' || md.direction === 'recvonly' || md.zeroAddress) {
            limit = s.silentTimeout; why = 'silent timeout';
          } else if (!st.advertised && !st.learned) {
            limit = s.offerTimeout; why = 'timeout';
          } else {
            limit = s.timeout; why = 'timeout';
          }
          if (sec(now) - sec(last) < limit) return null;
          reason = why;
        }
      }
    }
    return reason;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const call of [...this.calls.values()]) this.destroy(call, 'forced');
  }
}

/**
 * rtpengine's lifecycle timer works in whole seconds of wall-clock time (golden 22: a 3 s timeout
 * fires 2–3 s after the last packet); the daemon's tick runs at each second boundary.
 */
function sec(ms: number): number {
  return Math.floor(ms / 1000);
}

function wholeSecondsFromNow(seconds: number): number {
  return (sec(Date.now()) + seconds) * 1000;
}

function parse(body: Buffer): SdpSession {
  let sdp: SdpSession;
  try {
    sdp = parseSdp(body);
  } catch (e) {
    if (e instanceof SdpParseError) throw new NgError('Failed to parse SDP');
    throw e;
  }
  try {
    assertSdpComplete(sdp);
  } catch (e) {
    if (e instanceof SdpIncompleteError) throw new NgError('Incomplete SDP specification');
    throw e;
  }
  return sdp;
}

