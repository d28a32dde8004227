// A DirectionConfig for the DTMF tests: PCMU/8000 in with telephone-event/8000 on PT 101, opus/48000
// out with telephone-event/48000 on PT 126; tests override what they exercise.
import type { DirectionConfig } from '../../transcode/types.js';

export function dtmfConfig(over: Partial<DirectionConfig> = {}): DirectionConfig {
  return {
    decoders: [{ pt: 0, codec: { name: 'PCMU', clock: 8000, channels: 1, bitrate: 0, fmtp: '', ptime: 20 } }],
    encoder: { pt: 111, codec: { name: 'opus', clock: 48000, channels: 2, bitrate: 0, fmtp: '', ptime: 20 } },
    passthrough: [],
    dtmfIn: [{ pt: 101, clock: 8000 }],
    dtmfOut: { pt: 126, clock: 48000 },
    detectInband: false,
    cnIn: [],
    cnOut: -1,
    ...over,
  };
}

