/**
 * rtpengine's "Final packet stats:" block, logged at INFO when a call ends (deleted, timed out or
 * its delete-delay expired), in rtpengine 10.5's words (measured, test/dev/call-log-probe.mjs):
 *
 *   Final packet stats:
 *   --- Tag 'ftag' (label 'caller'), created 0:05 ago for branch ''
 *   ---     subscribed to 'ttag'
 *   ---     subscription for 'ttag'
 *   ------ Media #1 (audio over RTP/AVP) using PCMU/8000
 *   --------- Port       127.0.0.1:43020 <>       127.0.0.1:36299, SSRC 1111, 98 p, 16856 b, 0 e, 0 ts
 *   --------- Port       127.0.0.1:43021 <>       127.0.0.1:36300 (RTCP), SSRC 0, 0 p, 0 b, 0 e, 5 ts
 *
 * Per participant in creation order (the untagged one as `''`), per media its streams: our local
 * address and port facing it, its address (learned, else from SDP; empty and 0 while unknown), the
 * SSRC it sends (hex), packets, bytes and errors received from it (stream-text.ts, shared with the
 * CLI's call details), and whole seconds since its last packet (or since the signalling that set the
 * stream up). rtpengine's per-SSRC MOS summary
 * lines (only with RTCP reports) are not written.
 */
import type { Call } from './call.js';
import type { MediaContext } from './media-context.js';
import type { PacketStream } from './stream.js';
import { lastActivitySec, portColumns, usingCodec } from './stream-text.js';

/** The block's lines, without prefix (each one is logged as its own line). */
export function finalStatsLines(ctx: MediaContext, call: Call, nowMs: number): string[] {
  const now = sec(nowMs);
  const lines = ['Final packet stats:'];
  for (const m of call.monologues) {
    const age = Math.max(0, now - sec(m.created));
    const label = m.label !== undefined ? ` (label '${m.label}')` : '';
    lines.push(`--- Tag '${m.tag}'${label}, created ${Math.floor(age / 60)}:${String(age % 60).padStart(2, '0')} ago for branch '${m.viaBranch ?? ''}'`);
    for (const o of m.subscriptions) lines.push(`---     subscribed to '${o.tag}'`);
    for (const o of m.subscribers) lines.push(`---     subscription for '${o.tag}'`);
    for (const md of m.medias) {
      lines.push(`------ Media #${md.index} (${md.type} over ${md.protocol}) using ${usingCodec(ctx, md)}`);
      lines.push(portLine(ctx, md.rtp, now));
      // With rtcp-mux RTCP shares the RTP socket: no line of its own (rtpengine 10.5 likewise, measured).
      if (!md.rtcpMux) lines.push(portLine(ctx, md.rtcp, now));
    }
  }
  return lines;
}

function portLine(ctx: MediaContext, st: PacketStream, now: number): string {
  return `--------- ${portColumns(ctx, st)}, ${Math.max(0, now - lastActivitySec(ctx, st))} ts`;
}

function sec(ms: number): number {
  return Math.floor(ms / 1000);
}
