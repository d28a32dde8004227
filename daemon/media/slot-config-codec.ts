/**
 * SlotConfig lists travel to the worker as one Float64Array plus the endpoint addresses: cloning a
 * typed array is a copy, where cloning an array of nested objects cost ~9 % of the main thread's time
 * under ng load (bench/RESULTS.md). Sent per signalling event, never per packet.
 */
import type { ConfigFields, LearningMode, SlotConfig } from './messages.js';

/** Config fields per record, in the order writeConfigFields puts them (shared with command-ring.ts). */
export const CONFIG_FIELDS = 12;
const LEARNING: readonly LearningMode[] = ['delayed', 'immediate', 'off', 'heuristic'];

export interface EncodedConfigs {
  nums: Float64Array;
  /** Endpoint address per config; '' = no endpoint. */
  addrs: string[];
}


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
}

/** Reads what writeConfigFields wrote into `out` (the endpoint's port into `out.port`). */
export function readConfigFields<T extends ConfigFields & { port: number }>(n: Float64Array, at: number, out: T): T {
  out.slot = n[at]!; out.sink = n[at + 1]!; out.rtcpSink = n[at + 2]!; out.port = n[at + 3]!;
  out.learning = LEARNING[n[at + 4]!] ?? 'delayed';
  out.asymmetric = n[at + 5] === 1; out.strictSource = n[at + 6] === 1;
  out.component = n[at + 7] === 2 ? 2 : 1; out.clockRate = n[at + 8]!;
  out.generateRtcp = n[at + 9] === 1; out.rtcpSlot = n[at + 10]!; out.tos = n[at + 11]!;
  return out;
}

export function encodeConfigs(configs: readonly SlotConfig[]): EncodedConfigs {
  const nums = new Float64Array(configs.length * CONFIG_FIELDS);
  const addrs: string[] = new Array<string>(configs.length);
  for (let i = 0; i < configs.length; i++) {
    const c = configs[i]!;
    writeConfigFields(c, nums, i * CONFIG_FIELDS);
    addrs[i] = c.endpoint ? c.endpoint.address : '';
  }
  return { nums, addrs };
}

export function decodeConfigs(e: EncodedConfigs): SlotConfig[] {
  const out: SlotConfig[] = [];
  for (let i = 0; i < e.addrs.length; i++) {
    const f = readConfigFields(e.nums, i * CONFIG_FIELDS, {
      slot: 0, sink: -1, rtcpSink: -1, port: 0, learning: 'delayed', asymmetric: false, strictSource: false,
      component: 1, clockRate: 8000, generateRtcp: false, rtcpSlot: -1, tos: -1,
    });
    const { port, ...fields } = f;
    out.push({ ...fields, endpoint: e.addrs[i] ? { address: e.addrs[i]!, port } : null });
  }
  return out;
}
