/**
 * Per control-peer command counters for the `statistics` reply (`controlstatistics`): how many
 * requests of each command a proxy sent, their total processing time, and its error count.
 */

/** rtpengine 10.5's commands in its statistics order, with the short names of `controlstatistics`. */
export const NG_COMMANDS: readonly (readonly [string, string])[] = [
  ['ping', 'ping'], ['offer', 'offer'], ['answer', 'answer'], ['delete', 'delete'], ['query', 'query'],
  ['list', 'list'], ['start recording', 'startrec'], ['stop recording', 'stoprec'],
  ['start forwarding', 'startfwd'], ['stop forwarding', 'stopfwd'], ['block DTMF', 'blkdtmf'],
  ['unblock DTMF', 'unblkdtmf'], ['block media', 'blkmedia'], ['unblock media', 'unblkmedia'],
  ['play media', 'playmedia'], ['stop media', 'stopmedia'], ['play DTMF', 'playdtmf'],
  ['statistics', 'stats'], ['silence media', 'slnmedia'], ['unsilence media', 'unslnmedia'],
  ['publish', 'pub'], ['subscribe request', 'subreq'], ['subscribe answer', 'subans'], ['unsubscribe', 'unsub'],
];

interface PeerStats {
  count: Map<string, number>;
  seconds: Map<string, number>;
  errors: number;
}

export class ControlStats {
  /** Keyed by the control peer's IP address, in first-seen order. */
  readonly peers = new Map<string, PeerStats>();

  record(peer: string, command: string, seconds: number, error: boolean): void {
    const p = this.of(peer);
    p.count.set(command, (p.count.get(command) ?? 0) + 1);
    p.seconds.set(command, (p.seconds.get(command) ?? 0) + seconds);
    if (error) p.errors++;
  }

  /** Undecodable ng data from `peer`: an error without a command (rtpengine 10.5 counts it so). */
  recordError(peer: string): void {
    this.of(peer).errors++;
  }

  private of(peer: string): PeerStats {
    let p = this.peers.get(peer);
    if (!p) {
      p = { count: new Map(), seconds: new Map(), errors: 0 };
      this.peers.set(peer, p);
    }
    return p;
  }

  total(command: string): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.count.get(command) ?? 0;
    return n;
  }
}
