import { describe, expect, it } from 'vitest';
import type { SlotConfig } from '../../daemon/media/messages.js';
import { decodeConfigs, encodeConfigs } from '../../daemon/media/slot-config-codec.js';

describe('slot config codec (main → worker)', () => {
  it('round-trips every field, with and without an endpoint', () => {
    const configs: SlotConfig[] = [
      { slot: 7, sink: 9, rtcpSink: 10, endpoint: { address: '127.0.0.10', port: 5000 }, learning: 'heuristic', asymmetric: true,
        strictSource: false, component: 1, clockRate: 48000, generateRtcp: true, rtcpSlot: 8, tos: 184 },
      { slot: 8, sink: -1, rtcpSink: -1, endpoint: null, learning: 'off', asymmetric: false,
        strictSource: true, component: 2, clockRate: 8000, generateRtcp: false, rtcpSlot: -1, tos: -1 },
      { slot: 65535, sink: 0, rtcpSink: 1, endpoint: { address: '::1', port: 65535 }, learning: 'immediate', asymmetric: false,
        strictSource: false, component: 1, clockRate: 16000, generateRtcp: false, rtcpSlot: 65535, tos: 0 },
    ];
    const wire = structuredClone(encodeConfigs(configs));
    expect(decodeConfigs(wire)).toEqual(configs);
  });
});
