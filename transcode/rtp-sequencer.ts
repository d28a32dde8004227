// The output sequence space of one transcoded direction (RFC 3550 §5.1 sequence number): every
// packet the direction emits — transcoded audio, passthrough payload types, DTMF events, anything
// injected later — takes its number here, so the recipient sees one gap-free space.
//
// Rule: output = input + delta. While every input packet gives exactly one output packet, delta stays
// what it was (0 from the start), so output seq = input seq: rtpengine 10.5 keeps the sequence number
// when it transcodes frame for frame, and the load generator measures latency by it. Input gaps
// (loss) stay gaps and late packets keep their place (no jitter buffer). An input packet that gives
// no output (repacketization filling a longer frame) lowers delta by one, one that gives two raises
// it, and a packet injected between input packets takes the next number and raises it: the numbers
// stay consecutive either way.

/** RFC 3550 appendix A.1's MAX_MISORDER: a step back by more than this is a restart, not a late packet. */
const MAX_MISORDER = 100;

export class RtpSequencer {
  /** Output − input, mod 2^16. */
  private delta = 0;
  private lastIn = -1;
  private lastOut = -1;
  /** During an input packet (begin … end): its output number and how many were taken. */
  private cursor = 0;
  private taken = 0;
  private inOrder = false;
  private inPacket = false;

  /**
   * Starts the outputs of one input packet with sequence number `inSeq`. contiguous: its output
   * continues audio already queued (a repacketizing FIFO that filled lost input with silence), so it
   * follows the last number sent even if the input skipped some.
   */
  begin(inSeq: number, contiguous = false): void {
    const adv = this.lastIn < 0 ? 1 : (((inSeq - this.lastIn) << 16) >> 16);
    this.inOrder = adv > 0 || adv < -MAX_MISORDER;
    this.cursor = contiguous && this.inOrder && this.lastOut >= 0 ? (this.lastOut + 1) & 0xffff : (inSeq + this.delta) & 0xffff;
    this.taken = 0;
    this.inPacket = true;
    if (this.inOrder) this.lastIn = inSeq;
  }

  /** The sequence number of the next packet sent (inside begin … end: this input's; outside: injected). */
  next(): number {
    if (this.inPacket) {
      const s = (this.cursor + this.taken) & 0xffff;
      this.taken++;
      // A late packet that gives a second packet cannot reuse numbers already sent: count it as injected.
      if (!this.inOrder && this.taken > 1) return this.injected();
      if (this.inOrder) this.lastOut = s;
      return s;
    }
    return this.injected();
  }

  /** Ends the input packet begun last; delta follows what it gave. */
  end(): void {
    if (!this.inPacket) return;
    this.inPacket = false;
    if (!this.inOrder) return;
    // Nothing sent for this input: the next input continues right after the last output. Nothing
    // sent at all yet: output = input still.
    if (this.lastOut < 0) return;
    this.delta = (this.lastOut - this.lastIn) & 0xffff;
  }

  private injected(): number {
    const s = this.lastOut < 0 ? this.cursor : (this.lastOut + 1) & 0xffff;
    this.lastOut = s;
    if (this.lastIn >= 0) this.delta = (s - this.lastIn) & 0xffff;
    return s;
  }

  /** The last number sent (-1: none yet). */
  get last(): number {
    return this.lastOut;
  }
}
