/**
 * `debug <callid> [on|enable|off|disable]`: switches a call's debug logging (`call.debug`), as
 * rtpengine 10.5's top-level `debug` (checked against it): the flag is read before the call is looked
 * up, no flag means on, anything else after the Call-ID ("on x", "1") is refused as it is.
 */
import type { CliContext } from './cli-context.js';
import { shift, token } from './words.js';

/** The on/off word after a Call-ID ('' = on), or null when 10.5 would refuse it. */
export function debugFlag(text: string): boolean | null {
  if (text === '' || text === 'on' || text === 'enable') return true;
  if (text === 'off' || text === 'disable') return false;
  return null;
}

export const invalidFlag = (text: string): string => `Invalid on/off flag ('${text}') specified\n`;

export const debugReply = (on: boolean, callId: string): string =>
  `${on ? 'Enabled' : 'Disabled'} debugging for call '${callId}'\n`;

export function debug(rest: string, c: CliContext): string {
  const after = shift(rest);
  const { word: callId, rest: flagText } = token(after ?? '');
  if (callId === '') return 'No call ID specified\n';
  const on = debugFlag(flagText);
  if (on === null) return invalidFlag(flagText);
  const call = c.calls.calls.get(callId);
  if (!call) return `Call ID '${callId}' not found\n`;
  call.debug = on;
  return debugReply(on, callId);
}
