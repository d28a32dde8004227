/**
 * ICE for the call layer: one agent (ice-agent.ts) per media that negotiated ICE with its
 * participant (CallMedia.ice: we wrote our credentials and candidates to it), in the main thread,
 * on the media's own sockets in their workers — STUN in through the worker's channel (only slots
 * with SlotConfig.ice send it), out through the command ring (CMD_SEND). The media never passes
 * here: when the agent nominates a pair, the media's endpoint becomes that pair's remote address
 * and the worker gets it with the next forwarding configuration.
 *
 * Ownership: an Entry (one agent) belongs to this service, keyed by its media; it ends when the
 * media drops ICE, loses or changes its sockets, or its call ends (sync() and a sweep find those),
 * and on close().
 */
import type { Call } from '../call/call.js';
import type { CallMedia } from '../call/media.js';
import type { MediaContext } from '../call/media-context.js';
import { forwardingConfigs } from '../call/negotiate.js';
import type { StreamSocket } from '../call/stream.js';
import type { Logger } from '../log.js';
import { candidatePriority, type Candidate } from './candidates.js';
import { IceAgent, TA_MS } from './ice-agent.js';

/** How often agents of closed medias and ended calls are looked for. */
const SWEEP_MS = 1000;

export interface IceCounters {
  agents: number;
  selected: number;
  /** STUN messages dropped here: no agent on that slot, or not for it (bad fingerprint/ufrag...). */
  dropped: number;
}

class Entry {
  readonly agent: IceAgent;
  /** Local candidate per component, and the socket it stands for. */
  readonly locals: Candidate[] = [];
  readonly socks: StreamSocket[] = [];
  remoteUfrag = '';
  /** Our ufrag when the agent was made: a new one (ICE restart on our side) needs a new agent. */
  readonly ufrag: string;

  constructor(readonly call: Call, readonly media: CallMedia, make: (e: Entry) => IceAgent) {
    this.ufrag = media.ice?.ufrag ?? '';
    const comps: [1 | 2, StreamSocket | null][] = [[1, media.rtp.sock]];
    if (!media.rtcpMux) comps.push([2, media.rtcp.sock]);
    for (const [component, sock] of comps) {
      if (sock === null) continue;
      this.locals.push({
        foundation: 'local', component, transport: 'UDP', priority: candidatePriority('host', 65535, component),
        address: sock.local.advertised, port: sock.port, type: 'host',
      });
      this.socks.push(sock);
    }
    this.agent = make(this);
  }

  /** Still what the media asks for: same sockets, same credentials, call alive. */
  current(): boolean {
    const m = this.media;
    if (this.call.destroyed || m.ice === null || m.rejected) return false;
    if (this.socks[0] !== m.rtp.sock) return false;
    const wantRtcp = !m.rtcpMux;
    if (wantRtcp !== (this.socks.length === 2) || (wantRtcp && this.socks[1] !== m.rtcp.sock)) return false;
    return this.ufrag === m.ice.ufrag;
  }
}

function slotKey(worker: number, slot: number): number {
  return worker * 0x1000000 + slot;
}

export class DaemonIce {
  private readonly byMedia = new Map<CallMedia, Entry>();
  private readonly bySlot = new Map<number, { entry: Entry; local: Candidate }>();
  private readonly sweeper: NodeJS.Timeout;
  private ticker: NodeJS.Timeout | null = null;
  readonly counters: IceCounters = { agents: 0, selected: 0, dropped: 0 };

  constructor(private readonly ctx: MediaContext, private readonly log: Logger, private readonly software?: string) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** After every signalling event of the call: start, update or stop its agents. */
  sync(call: Call): void {
    for (const m of call.monologues) {
      for (const media of m.medias) this.syncMedia(call, media);
    }
  }

