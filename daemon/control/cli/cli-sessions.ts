/**
 * `list numsessions`, `list sessions all|own|foreign|<callid>` as rtpengine 10.5 prints them (checked
 * against it). Every call of ours is "own": there is no Redis, so nothing is foreign.
 */
import type { Call } from '../../call/call.js';
import type { CallMedia } from '../../call/media.js';
import type { MediaContext } from '../../call/media-context.js';
import type { Monologue } from '../../call/monologue.js';
import type { PacketStream } from '../../call/stream.js';
import { lastActivitySec, portColumns, usingCodec } from '../../call/stream-text.js';
import type { CliContext } from './cli-context.js';
import { MORE_PARAMS, padLeft, shift } from './words.js';

/** A media that is in use: negotiated by its participant and by a peer (as `statistics` counts it). */
function inUse(m: Monologue, md: CallMedia): boolean {
  return md.hasSockets && md.initialized && m.subscribers.some((s) => s.medias.some((x) => x.index === md.index && x.initialized));
}

/** 'v4' / 'v6' / 'mixed' by the address families of a call's media in use, or null without any. */
function callFamilies(call: Call): 'v4' | 'v6' | 'mixed' | null {
  let v4 = false;
  let v6 = false;
  for (const m of call.monologues) {
    for (const md of m.medias) {
      if (!inUse(m, md)) continue;
      for (const s of md.streams()) {
        if (!s.sock) continue;
        if (s.sock.local.family === 'IP6') v6 = true;
        else v4 = true;
      }
    }
  }
  if (v4 && v6) return 'mixed';
  return v4 ? 'v4' : v6 ? 'v6' : null;
}

export function numSessions(_rest: string, c: CliContext): string {
  const cur = c.statistics().get('currentstatistics') as Map<string, unknown>;
  const fam = { v4: 0, v6: 0, mixed: 0 };
  for (const call of c.calls.calls.values()) {
    const f = callFamilies(call);
    if (f) fam[f]++;
  }
  return `Current sessions own: ${String(cur.get('sessionsown'))}\n`
    + `Current sessions foreign: ${String(cur.get('sessionsforeign'))}\n`
    + `Current sessions total: ${String(cur.get('sessionstotal'))}\n`
    + `Current transcoded media: ${String(cur.get('transcodedmedia'))}\n`
    + `Current sessions ipv4 only media: ${fam.v4}\n`
    + `Current sessions ipv6 only media: ${fam.v6}\n`
    + `Current sessions ip mixed  media: ${fam.mixed}\n`;
}

const deletionMark = (call: Call): string => (call.deleteAtMs !== null ? 'yes' : 'no');

function oneLiner(call: Call): string {
  return `callid: ${padLeft(call.callId, 60)} | deletionmark:${padLeft(deletionMark(call), 4)} | `
    + `created:${padLeft(Math.floor(call.createdMs / 1000), 12)} | proxy:${call.createdFrom} | redis_keyspace:0 | foreign:no\n`;
}

export function listSessions(rest: string, c: CliContext): string {
  const which = shift(rest);
  if (which === null) return MORE_PARAMS;
  const calls = [...c.calls.calls.values()];
  if (which === 'all') return calls.length === 0 ? 'No sessions on this media relay.\n' : calls.map(oneLiner).join('');
  if (which === 'own') return calls.length === 0 ? 'No own sessions on this media relay.\n' : calls.map(oneLiner).join('');
  if (which === 'foreign') return 'No foreign sessions on this media relay.\n';
  const call = c.calls.calls.get(which);
  if (!call) return `\nCall ID not found (${which}).\n\n`;
  return callDetail(c.ctx, call);
}

/** `%ld.%06ld` of a duration in ms. */
function secUsec(ms: number): string {
  const us = Math.max(0, Math.round(ms * 1000));
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

function tagType(call: Call, m: Monologue): string {
  if (m.tag === '') return 'UNKNOWN';
  return call.monologues[0] === m ? 'FROM_TAG' : 'TO_TAG';
}

function streamLine(ctx: MediaContext, s: PacketStream): string {
  return `-------- ${portColumns(ctx, s)}, ${lastActivitySec(ctx, s)} ts\n`;
}

/** One participant as `list sessions <callid>` and `call <callid> tag <tag> info` print it. */
export function tagDetail(ctx: MediaContext, call: Call, m: Monologue, now = Date.now()): string {
  let s = `--- Tag '${m.tag}', type: ${tagType(call, m)}, label '${m.label ?? ''}', branch '${m.viaBranch ?? ''}', `
    + `callduration ${secUsec(now - m.created)}\n`;
  for (const x of m.subscriptions) s += `---     subscribed to '${x.tag}'\n`;
  for (const x of m.subscribers) s += `---     subscription of '${x.tag}'\n`;
  for (const md of m.medias) {
    s += `------ Media #${md.index} (${md.type} over ${md.protocol || '(unknown)'}) using ${usingCodec(ctx, md)}\n`;
    for (const st of md.streams()) s += streamLine(ctx, st);
  }
  return s;
}

/** `list sessions <callid>` and `call <callid> info`: the call, its participants, their media and streams. */
export function callDetail(ctx: MediaContext, call: Call): string {
  const now = Date.now();
  let s = `\ncallid: ${call.callId}\ndeletionmark: ${deletionMark(call)}\ncreated: ${Math.floor(call.createdMs / 1000)}\n`
    + `proxy: ${call.createdFrom}\ntos: ${call.tos ?? 0}\nlast_signal: ${Math.floor(call.lastSignalMs / 1000)}\n`
    + 'redis_keyspace: 0\nforeign: no\n\n';
  for (const m of call.monologues) s += tagDetail(ctx, call, m, now);
  return `${s}\n`;
}
