/**
 * `npm run bench:transcode`: CPU µs (process user + system time, so other load on the machine inflates
 * it less than wall time, which is printed too) per 20 ms RTP packet through DirectionTranscoder.push for each
 * codec pair (decode, resample where the PCM rates differ, encode, RTP header), single thread,
 * in-process, no sockets: what one transcoded direction costs the media worker per packet.
 *
 * The input is 5 s of a speech-like signal (a 140 Hz voice with harmonics in a syllable envelope),
 * pre-encoded in the input codec; pushes cycle through it with consecutive sequence numbers and
 * timestamps. Each rep pushes --packets packets through a fresh transcoder after a warm-up rep; the
 * figure is the median of --reps reps (min and max in brackets). Opus: 48 kHz stream, mono, the
 * encoder's default bit rate (32 kbit/s) and complexity (transcode/codecs.ts OPUS_COMPLEXITY); toward
 * PCMU it is decoded straight to 8 kHz and encoded from 8 kHz (no resampling).
 *
 * Options: --packets 2000, --reps 5, --pair NAME→NAME (repeatable, e.g. --pair PCMU-opus).
 * Pin it for stable numbers: `taskset -c 0 npm run bench:transcode`.
 */
import { parseArgs } from 'node:util';
import { codecKind, createEncoder, naturalRate } from '../transcode/codecs.js';
import { DirectionTranscoder } from '../transcode/direction-transcoder.js';
import { initResamplerWasm } from '../transcode/resampler.js';
import type { CodecSpec, DirectionConfig, PtCodec, RtpOut } from '../transcode/types.js';
import { initCodecWasm } from '../transcode/wasm-init.js';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '5' },
    pair: { type: 'string', multiple: true },
  },
});
const PACKETS = Number(values.packets);
const REPS = Math.max(3, Number(values.reps));

function spec(name: string, clock: number, channels = 1): CodecSpec {
  return { name, clock, channels, bitrate: 0, fmtp: '', ptime: 20 };
}
const CODECS: Record<string, PtCodec> = {
  PCMU: { pt: 0, codec: spec('PCMU', 8000) },
  PCMA: { pt: 8, codec: spec('PCMA', 8000) },
  G722: { pt: 9, codec: spec('G722', 8000) },
  L16: { pt: 97, codec: spec('L16', 16000) },
  opus: { pt: 96, codec: spec('opus', 48000, 2) },
};
const PAIRS = values.pair?.map((p) => p.split(/[-→>]+/) as [string, string]) ?? [
  ['PCMU', 'PCMA'], ['PCMA', 'PCMU'], ['PCMU', 'G722'], ['G722', 'PCMU'], ['PCMU', 'opus'], ['opus', 'PCMU'],
];

function speech(rate: number, seconds: number): Int16Array {
  const pcm = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < pcm.length; i++) {
    const t = i / rate;
    const phase = 2 * Math.PI * 140 * t + (20 / 0.7) * (1 - Math.cos(2 * Math.PI * 0.7 * t));
    let s = 0;
    for (let k = 1; k * 140 < 3400; k++) s += Math.sin(k * phase + k) / k;
    const ph = (t * 4) % 1;
    const env = ph < 0.8 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * ph) / 0.8) : 0;
    pcm[i] = Math.round(4000 * s * (0.1 + 0.9 * env));
  }
  return pcm;
}

/** 20 ms RTP packets of codec c carrying `seconds` of speech. */
function packetize(c: PtCodec, seconds: number): Buffer[] {
  const enc = createEncoder(c.codec, naturalRate(c.codec))!;
  const pcm = speech(enc.rate, seconds);
  const frame = enc.rate / 50;
  const payload = new Uint8Array(4000);
  const out: Buffer[] = [];
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    const n = enc.encode(pcm, i, frame, payload, 0);
    const b = Buffer.alloc(12 + n);
    b[0] = 0x80;
    b[1] = c.pt;
    b.writeUInt32BE(0x5eed, 8);
    b.set(payload.subarray(0, n), 12);
    out.push(b);
  }
  enc.close();
  return out;
}

class CountingOut implements RtpOut {
  packets = 0;
  bytes = 0;
  sendRtp(_buf: Buffer, _off: number, len: number): void {
    this.packets++;
    this.bytes += len;
  }
}

function config(from: PtCodec, to: PtCodec): DirectionConfig {
  return { decoders: [from], encoder: to, passthrough: [], dtmfIn: [], dtmfOut: null, detectInband: false, cnIn: [], cnOut: -1 };
}

/** One rep: CPU µs (user + system of this process) and wall µs per packet. */
function rep(cfg: DirectionConfig, packets: Buffer[], n: number, ticks: number): { us: number; wallUs: number; out: number } {
  const sink = new CountingOut();
  const t = new DirectionTranscoder(cfg, sink);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const p = packets[i % packets.length]!;
    p.writeUInt16BE(i & 0xffff, 2);
    p.writeUInt32BE((i * ticks) >>> 0, 4);
    t.push(p, 0, p.length, i * 20);
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  t.close();
  return { us: (c.user + c.system) / n, wallUs: ns / 1000 / n, out: sink.packets };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  await Promise.all([initCodecWasm(), initResamplerWasm()]);
  console.log(`DirectionTranscoder.push, CPU µs per 20 ms packet: median of ${REPS} reps of ${PACKETS} packets [min, max]; wall µs median`);
  console.log('pair            CPU median   [min, max]        wall   out/in');
  for (const [a, b] of PAIRS) {
    const from = CODECS[a], to = CODECS[b];
    if (!from || !to || codecKind(from.codec) === null) throw new Error(`unknown pair ${a}→${b}`);
    const packets = packetize(from, 5);
    const ticks = from.codec.clock / 50;
    const cfg = config(from, to);
    rep(cfg, packets, PACKETS, ticks); // warm-up (JIT, WASM tiers)
    const r: number[] = [];
    const w: number[] = [];
    let out = 0;
    for (let i = 0; i < REPS; i++) {
      const x = rep(cfg, packets, PACKETS, ticks);
      r.push(x.us);
      w.push(x.wallUs);
      out = x.out;
    }
    const name = `${a}→${b}`.padEnd(14);
    const range = `[${Math.min(...r).toFixed(1)}, ${Math.max(...r).toFixed(1)}]`.padEnd(16);
    console.log(`${name} ${median(r).toFixed(1).padStart(7)} µs  ${range} ${median(w).toFixed(1).padStart(7)}   ${(out / PACKETS).toFixed(2)}`);
  }
}

await main();
