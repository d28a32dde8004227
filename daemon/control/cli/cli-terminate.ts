/**
 * `terminate <callid>|all|own|foreign`: calls end at once as "forced" terminations (the totals count
 * them so), through the call manager like any other end of a call. `active`/`standby` answer as
 * rtpengine 10.5 does; without Redis every call is and stays "own".
 */
import type { CliContext } from './cli-context.js';
import { MORE_PARAMS, shift } from './words.js';

async function terminateAll(c: CliContext): Promise<void> {
  for (const call of [...c.calls.calls.values()]) {
    await c.calls.calls.withLock(call.callId, () => { if (!call.destroyed) c.calls.destroy(call, 'forced'); });
  }
}

export async function terminate(rest: string, c: CliContext): Promise<string> {
  const which = shift(rest);
  if (which === null) return MORE_PARAMS;
  if (which === 'all') {
    await terminateAll(c);
    return 'All calls terminated by operator.\n';
  }
  if (which === 'own') {
    await terminateAll(c);
    return 'All own calls terminated by operator.\n';
  }
  if (which === 'foreign') return 'All foreign calls terminated by operator.\n';
  const call = c.calls.calls.get(which);
  if (!call) return `\nCall Id not found (${which}).\n\n`;
  await c.calls.calls.withLock(which, () => { if (!call.destroyed) c.calls.destroy(call, 'forced'); });
  return `\nCall Id (${which}) successfully terminated by operator.\n\n`;
}

export const active = (): string => "Ok, all calls set to 'owned (active)'\n";
export const standby = (): string => "Ok, all calls set to 'foreign (standby)'\n";
