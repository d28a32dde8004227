/**
 * generate-RTCP: every RTCP_INTERVAL_MS the worker sends each participant of such a call a compound
 * RTCP packet of its own — an RR (RFC 3550 §6.4.2) whose report block describes the RTP we receive
 * from that participant, plus SDES CNAME (§6.5, required in every compound packet) — so a phone
 * whose peer sends no RTCP still gets reports. Runs on a timer, never per packet. The reports leave
 * through the pipeline's egress (emit()), like relayed packets, one flush per round.
 */
import { randomBytes } from 'node:crypto';
import { buildReceiverReport, buildSdesCname } from '../../protocol/rtcp/build.js';
import type { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import type { MediaIo } from './io.js';
import { emit } from './pipeline.js';
import type { RelayState } from './relay-state.js';

/** RFC 3550 §6.2: 5 s is the recommended minimum report interval. */
export const RTCP_INTERVAL_MS = 5000;

export class RtcpGenerator {
  private readonly slots = new Set<number>();
  private readonly buf = Buffer.alloc(1500);
  private readonly one = new Int32Array(1);
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private readonly cname = Buffer.from(`rtpengine-ts@${randomBytes(4).toString('hex')}`, 'latin1');
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly S: RelayState, private readonly stats: ReceiverStats, private readonly io: MediaIo) {
    this.timer = setInterval(() => this.send(), RTCP_INTERVAL_MS);
    this.timer.unref();
  }

  add(rtpSlot: number): void {
    this.slots.add(rtpSlot);
  }

  remove(slot: number): void {
    this.slots.delete(slot);
  }

  /** One report per generating RTP slot, to that participant's RTCP endpoint. */
  send(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const out = this.S.rtcpSlot[slot]!;
      if (out < 0 || this.S.open[out] !== 1) continue;
      this.one[0] = slot;
      const rr = buildReceiverReport(this.buf, 0, this.ssrc, this.stats, this.one, this.stats.valid(slot) ? 1 : 0, now);
      if (rr < 0) continue;
      const sdes = buildSdesCname(this.buf, rr, this.ssrc, this.cname);
      if (sdes < 0) continue;
      emit(out, this.buf, 0, rr + sdes);
    }
    this.io.flush();
  }

  close(): void {
    clearInterval(this.timer);
    this.slots.clear();
  }
}
