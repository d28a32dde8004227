/**
 * A call (by Call-ID): its participants in creation order, and the worker that owns all its sockets.
 * The call owns its participants, which own their media sections, which own their streams' sockets:
 * closing an owner closes what it owns.
 */
import type { SsrcQuality } from '../../protocol/rtcp/mos.js';
import { Monologue } from './monologue.js';
import type { StreamReleaser } from './stream.js';

export class Call {
  readonly monologues: Monologue[] = [];
  lastSignalMs: number;
  /** Whole-call deletion pending (delete-delay), wall-clock ms. */
  deleteAtMs: number | null = null;
  /** RTCP-based quality per SSRC (created with the first report). */
  quality: SsrcQuality | undefined;
  /** generate-RTCP for the whole call (offer option). */
  generateRtcp = false;
  /** TOS byte for the call's media (offer `TOS` key, else --tos); undefined = leave the default. */
  tos: number | undefined;
  /** The control peer (`IP:port`) whose offer created the call (the CLI's `proxy:`). */
  createdFrom = '';
  /**
   * Per-call debug logging (ng flag `debug`/`debugging`; the CLI's `debug <callid> on|off` / `call
   * <callid> debug`): every log line of this call is written, DEBUG included, whatever the log level
   * (daemon/call/call-log.ts).
   */
  debug = false;
  private untaggedCount = 0;
  /** Closed: every socket released, gone from the registry. A command waiting for a bind checks it. */
  destroyed = false;

  constructor(
    readonly callId: string, readonly createdMs: number, readonly createdUs: number, readonly worker: number,
    private readonly releaser: StreamReleaser,
  ) {
    this.lastSignalMs = createdMs;
  }

  /** Closes every participant's sockets, once; the participants stay readable (frozen counters). */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const m of this.monologues) m.close();
  }

  byTag(tag: string): Monologue | undefined {
    if (tag === '') return undefined;
    return this.monologues.find((m) => m.tag === tag);
  }

  byViaBranch(branch: string): Monologue | undefined {
    return this.monologues.find((m) => m.viaBranch === branch);
  }

  addMonologue(tag: string, now: number): Monologue {
    const m = new Monologue(tag, now, tag === '' ? ++this.untaggedCount : 0, this.releaser);
    this.monologues.push(m);
    return m;
  }

  /** A participant leaves the call: unsubscribed from its peers, its sockets closed, no longer listed. */
  remove(m: Monologue): void {
    m.unsubscribeAll();
    m.close();
    this.monologues.splice(this.monologues.indexOf(m), 1);
  }
}
