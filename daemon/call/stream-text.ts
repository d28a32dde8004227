/**
 * The pieces rtpengine 10.5 prints the same way in its `Final packet stats:` log block
 * (final-stats.ts) and in rtpengine-ctl's `list sessions <callid>` / `call <callid> info`
 * (control/cli/cli-sessions.ts): a media's `using CODEC` and the columns of a stream's port line.
 */
import type { Codec } from '../../protocol/sdp/types.js';
import { staticPayload } from '../../protocol/sdp/static-payloads.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import type { PacketStream } from './stream.js';

/**
 * The codec of the last RTP packet this participant sent, `name/clock[/channels]`, or `unknown codec`
 * before its first packet: from its SDP, else from what we sent it, else the static payload table.
 */
export function usingCodec(ctx: MediaContext, md: CallMedia): string {
  const k = ctx.counters(md.rtp);
  const pt = k.lastPt;
  if (pt < 0 || k.packets === 0) return 'unknown codec';
  const c: Pick<Codec, 'name' | 'clock' | 'channels'> | undefined = md.codecs.find((x) => x.pt === pt) ?? md.sentCodecs?.find((x) => x.pt === pt) ?? staticPayload(pt);
  if (!c || c.name === '') return 'unknown codec';
  return `${c.name}/${c.clock}${c.channels !== undefined && c.channels > 1 ? `/${c.channels}` : ''}`;
}

/**
 * `Port LOCAL:PORT <> REMOTE:PORT[ (RTCP)], SSRC hex, N p, N b, N e`: addresses right-aligned in 15
 * columns, ports left-aligned in 5; our local side (a deleted fork branch's closed socket still named,
 * as rtpengine keeps it until the call ends), the peer's address (learned, else from SDP; empty and 0
 * while unknown), the SSRC it sends and what we received from it.
 */
export function portColumns(ctx: MediaContext, st: PacketStream): string {
  const k = ctx.counters(st);
  const local = st.sock?.local.address ?? st.lastLocal?.address ?? '0.0.0.0';
  const localPort = st.sock?.port ?? st.lastLocal?.port ?? 0;
  const ep = st.endpoint;
  const ssrc = k.ssrc < 0 ? 0 : k.ssrc >>> 0;
  return `Port ${local.padStart(15)}:${String(localPort).padEnd(5)} <> ${(ep?.address ?? '').padStart(15)}:${String(ep?.port ?? 0).padEnd(5)}`
    + `${st.component === 2 ? ' (RTCP)' : ''}, SSRC ${ssrc.toString(16)}, ${k.packets} p, ${k.bytes} b, ${k.errors} e`;
}

/** Whole seconds (unix time) of the stream's last packet, or of the signalling that set it up. */
export function lastActivitySec(ctx: MediaContext, st: PacketStream): number {
  return Math.floor(Math.max(ctx.counters(st).lastPacketMs, st.lastSignalMs) / 1000);
}
