/**
 * Call quality on the main thread: drains the workers' RTCP report rings into each call's
 * SsrcQuality (RTT, jitter, loss, MOS as rtpengine 10.5 computes them, spec §5.3), and estimates
 * quality from RTP alone for streams whose endpoints send no RTCP.
 */
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { estimateQuality, SsrcQuality } from '../../protocol/rtcp/mos.js';
import { SNAPSHOT_FIELDS } from '../../protocol/rtp/receiver-stats.js';
import { staticPayload } from '../../protocol/sdp/static-payloads.js';
import { REC_REPORT_BLOCK, REC_SENDER_REPORT, REC_VOIP_METRICS } from '../media/report-ring.js';
import type { Call } from './call.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import type { PacketStream } from './stream.js';

export function callQuality(ctx: MediaContext, call: Call): SsrcQuality {
  call.quality ??= new SsrcQuality({ mosType: ctx.settings.mosType, totals: ctx.mosTotals });
  return call.quality;
}

/** Moves all queued RTCP report data from the workers into the calls' quality stores. */
export function drainQuality(ctx: MediaContext): void {
  ctx.pool.drainReports((worker, b, r) => {
    const call = ctx.callOf(worker, r[b + 1]!);
    if (!call) return;
    const q = callQuality(ctx, call);
    const at = r[b + 2]!;
    switch (r[b]) {
      case REC_SENDER_REPORT:
        q.onSenderReport(r[b + 3]!, r[b + 4]!, at);
        break;
      case REC_VOIP_METRICS:
        q.onVoipMetrics(r[b + 3]!, r[b + 4]!, r[b + 5]!);
        break;
      case REC_REPORT_BLOCK:
        q.onReportBlock(r[b + 3]!, r[b + 4]!, {
          fractionLost: r[b + 5]!, cumulativeLost: r[b + 6]!, jitter: r[b + 7]!, lsr: r[b + 8]!, dlsr: r[b + 9]!,
        }, at, clockRateOf(ctx, call, r[b + 4]!));
        break;
    }
  });
}

/** Clock rate of the payload type relayed for an SSRC (undefined before any RTP: block discarded). */
function clockRateOf(ctx: MediaContext, call: Call, ssrc: number): number | undefined {
  for (const m of call.monologues) {
    for (const md of m.medias) {
      const c = ctx.counters(md.rtp);
      if (c.ssrc !== ssrc || c.lastPt < 0) continue;
      const codec = md.codecs.find((x) => x.pt === c.lastPt) ?? staticPayload(c.lastPt);
      return codec && codec.clock > 0 ? codec.clock : undefined;
    }
  }
  return undefined;
}

/** RTP SSRCs of the listed participants, in listing order (the order of the `SSRC` dict). */
export function listedSsrcs(ctx: MediaContext, participants: Monologue[]): number[] {
  const out: number[] = [];
  for (const m of participants) {
    for (const md of m.medias) {
      for (const st of md.streams()) {
        const s = ctx.counters(st).ssrc;
        if (s >= 0 && !out.includes(s)) out.push(s);
      }
    }
  }
  return out;
}

/**
 * Estimated quality of RTP streams that have no RTCP-based MOS (rtpengine reports nothing for
 * them): jitter and loss from the packets that reached us, RTT unknown (0), marked as estimated.
 */
export function estimatedQuality(ctx: MediaContext, call: Call, participants: Monologue[]): Map<string, BEncodable> {
  const out = new Map<string, BEncodable>();
  const q = call.quality;
  for (const m of participants) {
    for (const md of m.medias) {
      const st = md.rtp;
      const est = streamEstimate(ctx, st, md.codecs.find((c) => c.clock > 0)?.clock ?? 8000);
      if (!est) continue;
      const ssrc = ctx.counters(st).ssrc;
      if (ssrc < 0 || (q && q.hasQuality(ssrc))) continue;
      out.set(String(ssrc), new Map<string, BEncodable>([
        ['MOS', est.mos], ['jitter', Math.round(est.jitterMs)], ['packet loss', est.lossPercent],
        ['packets expected', est.expected], ['packets lost', est.lost], ['estimated', 1],
      ]));
    }
  }
  return out;
}

const snap = new Float64Array(SNAPSHOT_FIELDS);

function streamEstimate(ctx: MediaContext, st: PacketStream, clockRate: number): ReturnType<typeof estimateQuality> {
  if (!st.sock) return null;
  const rs = ctx.pool.receiver(st.sock.worker);
  if (!rs.valid(st.sock.slot)) return null;
  rs.snapshot(st.sock.slot, snap, 0);
  return estimateQuality(null, snap, clockRate);
}
