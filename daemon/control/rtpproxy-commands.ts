/**
 * rtpproxy control-protocol commands (protocol/rtpproxy/) run against the call layer.
 *
 * The protocol carries no SDP, only "this participant receives media number N at ADDR:PORT".
 * rtpengine 10.5 turns that into the same per-media stream parameters its SDP parser would produce
 * (RTP/AVP, send+receive, RTCP on PORT+1, no codec list, `E`/`I` modifiers as `direction`) and runs
 * its normal offer/answer code. We do the equivalent one level up: a minimal SDP with exactly those
 * facts goes through the same CallManager.offer/answer/delete/query an ng request uses, and the
 * port and address of media N are read back from the SDP it returns. That keeps one code path for
 * allocation, endpoint learning, timeouts and statistics instead of a second way into the call
 * internals. The price is that media numbers > 1 need the earlier media in the SDP too: the
 * endpoints each participant named per media number are remembered (per call, dropped with it).
 *
 * One known difference: rtpengine 10.5 gives these streams no transport protocol at all (its ng
 * `query` shows `protocol: "unknown (legacy)"`, no codec and no SSRC: the packets are relayed as
 * plain UDP). We declare RTP/AVP, so the same packets are relayed unchanged but also parsed for
 * statistics (SSRC, MOS from RTCP) like any other call.
 */
import { isIP } from 'node:net';
import type { BDict, BEncodable, BValue } from '../../protocol/ng/bencode.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { NgError } from '../../protocol/ng/errors.js';
import {
  capabilityReply, deletedReply, errorReply, fallbackReply, portReply, queryReply, unknownCallReply, versionReply,
} from '../../protocol/rtpproxy/reply.js';
import type { DeleteQuery, RtpproxyRequest, UpdateLookup } from '../../protocol/rtpproxy/request.js';
import type { CallManager } from '../call/call-manager.js';
import type { Logger } from '../log.js';

type Dict = Map<string, BEncodable>;

/** Media numbers above this are refused (E8): one SDP line per media up to N is built. */
const MAX_MEDIA_INDEX = 16;

interface MediaEndpoint { address: string; port: number }

export class RtpproxyCommands {
  /** `callId` → participant tag → endpoints by media number - 1 (holes are medias never named). */
  private readonly endpoints = new Map<string, Map<string, MediaEndpoint[]>>();
  private pruneAt = 256;

  constructor(
    private readonly calls: CallManager,
    /** --silent-timeout, seconds: `Q` reports the time left until it. */
    private readonly silentTimeout: number,
    private readonly log: Logger,
  ) {}

  /**
   * Runs one parsed request; resolves with the reply line, or null when rtpengine sends none.
   * `cacheable` tells whether rtpengine keeps it in the cookie cache (U/L/D/Q; not V or errors of
   * the half-parsed kind).
   */
  async handle(req: RtpproxyRequest, from: string): Promise<{ reply: string; cacheable: boolean } | null> {
    switch (req.kind) {
      case 'none':
        this.log.warn({ from }, 'Unable to parse rtpproxy command line (no cookie)');
        return null;
      case 'fallback':
        this.log.warn({ from, cookie: req.cookie }, 'Failed to properly parse rtpproxy command line, using fallback');
        return { reply: fallbackReply(req.cookie, req.echo), cacheable: false };
      case 'version':
        return {
          reply: req.modifiers.toUpperCase().startsWith('F') ? capabilityReply(req.cookie, req.param) : versionReply(req.cookie),
          cacheable: false,
        };
      default: break;
    }
    let reply: string;
    try {
      switch (req.kind) {
        case 'update': case 'lookup': reply = await this.updateLookup(req); break;
        case 'delete': reply = await this.delete(req); break;
        case 'query': reply = this.query(req); break;
      }
    } catch (e) {
      if (e instanceof NgError) this.log.warn({ command: req.kind, callId: req.callId, reason: e.reason }, 'rtpproxy command failed');
      else this.log.error({ command: req.kind, callId: req.callId, err: e }, 'Internal error while processing rtpproxy command');
      reply = errorReply(req.cookie);
    }
    const flushed = this.calls.mediaFlushed();
    if (flushed) await flushed; // the reply must not overtake what the command told the workers
    return { reply, cacheable: true };
  }

  private async updateLookup(req: UpdateLookup): Promise<string> {
    if (isIP(req.address) === 0 || req.mediaIndex > MAX_MEDIA_INDEX) {
      this.log.warn({ callId: req.callId, address: req.address, port: req.port }, 'Failed to parse a media stream');
      return errorReply(req.cookie);
    }
    const isOffer = req.kind === 'update';
    if (isOffer) this.prune();
    // L names the answerer's media (to-tag); U the offerer's (from-tag).
    const tag = isOffer ? req.fromTag : req.toTag ?? '';
    const medias = this.remembered(req.callId, tag);
    medias[req.mediaIndex - 1] = { address: req.address, port: req.port };
    const d: BDict = new Map<string, BValue>([
      ['call-id', Buffer.from(req.callId)],
      ['from-tag', Buffer.from(req.fromTag)],
      ['sdp', Buffer.from(synthesizeSdp(medias))],
    ]);
    if (req.toTag !== undefined) d.set('to-tag', Buffer.from(req.toTag));
    if (req.viaBranch !== undefined) d.set('via-branch', Buffer.from(req.viaBranch));
    if (req.direction.length > 0) d.set('direction', req.direction.map((x) => Buffer.from(x)));
    const opts = parseCallOptions(d);
    let out: Dict;
    try {
      out = isOffer ? await this.calls.offer(opts) : await this.calls.answer(opts);
    } catch (e) {
      if (!isOffer && e instanceof NgError && e.reason === 'Unknown call-id') {
        this.log.warn({ callId: req.callId }, 'Got rtpproxy lookup for unknown call-id');
        this.endpoints.delete(req.callId);
        return unknownCallReply(req.cookie);
      }
      throw e;
    }
    const sdp = out.get('sdp');
    const media = mediaOf(typeof sdp === 'string' ? sdp : Buffer.isBuffer(sdp) ? sdp.toString('latin1') : '', req.mediaIndex);
    if (!media) throw new NgError('No media in rewritten SDP');
    return portReply(req.cookie, media.port, media.address);
  }

