/**
 * A call (by Call-ID): its participants in creation order, and the worker that owns all its sockets.
 */
import type { SsrcQuality } from '../../protocol/rtcp/mos.js';
import { Monologue } from './monologue.js';

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
  private untaggedCount = 0;
  destroyed = false;

  constructor(readonly callId: string, readonly createdMs: number, readonly createdUs: number, readonly worker: number) {
    this.lastSignalMs = createdMs;
  }

  byTag(tag: string): Monologue | undefined {
    if (tag === '') return undefined;
    return this.monologues.find((m) => m.tag === tag);
  }

  byViaBranch(branch: string): Monologue | undefined {
    return this.monologues.find((m) => m.viaBranch === branch);
  }

  addMonologue(tag: string, now: number): Monologue {
    const m = new Monologue(tag, now, tag === '' ? ++this.untaggedCount : 0);
    this.monologues.push(m);
    return m;
  }
}
