/**
 * generate-RTCP: the worker sends each participant of such a call a compound RTCP packet of its own,
 * as rtpengine 10.5 does (rtcp.c rtcp_send_report; layout checked against it on the wire):
 *
 *   SR (RFC 3550 §6.4.1) from the SSRC of the RTP we send to that participant, with that stream's
 *      sender info (wall-clock NTP time, its last RTP timestamp, packet and octet counts — octets of
 *      whole packets, see RelayState.outOctets) and one report block about the RTP we receive from
 *      the participant (none while that stream is unknown or in probation);
 *   SDES (§6.5) with one CNAME chunk for the same SSRC: the daemon's 12-character instance id, the
 *      CNAME rtpengine uses too.
 *
 * A participant we have sent no RTP to gets nothing (rtpengine reports per outgoing SSRC). Like
 * rtpengine's per-media timer, each participant's first report is due RTCP_INTERVAL_MS plus up to
 * 1 s after generate-RTCP was switched on for it, then again every RTCP_INTERVAL_MS plus up to 1 s,
 * so reports of many calls are spread out rather than sent in one burst. Runs on a timer, never per
 * packet. The reports leave through the pipeline's egress (emit()), like relayed packets: toward a
 * participant with SRTP they are protected there (SRTCP).
 */
import { PKT_RTCP } from '../../protocol/demux.js';
import { buildSdesCname, buildSenderReport, ntpFromUnixMs } from '../../protocol/rtcp/build.js';
import type { ReceiverStats } from '../../protocol/rtp/receiver-stats.js';
import type { MediaIo } from './io.js';
import { emit } from './pipeline.js';
import type { RelayState } from './relay-state.js';

/** RFC 3550 §6.2: 5 s is the recommended minimum report interval (rtpengine's --rtcp-interval default). */
export const RTCP_INTERVAL_MS = 5000;
/** rtpengine adds a random dispersion below 1 s to every interval. */
const DISPERSION_MS = 1000;
/** How often due reports are looked for (their timing granularity). */
const TICK_MS = 100;

export class RtcpGenerator {
  private readonly slots = new Set<number>();
  /** Per RTP slot: wall-clock ms when its next report is due. */
  private readonly due: Float64Array;
  private readonly buf = Buffer.alloc(1500);
  private readonly one = new Int32Array(1);
  private readonly ntp = new Uint32Array(2);
  private readonly cname: Buffer;
  /** Runs only while some slot generates reports: an idle worker has no timer to wake for. */
  private timer: NodeJS.Timeout | null = null;
  private readonly onTimer = (): void => this.sendDue(Date.now());

  /** `cname`: the daemon's instance id (12 hex characters, as rtpengine's). */
  constructor(private readonly S: RelayState, private readonly stats: ReceiverStats, private readonly io: MediaIo, cname: string) {
    this.cname = Buffer.from(cname, 'latin1');
    this.due = new Float64Array(S.slots);
  }

  /** Starts reports for an RTP slot; a slot already generating keeps its schedule (re-invites). */
  add(rtpSlot: number, nowMs = Date.now()): void {
    if (this.slots.has(rtpSlot)) return;
    this.slots.add(rtpSlot);
    this.due[rtpSlot] = nowMs + nextInterval();
    if (this.timer === null) {
      this.timer = setInterval(this.onTimer, TICK_MS);
      this.timer.unref();
    }
  }

  remove(slot: number): void {
    if (!this.slots.delete(slot) || this.slots.size > 0 || this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends the reports due at `nowMs`, one flush for all of them. */
  sendDue(nowMs: number): void {
    let sent = false;
    for (const slot of this.slots) {
      if (this.due[slot]! > nowMs) continue;
      // From the previous due time, as rtpengine's timer, so the schedule does not drift.
      this.due[slot] = Math.max(this.due[slot]! + nextInterval(), nowMs + 1);
      if (this.send(slot, nowMs)) sent = true;
    }
    if (sent) this.io.flush();
  }

  /** SR + SDES to the participant of RTP slot `slot`, at its RTCP endpoint. False if none was sent. */
  send(slot: number, nowMs: number): boolean {
    const S = this.S;
    const out = S.rtcpSlot[slot]!;
    if (out < 0 || S.open[out] !== 1 || S.outRtp[slot] !== 1) return false;
    const ssrc = S.outSsrc[slot]!;
    ntpFromUnixMs(nowMs, this.ntp);
    this.one[0] = slot;
    const sr = buildSenderReport(
      this.buf, 0, ssrc, this.ntp[0]!, this.ntp[1]!, S.outTs[slot]!, S.outPackets[slot]!, S.outOctets[slot]!,
      this.stats, this.one, 1, nowMs,
    );
    if (sr < 0) return false;
    const sdes = buildSdesCname(this.buf, sr, ssrc, this.cname);
    if (sdes < 0) return false;
    return emit(out, this.buf, 0, sr + sdes, PKT_RTCP);
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.slots.clear();
  }
}

function nextInterval(): number {
  return RTCP_INTERVAL_MS + Math.random() * DISPERSION_MS;
}