  private async delete(req: DeleteQuery): Promise<string> {
    const reply = await this.calls.delete(parseCallOptions(tagDict(req)));
    if (reply.has('warning')) return errorReply(req.cookie);
    // Forgotten at once (O(1)); a participant left in the call only loses the media numbers > 1
    // it named before, should it re-offer with a higher one.
    this.endpoints.delete(req.callId);
    return deletedReply(req.cookie);
  }

  /** rtpengine 10.5 deadlocks on a `Q` naming a tag the call lacks; we answer E8 instead. */
  private query(req: DeleteQuery): string {
    const reply = this.calls.query(parseCallOptions(tagDict(req)));
    const wanted = req.toTag || req.fromTag;
    const tags = reply.get('tags');
    let found = false;
    let lastPacket = 0;
    if (tags instanceof Map) {
      for (const p of tags.values()) {
        if (!(p instanceof Map)) continue;
        if (p.get('tag')?.toString() === wanted) found = true;
        for (const m of asList(p.get('medias'))) {
          for (const s of asList((m as Dict).get('streams'))) {
            const lp = (s as Dict).get('last packet');
            if (typeof lp === 'number' && lp > lastPacket) lastPacket = lp;
          }
        }
      }
    }
    if (!found) throw new NgError('Tag to query not found');
    const totals = reply.get('totals') as Dict | undefined;
    const packets = (k: string): number => {
      const v = (totals?.get(k) as Dict | undefined)?.get('packets');
      return typeof v === 'number' ? v : 0;
    };
    const ttl = this.silentTimeout - (Math.floor(Date.now() / 1000) - lastPacket);
    return queryReply(req.cookie, ttl, packets('RTP'), packets('RTCP'));
  }

  private remembered(callId: string, tag: string): MediaEndpoint[] {
    let byTag = this.endpoints.get(callId);
    if (!byTag) this.endpoints.set(callId, (byTag = new Map()));
    let list = byTag.get(tag);
    if (!list) byTag.set(tag, (list = []));
    return list;
  }

  /** Forgets calls that ended by other means (timeouts, ng delete) once the map has doubled. */
  private prune(): void {
    if (this.endpoints.size < this.pruneAt) return;
    const live = new Set(this.calls.list(Infinity));
    for (const id of this.endpoints.keys()) if (!live.has(id)) this.endpoints.delete(id);
    this.pruneAt = Math.max(256, this.endpoints.size * 2);
  }

  close(): void {
    this.endpoints.clear();
  }
}

function tagDict(req: { callId: string; fromTag: string; toTag?: string; viaBranch?: string }): BDict {
  const d: BDict = new Map<string, BValue>([['call-id', Buffer.from(req.callId)], ['from-tag', Buffer.from(req.fromTag)]]);
  if (req.toTag !== undefined) d.set('to-tag', Buffer.from(req.toTag));
  if (req.viaBranch !== undefined) d.set('via-branch', Buffer.from(req.viaBranch));
  return d;
}

function asList(v: BEncodable | undefined): BEncodable[] {
  return Array.isArray(v) ? v : [];
}

/**
 * The SDP rtpengine's stream parameters amount to: one RTP/AVP audio media per media number, each
 * with its own c= line; a media never named (a hole) is a rejected one (port 0). The payload type
 * list is a placeholder (`0`): rtpengine ignores codecs here, and so does our forwarding.
 */
export function synthesizeSdp(medias: (MediaEndpoint | undefined)[]): string {
  const first = medias.find((m) => m !== undefined)!;
  const fam = (a: string): string => (a.includes(':') ? 'IP6' : 'IP4');
  const lines = ['v=0', `o=- 1 1 IN ${fam(first.address)} ${first.address}`, 's=-', 't=0 0'];
  for (let i = 0; i < medias.length; i++) {
    const m = medias[i] ?? { address: first.address, port: 0 };
    lines.push(`m=audio ${m.port} RTP/AVP 0`, `c=IN ${fam(m.address)} ${m.address}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Port and connection address of the `index`-th (1-based) m= section of an SDP. */
export function mediaOf(sdp: string, index: number): MediaEndpoint | null {
  let session: string | undefined;
  let n = 0;
  let port = -1;
  let address: string | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      if (n === index) break;
      n++;
      if (n === index) port = Number(line.split(' ')[1]);
    } else if (line.startsWith('c=')) {
      const addr = line.split(' ')[2];
      if (n === 0) session = addr;
      else if (n === index) address = addr;
    }
  }
  const a = address ?? session;
  return n === index && port >= 0 && a !== undefined ? { address: a, port } : null;
}
