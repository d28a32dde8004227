/**
 * The statistics part of `query` and `delete` replies (spec §5.1), in rtpengine 10.5's key order,
 * read from the workers' shared counters at reply time.
 */
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { staticPayload } from '../../protocol/sdp/static-payloads.js';
import { F_BYTES, F_ERRORS, F_LAST_PACKET_MS, F_PACKETS, F_SSRC, F_LAST_PT } from '../media/stream-table.js';
import type { Call } from './call.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import type { Endpoint, PacketStream } from './stream.js';

type Dict = Map<string, BEncodable>;

interface Totals { packets: number; bytes: number; errors: number }

/**
 * Participants listed: with a tag filter, that participant first and then those it receives from;
 * without one, all in creation order.
 */
export function selectParticipants(call: Call, tag: string | undefined): Monologue[] | undefined {
  if (!tag) return [...call.monologues];
  const m = call.byTag(tag);
  if (!m) return undefined;
  return m.peer && m.peer !== m ? [m, m.peer] : [m];
}

export function callStats(ctx: MediaContext, call: Call, participants: Monologue[]): Dict {
  const rtp: Totals = { packets: 0, bytes: 0, errors: 0 };
  const rtcp: Totals = { packets: 0, bytes: 0, errors: 0 };
  const tags: Dict = new Map();
  for (const m of participants) tags.set(m.key, participantStats(ctx, call, m, rtp, rtcp));
  return new Map<string, BEncodable>([
    ['created', Math.floor(call.createdMs / 1000)],
    ['created_us', call.createdUs],
    ['last signal', Math.floor(call.lastSignalMs / 1000)],
    ['SSRC', new Map()],
    ['tags', tags],
    ['totals', new Map<string, BEncodable>([['RTP', totalsDict(rtp)], ['RTCP', totalsDict(rtcp)]])],
  ]);
}

function totalsDict(t: Totals): Dict {
  return new Map<string, BEncodable>([['packets', t.packets], ['bytes', t.bytes], ['errors', t.errors]]);
}

function participantStats(ctx: MediaContext, call: Call, m: Monologue, rtp: Totals, rtcp: Totals): Dict {
  const d: Dict = new Map<string, BEncodable>([['tag', m.tag]]);
  if (m.viaBranch !== undefined) d.set('via-branch', m.viaBranch);
  if (m.label !== undefined) d.set('label', m.label);
  d.set('created', Math.floor(m.created / 1000));
  const subs = m.peer ? [new Map<string, BEncodable>([['tag', m.peer.tag], ['type', 'offer/answer']])] : [];
  d.set('subscriptions', subs);
  d.set('subscribers', subs.map((x) => new Map(x)));
  d.set('medias', m.medias.map((md) => mediaStats(ctx, call, m, md, rtp, rtcp)));
  return d;
}

function mediaStats(ctx: MediaContext, call: Call, m: Monologue, md: CallMedia, rtp: Totals, rtcp: Totals): Dict {
  const d: Dict = new Map<string, BEncodable>([['index', md.index], ['type', md.type]]);
  if (md.protocol) d.set('protocol', md.protocol);
  const pt = md.rtp ? ctx.pool.table(md.rtp.worker).get(md.rtp.slot, F_LAST_PT) : -1;
  // Known from this participant's SDP, or (after re-negotiation dropped it) a static payload type.
  const codec = pt >= 0 ? md.codecs.find((c) => c.pt === pt) ?? staticPayload(pt) : undefined;
  if (codec && codec.name) d.set('codec', `${codec.name}/${codec.clock}`);
  d.set('streams', md.streams().map((s) => streamStats(ctx, s, s.component === 1 ? rtp : rtcp)));
  const flags = ['initialized'];
  if (md.direction === 'sendrecv' || md.direction === 'recvonly') flags.push('send');
  if (md.direction === 'sendrecv' || md.direction === 'sendonly') flags.push('recv');
  if (m.asymmetric) flags.push('asymmetric');
  if (md.rtcpMux) flags.push('rtcp-mux');
  // rtpengine 10.5 marks the participant that received the initial offer as ICE controlling, ICE or not.
  if (call.monologues[1] === m) flags.push('ICE controlling');
  d.set('flags', flags);
  return d;
}

function endpointDict(e: Endpoint | null): Dict {
  if (!e) return new Map();
  return new Map<string, BEncodable>([['family', e.address.includes(':') ? 'IPv6' : 'IPv4'], ['address', e.address], ['port', e.port]]);
}

function streamStats(ctx: MediaContext, s: PacketStream, totals: Totals): Dict {
  const t = ctx.pool.table(s.worker);
  const packets = t.get(s.slot, F_PACKETS);
  const bytes = t.get(s.slot, F_BYTES);
  const errors = t.get(s.slot, F_ERRORS);
  totals.packets += packets;
  totals.bytes += bytes;
  totals.errors += errors;
  const lastPacket = Math.max(t.get(s.slot, F_LAST_PACKET_MS), s.lastSignalMs);
  const flags = [s.component === 1 ? 'RTP' : 'RTCP'];
  if (s.endpoint) flags.push('filled');
  if (s.confirmed) flags.push('confirmed');
  // rtpengine 10.5 reports these two even in userspace-only mode once media flowed (spec §9.14).
  if (packets > 0) flags.push('kernelized', 'no kernel support');
  const d: Dict = new Map<string, BEncodable>([
    ['local port', s.port],
    ['local address', s.local.address],
    ['family', s.local.family === 'IP6' ? 'IPv6' : 'IPv4'],
    ['endpoint', endpointDict(s.endpoint)],
    ['advertised endpoint', endpointDict(s.advertised)],
    ['last packet', Math.floor(lastPacket / 1000)],
    ['flags', flags],
  ]);
  const ssrc = t.get(s.slot, F_SSRC);
  if (ssrc >= 0) d.set('SSRC', ssrc);
  d.set('stats', new Map<string, BEncodable>([['packets', packets], ['bytes', bytes], ['errors', errors]]));
  return d;
}
