/**
 * The statistics part of `query` and `delete` replies (spec §5.1), in rtpengine 10.5's key order,
 * read from the workers' shared counters at reply time.
 */
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { staticPayload } from '../../protocol/sdp/static-payloads.js';
import type { Call } from './call.js';
import { drainQuality, estimatedQuality, listedSsrcs } from './quality.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import type { Monologue } from './monologue.js';
import type { Endpoint, PacketStream } from './stream.js';

type Dict = Map<string, BEncodable>;

interface Totals { packets: number; bytes: number; errors: number }

/** Transport protocols rtpengine recognises (others, like TCP/MSRP, get no `protocol` key). */
const KNOWN_PROTOCOLS = new Set(['RTP/AVP', 'RTP/SAVP', 'RTP/AVPF', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udptl', 'UDPTL', 'UDP/TLS/UDPTL']);

/**
 * Participants listed: with a tag filter, that participant first and then those it subscribes to;
 * without one, all in creation order.
 */
export function selectParticipants(call: Call, who: Monologue | undefined): Monologue[] {
  if (!who) return [...call.monologues];
  const list = [who];
  for (const s of who.subscriptions) if (!list.includes(s)) list.push(s);
  return list;
}

export function callStats(ctx: MediaContext, call: Call, participants: Monologue[]): Dict {
  drainQuality(ctx);
  const rtp: Totals = { packets: 0, bytes: 0, errors: 0 };
  const rtcp: Totals = { packets: 0, bytes: 0, errors: 0 };
  const tags: Dict = new Map();
  for (const m of participants) tags.set(m.key, participantStats(ctx, m, rtp, rtcp));
  const ssrc = call.quality ? (call.quality.replyDict(listedSsrcs(ctx, participants)) as Dict) : new Map<string, BEncodable>();
  const d = new Map<string, BEncodable>([
    ['created', Math.floor(call.createdMs / 1000)],
    ['created_us', call.createdUs],
    ['last signal', Math.floor(call.lastSignalMs / 1000)],
    ['SSRC', ssrc],
  ]);
  // Not in rtpengine (it reports nothing without RTCP): jitter/loss/MOS estimated from the RTP that
  // reached us, for SSRCs without an RTCP-based entry. Only present when there is one.
  const estimated = estimatedQuality(ctx, call, participants);
  if (estimated.size > 0) d.set('estimated MOS', estimated);
  d.set('tags', tags);
  d.set('totals', new Map<string, BEncodable>().set('RTP', totalsDict(rtp)).set('RTCP', totalsDict(rtcp)));
  return d;
}

/**
 * `{packets, bytes, errors}` in that order (totals, and a stream's counters). Dicts here are built
 * with set() chains rather than `new Map([[k, v], ...])`: a delete reply has ~30 of them, and these
 * need no pair array per entry.
 */
function totalsDict(t: Totals): Dict {
  return new Map<string, BEncodable>().set('packets', t.packets).set('bytes', t.bytes).set('errors', t.errors);
}

function subList(list: Monologue[]): Dict[] {
  return list.map((x) => new Map<string, BEncodable>().set('tag', x.tag).set('type', 'offer/answer'));
}

function participantStats(ctx: MediaContext, m: Monologue, rtp: Totals, rtcp: Totals): Dict {
  const d: Dict = new Map<string, BEncodable>().set('tag', m.tag);
  if (m.viaBranch !== undefined) d.set('via-branch', m.viaBranch);
  if (m.label !== undefined) d.set('label', m.label);
  d.set('created', Math.floor(m.created / 1000));
  d.set('subscriptions', subList(m.subscriptions));
  d.set('subscribers', subList(m.subscribers));
  d.set('medias', m.medias.map((md) => mediaStats(ctx, m, md, rtp, rtcp)));
  return d;
}

function mediaStats(ctx: MediaContext, m: Monologue, md: CallMedia, rtp: Totals, rtcp: Totals): Dict {
  const d: Dict = new Map<string, BEncodable>().set('index', md.index).set('type', md.type);
  if (KNOWN_PROTOCOLS.has(md.protocol)) d.set('protocol', md.protocol);
  const pt = ctx.counters(md.rtp).lastPt;
  // Known from this participant's SDP, or (after re-negotiation dropped it) a static payload type.
  const codec = pt >= 0 ? md.codecs.find((c) => c.pt === pt) ?? staticPayload(pt) : undefined;
  if (codec && codec.name) d.set('codec', `${codec.name}/${codec.clock}`);
  d.set('streams', md.streams().map((s) => streamStats(ctx, m, md, s, s.component === 1 ? rtp : rtcp)));
  const flags: string[] = [];
  if (md.initialized) flags.push('initialized');
  if (m.asymmetric) flags.push('asymmetric');
  if (md.direction === 'sendrecv' || md.direction === 'recvonly') flags.push('send');
  if (md.direction === 'sendrecv' || md.direction === 'sendonly') flags.push('recv');
  if (md.rtcpMux) flags.push('rtcp-mux');
  // While our actpass offer waits for its answer, rtpengine reports both roles.
  if (md.dtls || md.dtlsPending) flags.push('DTLS-SRTP');
  if (md.dtlsPending || md.dtls?.role === 'active') flags.push('DTLS role active');
  if (md.dtlsPending || md.dtls?.role === 'passive') flags.push('DTLS role passive');
  if (md.sdesIn.length > 0 || md.sdesOut.length > 0) flags.push('SDES');
  // We run ICE with this participant (we wrote our candidates to it), trickling if it does.
  if (md.ice !== null) flags.push('ICE');
  if (m.iceControlling) flags.push('ICE controlling');
  if (md.ice !== null && md.iceRemote?.lite === true) flags.push('ICE-lite peer');
  if (md.transcoding) flags.push('transcoding');
  d.set('flags', flags);
  return d;
}

function endpointDict(e: Endpoint | null): Dict {
  if (!e) return new Map();
  return new Map<string, BEncodable>().set('family', e.address.includes(':') ? 'IPv6' : 'IPv4').set('address', e.address).set('port', e.port);
}

function streamStats(ctx: MediaContext, m: Monologue, md: CallMedia, s: PacketStream, totals: Totals): Dict {
  const c = ctx.counters(s);
  totals.packets += c.packets;
  totals.bytes += c.bytes;
  totals.errors += c.errors;
  const lastPacket = Math.max(c.lastPacketMs, s.lastSignalMs);
  const flags = [s.component === 1 ? 'RTP' : 'RTCP'];
  if (s.endpoint) flags.push('filled');
  if (s.confirmed) flags.push('confirmed');
  // rtpengine 10.5 reports these two even in userspace-only mode once media flowed (spec §9.14).
  if (c.packets > 0) flags.push('kernelized', 'no kernel support');
  if (m.strictSource) flags.push('strict source address');
  if (md.ice !== null) flags.push('ICE');
  const d: Dict = new Map();
  if (s.sock) {
    d.set('local port', s.sock.port);
    d.set('local address', s.sock.local.address);
    d.set('family', s.sock.local.family === 'IP6' ? 'IPv6' : 'IPv4');
  }
  d.set('endpoint', endpointDict(s.endpoint));
  d.set('advertised endpoint', endpointDict(s.advertised));
  // The suite we protect with towards this participant (rtpengine: its outgoing SRTP context).
  const suite = md.srtp?.tx?.suite;
  if (suite !== undefined) d.set('crypto suite', suite);
  d.set('last packet', Math.floor(lastPacket / 1000));
  d.set('flags', flags);
  if (c.ssrc >= 0) d.set('SSRC', c.ssrc);
  d.set('stats', totalsDict(c));
  return d;
}
