/**
 * The numeric fields of a SlotConfig as they travel in a configure command (command-ring.ts): one
 * Float64 word each, in a fixed order. Sent per signalling event, never per packet.
 */
import type { ConfigFields, LearningMode, SlotConfig } from './messages.js';

/** Config fields per record, in the order writeConfigFields puts them. */
export const CONFIG_FIELDS = 14;
const LEARNING: readonly LearningMode[] = ['delayed', 'immediate', 'off', 'heuristic'];

/** Writes the numeric fields of `c` at nums[at .. at + CONFIG_FIELDS); the endpoint's port is -1 when there is none. */
export function writeConfigFields(c: SlotConfig, nums: Float64Array, at: number): void {
  nums[at] = c.slot;
  nums[at + 1] = c.sink;
  nums[at + 2] = c.rtcpSink;
  nums[at + 3] = c.endpoint ? c.endpoint.port : -1;
  nums[at + 4] = LEARNING.indexOf(c.learning);
  nums[at + 5] = c.asymmetric ? 1 : 0;
  nums[at + 6] = c.strictSource ? 1 : 0;
  nums[at + 7] = c.component;
  nums[at + 8] = c.clockRate;
  nums[at + 9] = c.generateRtcp ? 1 : 0;
  nums[at + 10] = c.rtcpSlot;
  nums[at + 11] = c.tos;
  nums[at + 12] = c.dtls ? 1 : 0;
  nums[at + 13] = c.ice ? 1 : 0;
}

/** Reads what writeConfigFields wrote into `out` (the endpoint's port into `out.port`). */
export function readConfigFields<T extends ConfigFields & { port: number }>(n: Float64Array, at: number, out: T): T {
  out.slot = n[at]!; out.sink = n[at + 1]!; out.rtcpSink = n[at + 2]!; out.port = n[at + 3]!;
  out.learning = LEARNING[n[at + 4]!] ?? 'delayed';
  out.asymmetric = n[at + 5] === 1; out.strictSource = n[at + 6] === 1;
  out.component = n[at + 7] === 2 ? 2 : 1; out.clockRate = n[at + 8]!;
  out.generateRtcp = n[at + 9] === 1; out.rtcpSlot = n[at + 10]!; out.tos = n[at + 11]!;
  out.dtls = n[at + 12] === 1;
  out.ice = n[at + 13] === 1;
  return out;
}
