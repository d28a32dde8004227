/**
 * A participant of a call (rtpengine's "monologue"): identified by its SIP tag, or untagged until an
 * answer names it. Holds its media sections and the participant it exchanges media with.
 */
import type { LocalAddress } from '../net/interfaces.js';
import { CallMedia } from './media.js';

export class Monologue {
  viaBranch: string | undefined;
  label: string | undefined;
  /** The participant whose media this one receives (offer/answer subscription). */
  peer: Monologue | null = null;
  readonly medias: CallMedia[] = [];
  /** Local address (logical interface) whose sockets face this participant. */
  local: LocalAddress | null = null;
  /** Options that shape how we treat this participant's media. */
  asymmetric = false;
  strictSource = false;
  /** Values remembered for `replace` flags (first SDP sent to this participant). */
  sentUsername: string | undefined;
  sentSessionName: string | undefined;
  sentSdpVersion: bigint | undefined;
  lastSentSdp: Buffer | undefined;
  /** Delete-delay: destroy this participant at this wall-clock ms. */
  deleteAtMs: number | null = null;

  constructor(public tag: string, readonly created: number, readonly untaggedId: number) {}

  /** The key under `tags` in query output. */
  get key(): string {
    return this.tag !== '' ? this.tag : `<untagged ${this.untaggedId}>`;
  }

  media(index: number): CallMedia {
    let m = this.medias.find((x) => x.index === index);
    if (!m) {
      m = new CallMedia(index);
      this.medias.push(m);
      this.medias.sort((a, b) => a.index - b.index);
    }
    return m;
  }
}