  private syncMedia(call: Call, media: CallMedia): void {
    let e = this.byMedia.get(media);
    const want = !call.destroyed && media.ice !== null && !media.rejected && media.hasSockets;
    if (e && (!want || !e.current())) {
      this.stop(e);
      e = undefined;
    }
    if (!want) return;
    if (!e) {
      e = new Entry(call, media, (x) => this.agentFor(x));
      this.byMedia.set(media, e);
      for (let i = 0; i < e.socks.length; i++) this.bySlot.set(slotKey(e.socks[i]!.worker, e.socks[i]!.slot), { entry: e, local: e.locals[i]! });
      this.counters.agents++;
    }
    const remote = media.iceRemote;
    if (remote && remote.ufrag !== undefined && remote.pwd !== undefined) {
      if (e.remoteUfrag !== '' && e.remoteUfrag !== remote.ufrag) {
        // The peer restarted ICE (RFC 8445 §9): a new session with its new credentials; the media
        // keeps its selected pair until the new agent nominates one.
        this.stop(e);
        this.syncMedia(call, media);
        return;
      }
      if (e.remoteUfrag === '') {
        e.remoteUfrag = remote.ufrag;
        e.agent.setRemoteCredentials(remote.ufrag, remote.pwd, remote.lite);
      }
      for (const c of remote.candidates) {
        e.agent.addRemoteCandidate({ foundation: c.foundation, component: c.component, transport: c.transport, priority: c.priority, address: c.address, port: c.port, type: c.type });
      }
    }
    this.startTicker();
  }

  private agentFor(e: Entry): IceAgent {
    const media = e.media;
    const st = media.ice!;
    return new IceAgent({
      controlling: st.controlling, lite: st.lite, localUfrag: st.ufrag, localPwd: st.pwd,
      localCandidates: e.locals, components: e.locals.length, software: this.software,
      send: (local, data, address, port) => {
        const sock = e.socks[e.locals.indexOf(local)];
        if (sock) this.ctx.pool.sendRaw(sock.worker, sock.slot, address, port, data);
      },
      onSelected: (component, _local, remote) => this.selected(e, component, remote),
    });
  }

  private selected(e: Entry, component: number, remote: { address: string; port: number } | null): void {
    if (this.byMedia.get(e.media) !== e) return;
    const media = e.media;
    media.iceSelected[component - 1] = remote;
    // Where media is sent and what query reports; with rtcp-mux the RTP pair serves RTCP too.
    // A nominated pair is a confirmed endpoint (query's `confirmed` flag): ICE checked it.
    const streams = component === 1 && media.rtcpMux ? [media.rtp, media.rtcp] : [component === 1 ? media.rtp : media.rtcp];
    for (const st of streams) {
      st.learned = remote;
      st.confirmed = remote !== null;
    }
    if (remote) {
      this.counters.selected++;
      this.log.info(`ICE on port ${e.socks[component - 1]?.port} (call ${e.call.callId}) selected ${remote.address}:${remote.port}`);
    } else {
      this.log.warn(`ICE on port ${e.socks[component - 1]?.port} (call ${e.call.callId}): consent lost, no media sent`);
    }
    this.ctx.pool.configure(e.call.worker, forwardingConfigs(this.ctx, e.call));
    // A DTLS client waiting for the peer's address can now reach it.
    this.ctx.dtls?.sync(e.call);
  }

  /** A STUN message from a worker's media socket (WorkerPool's `stun` event). */
  onStun(worker: number, slot: number, data: Buffer, address: string, port: number): void {
    const hit = this.bySlot.get(slotKey(worker, slot));
    if (hit === undefined || !hit.entry.current()) {
      this.counters.dropped++;
      return;
    }
    if (!hit.entry.agent.onStun(hit.local, data, 0, data.length, address, port, performance.now())) this.counters.dropped++;
    this.startTicker();
  }

  /** Runs the agents' checks every Ta while any is working; consent checks need it too. */
  private startTicker(): void {
    if (this.ticker !== null || this.byMedia.size === 0) return;
    this.ticker = setInterval(() => {
      const now = performance.now();
      for (const e of this.byMedia.values()) e.agent.tick(now);
      if (this.byMedia.size === 0 && this.ticker !== null) {
        clearInterval(this.ticker);
        this.ticker = null;
      }
    }, TA_MS).unref();
  }

  private sweep(): void {
    for (const e of this.byMedia.values()) if (!e.current()) this.stop(e);
  }

  private stop(e: Entry): void {
    e.agent.close();
    if (this.byMedia.get(e.media) === e) this.byMedia.delete(e.media);
    for (const s of e.socks) {
      const k = slotKey(s.worker, s.slot);
      if (this.bySlot.get(k)?.entry === e) this.bySlot.delete(k);
    }
  }

  /** Stops every agent and timer (idempotent). */
  close(): void {
    clearInterval(this.sweeper);
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    for (const e of [...this.byMedia.values()]) this.stop(e);
  }
}
