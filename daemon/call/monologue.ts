/**
 * A participant of a call (rtpengine's "monologue"): identified by its SIP tag, or untagged until an
 * answer names it. Holds its media sections and the offer/answer subscriptions: `subscriptions` are
 * the participants whose media it receives, `subscribers` those that receive its media.
 */
import type { LocalAddress } from '../net/interfaces.js';
import { CallMedia } from './media.js';
import type { StreamReleaser } from './stream.js';

export class Monologue {
  viaBranch: string | undefined;
  label: string | undefined;
  // These lists hold one or two entries. They grow by concat() (exact length) rather than push() or
  // spread, which give each a 17-slot backing store: ~0.9 MB per 1000 calls.
  subscriptions: Monologue[] = [];
  subscribers: Monologue[] = [];
  medias: CallMedia[] = [];
  /** Local address (logical interface) whose sockets face this participant. */
  local: LocalAddress | null = null;
  /** rtpengine 10.5 marks the participant that received the initial offer "ICE controlling". */
  iceControlling = false;
  asymmetric = false;
  strictSource = false;
  /** Per-call `endpoint-learning` given in this participant's offer/answer (else the daemon's). */
  learning: 'delayed' | 'immediate' | 'off' | 'heuristic' | undefined;
  /** Values remembered for `replace` flags (from the first SDP sent to this participant). */
  sentUsername: string | undefined;
  sentSessionName: string | undefined;
  sentSdpVersion: bigint | undefined;
  /**
   * The last SDP sent to this participant, as a latin1 string: kept for the life of the call, and a
   * small Buffer would pin the whole 8 KB allocation pool slab it was cut from (~2 MB RSS per 1000
   * calls, seen in heap snapshots as Buffers retained by Monologue).
   */
  lastSentSdp: string | undefined;
  /** Deleted (fork branch): sockets closed, still listed until the call ends. */
  deleted = false;
  /** Delete-delay: destroy this participant at this wall-clock ms. */
  deleteAtMs: number | null = null;

  constructor(public tag: string, readonly created: number, readonly untaggedId: number, private readonly releaser: StreamReleaser) {}

  /** The key under `tags` in query output. */
  get key(): string {
    return this.tag !== '' ? this.tag : `<untagged ${this.untaggedId}>`;
  }

  media(index: number, now: number): CallMedia {
    let m = this.medias.find((x) => x.index === index);
    if (!m) {
      m = new CallMedia(index, now, this.releaser);
      this.medias = this.medias.concat([m]).sort((a, b) => a.index - b.index);
    }
    return m;
  }

  /**
   * Closes the sockets of every media (idempotent). The participant stays listed: its call either
   * drops it (Call.remove) or, for a deleted fork branch, keeps it until the call ends (query lists
   * it without ports; an offer to it again gets new sockets).
   */
  close(): void {
    for (const m of this.medias) m.close();
  }

  /** This participant receives `other`'s media (rtpengine's offer/answer subscription). */
  subscribe(other: Monologue): void {
    if (!this.subscriptions.includes(other)) this.subscriptions = this.subscriptions.concat([other]);
    if (!other.subscribers.includes(this)) other.subscribers = other.subscribers.concat([this]);
  }

  unsubscribeAll(): void {
    for (const o of this.subscriptions) o.subscribers.splice(o.subscribers.indexOf(this), 1);
    for (const o of this.subscribers) o.subscriptions.splice(o.subscriptions.indexOf(this), 1);
    this.subscriptions.length = 0;
    this.subscribers.length = 0;
  }
}
