/**
 * SlotConfig lists travel to the worker as one Float64Array plus the endpoint addresses: cloning a
 * typed array is a copy, where cloning an array of nested objects cost ~9 % of the main thread's time
 * under ng load (bench/RESULTS.md). Sent per signalling event, never per packet.
 */
import type { LearningMode, SlotConfig } from './messages.js';

const FIELDS = 12;
const LEARNING: readonly LearningMode[] = ['delayed', 'immediate', 'off', 'heuristic'];

export interface EncodedConfigs {
  nums: Float64Array;
  /** Endpoint address per config; '' = no endpoint. */
  addrs: string[];
}

export function encodeConfigs(configs: readonly SlotConfig[]): EncodedConfigs {
  const nums = new Float64Array(configs.length * FIELDS);
  const addrs: string[] = new Array<string>(configs.length);
  for (let i = 0; i < configs.length; i++) {
    const c = configs[i]!;
    const b = i * FIELDS;
    nums[b] = c.slot;
    nums[b + 1] = c.sink;
    nums[b + 2] = c.rtcpSink;
    nums[b + 3] = c.endpoint ? c.endpoint.port : -1;
    nums[b + 4] = LEARNING.indexOf(c.learning);
    nums[b + 5] = c.asymmetric ? 1 : 0;
    nums[b + 6] = c.strictSource ? 1 : 0;
    nums[b + 7] = c.component;
    nums[b + 8] = c.clockRate;
    nums[b + 9] = c.generateRtcp ? 1 : 0;
    nums[b + 10] = c.rtcpSlot;
    nums[b + 11] = c.tos;
    addrs[i] = c.endpoint ? c.endpoint.address : '';
  }
  return { nums, addrs };
}

export function decodeConfigs(e: EncodedConfigs): SlotConfig[] {
  const out: SlotConfig[] = [];
  for (let i = 0; i < e.addrs.length; i++) {
    const n = e.nums;
    const b = i * FIELDS;
    out.push({
      slot: n[b]!, sink: n[b + 1]!, rtcpSink: n[b + 2]!,
      endpoint: e.addrs[i] ? { address: e.addrs[i]!, port: n[b + 3]! } : null,
      learning: LEARNING[n[b + 4]!] ?? 'delayed',
      asymmetric: n[b + 5] === 1, strictSource: n[b + 6] === 1,
      component: n[b + 7] === 2 ? 2 : 1, clockRate: n[b + 8]!,
      generateRtcp: n[b + 9] === 1, rtcpSlot: n[b + 10]!, tos: n[b + 11]!,
    });
  }
  return out;
}
