/**
 * `call <callid> info|terminate|debug [flag]|tag <tag> info`: one call, as rtpengine 10.5's `call`
 * level (checked against it). The Call-ID and the tag are blank-separated words; the sub-command
 * after them is matched by prefix like every level ("infox" is info).
 *
 * 10.5 built with transcoding also has `tag <tag> delay <ms>` (the media's delay buffer) and
 * `tag <tag> detect-dtmf 0|1` (audio DTMF detection). rtpengine-ts has neither a delay buffer nor a
 * switchable DTMF detector, so it answers as a 10.5 without them does: `help` does not list them and
 * the words are "Unknown or incomplete command".
 */
import type { Call } from '../../call/call.js';
import type { CliContext } from './cli-context.js';
import { debugFlag, debugReply, invalidFlag } from './cli-debug.js';
import { callDetail, tagDetail } from './cli-sessions.js';
import { dispatch, MORE_PARAMS, shift, token, type CliTable } from './words.js';


async function terminateCall(call: Call, c: CliContext): Promise<string> {
  // 10.5's `call X terminate` ends the call without a reason (UNKNOWN): it counts in neither the regular
  // nor the forced totals, unlike `terminate X`.
  c.log.warn({ callId: call.callId }, `Call ${call.callId} terminated by operator`);
  await c.calls.calls.withLock(call.callId, () => { if (!call.destroyed) c.calls.destroy(call, 'unknown'); });
  return `\nCall '${call.callId}' terminated.\n\n`;
}

function callDebug(call: Call, rest: string): string {
  const text = shift(rest) ?? '';
  const on = debugFlag(text);
  if (on === null) return invalidFlag(text);
  call.debug = on;
  return debugReply(on, call.callId);
}

function tag(call: Call, rest: string, c: CliContext): string | Promise<string> {
  const after = shift(rest);
  if (after === null) return MORE_PARAMS;
  const { word, rest: sub } = token(after);
  if (word === '') return 'No tag specified\n';
  const m = call.byTag(word);
  if (!m) return `No such tag '${word}'\n`;
  const table: CliTable = [
    ['info', () => tagDetail(c.ctx, call, m)],
  ];
  return dispatch(table, sub, c);
}

export function callCommand(rest: string, c: CliContext): string | Promise<string> {
  const after = shift(rest);
  if (after === null) return MORE_PARAMS;
  const { word: callId, rest: sub } = token(after);
  if (callId === '') return 'No call ID specified\n';
  const call = c.calls.calls.get(callId);
  if (!call) return `No such call '${callId}'\n`;
  const table: CliTable = [
    ['info', () => callDetail(c.ctx, call)],
    ['terminate', () => terminateCall(call, c)],
    ['debug', (r) => callDebug(call, r)],
    ['tag', (r) => tag(call, r, c)],
  ];
  return dispatch(table, sub, c);
}
