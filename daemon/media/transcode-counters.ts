/**
 * Per-chain transcoding counters: rtpengine 10.5's rtpengine_transcode_{packets,bytes,samples}_total{chain}
 * (and the rates of CLI `list transcoders`). What rtpengine counts, measured on the real daemon
 * (PCMU caller, `codec: {transcode: ['PCMA' | 'opus']}`, callee answering only that codec, RTP both ways):
 *
 * - chain: `DECODER -> ENCODER` per direction, `name/clock` (`/channels` when not mono), e.g.
 *   `PCMU/8000 -> PCMA/8000`, `PCMU/8000 -> opus/48000`; a call transcoding both ways has two chains.
 * - packets: RTP packets arriving at the chain's decoder (counted before decoding, in its codec
 *   handler: rtpengine's packets_input), 100 sent → 100.
 * - bytes: their RTP payload bytes (no header, no padding: bytes_input), 100 × 160 → 16000, for
 *   PCMU → opus as well (so input bytes, not the encoder's output).
 * - samples: PCM samples the decoder produced, at the encoder's rate (rtpengine resamples inside the
 *   decoder): PCMU → PCMA 100 × 160 → 16000, PCMU → opus 95904 (100 × 960 less the resampler's delay).
 * - the counters and their chain stay after the call ends (counters do not go back; the
 *   rtpengine_transcoders gauge returns to 0).
 * - ng `statistics` lists them too: `transcoders` = one dict per chain, `chain`, `num` (running now),
 *   `packetrate`/`byterate`/`samplerate` only when the chain had packets in the previous second, then
 *   `packets`, `bytes`, `samples` (control/statistics.ts transcoderStats).
 * - /metrics: counter families without HELP, label `chain` only; CLI `list transcoders` prints
 *   `CHAIN: N transcoders` per chain ever seen (`No stats entries` before any) and, for a chain with
 *   packets in the previous second, that second's `packets/s`, `bytes/s`, `samples/s` (ChainTotals.rates()).
 *   rtpengine's source (statistics.c, codec.c, cli.c) agrees: packets_input/bytes_input counted as an
 *   RTP packet enters the transcoding handler, pcm_samples as each decoded frame comes out.
 *
 * Worker side (SlotChainCounter, one per transcoding slot, made when the slot's transcoding is set):
 * per packet only Float64Array increments into the worker's StreamTable transcode region (stream-table.ts
 * xcIndex), one block of XC_FIELDS per (slot, chain). The chain of a packet is found by its PT:
 * decoders[k] of the slot's DirectionConfig is chain k (k < XC_CHAINS), unless its PT passes
 * through unchanged (no chain, as activeTranscoding() in metrics/rtpengine-families.ts counts them).
 * Samples are not visible outside the transcoder, so they are the packet's duration at the encoder's
 * natural PCM rate (transcode/codecs.ts naturalRate: rtpengine's encoder formats, opus at 48000): the
 * RTP timestamp step from the previous audio packet of the slot, or the decoder's announced ptime
 * (20 ms when none) for the first packet, after a jump, or a chain switch. Exact for a steady stream;
 * rtpengine's resampler delay (tens of samples once) is not subtracted.
 *
 * Main side (ChainTotals / WorkerChains): the worker's counters only grow (StreamTable.reset leaves
 * this region alone), so the main thread keeps a baseline per (slot, chain). When a slot's transcoding
 * changes or the slot closes, what it counted since the baseline is folded into the per-chain totals
 * under the chains it had, and the baseline moves up: the totals never go backwards, whatever happens
 * to the slot. A scrape adds the live slots' counts since their baselines. Packets the worker counts
 * between a reconfiguration being sent and being applied land under the new chains (a few packets).
 */
import type { CodecSpec, DirectionConfig } from '../../transcode/types.js';
import { naturalRate } from '../../transcode/codecs.js';
import { rtpHeaderLength, rtpPaddingLength, rtpSsrc, rtpTimestamp } from '../../protocol/rtp/header.js';
import { XC_BYTES, XC_CHAINS, XC_FIELDS, XC_PACKETS, XC_SAMPLES, type StreamTable } from './stream-table.js';

/** rtpengine's codec name in a chain label: `encoding/clock`, `/channels` when not mono (e.g. `opus/48000/2`). */
export function codecLabel(c: CodecSpec): string {
  return `${c.name}/${c.clock}${c.channels > 1 ? `/${c.channels}` : ''}`;
}

export function chainLabel(decoder: CodecSpec, encoder: CodecSpec): string {
  return `${codecLabel(decoder)} -> ${codecLabel(encoder)}`;
}

/**
 * The counted chain index of each decoder of `cfg` (-1: passthrough PT, a PT already taken by an
 * earlier decoder, or beyond XC_CHAINS). Worker and main thread both use this, so they agree.
 */
export function chainIndexes(cfg: DirectionConfig): number[] {
  const seen = new Set<number>();
  return cfg.decoders.map((d, k) => {
    const ok = k < XC_CHAINS && d.pt >= 0 && d.pt < 128 && !seen.has(d.pt) && !cfg.passthrough.includes(d.pt);
    seen.add(d.pt);
    return ok ? k : -1;
  });
}

/** Longest RTP timestamp step taken as one packet's duration (rtpengine's packets are at most 120 ms... with room). */
const MAX_STEP_MS = 200;

/** Worker side: one transcoding slot's chain counters. Built at configure time; count() allocates nothing. */
export class SlotChainCounter {
  /** PT → chain index (-1 none). */
  private readonly ptChain = new Int8Array(128).fill(-1);
  /** Per chain: encoder samples per decoder clock tick, default packet duration and largest step in ticks. */
  private readonly perTick = new Float64Array(XC_CHAINS);
  private readonly defTicks = new Float64Array(XC_CHAINS);
  private readonly maxTicks = new Float64Array(XC_CHAINS);
  private lastChain = -1;
  private lastTs = 0;
  private lastSsrc = 0;
  /** Timestamp and SSRC of the packet input() counted (the transcoder may rewrite its header in place). */
  private inTs = 0;
  private inSsrc = 0;

  /** `base`: index of this slot's block in `f64` (StreamTable xcIndex(slot, 0)). */
  constructor(private readonly f64: Float64Array, private readonly base: number, cfg: DirectionConfig) {
    const encRate = naturalRate(cfg.encoder.codec) || (cfg.encoder.codec.clock > 0 ? cfg.encoder.codec.clock : 8000);
    const idx = chainIndexes(cfg);
    for (let k = 0; k < idx.length; k++) {
      if (idx[k]! < 0) continue;
      const d = cfg.decoders[k]!;
      const clock = d.codec.clock > 0 ? d.codec.clock : naturalRate(d.codec) || 8000;
      this.ptChain[d.pt] = k;
      this.perTick[k] = encRate / clock;
      this.defTicks[k] = ((d.codec.ptime > 0 ? d.codec.ptime : 20) * clock) / 1000;
      this.maxTicks[k] = (MAX_STEP_MS * clock) / 1000;
    }
  }

  /**
   * An RTP packet arriving at the transcoder: counts packet and payload bytes when its PT is a
   * chain's, and returns that chain (-1: not counted, e.g. passthrough, DTMF, CN, malformed).
   */
  input(buf: Uint8Array, off: number, len: number): number {
    const k = this.ptChain[buf[off + 1]! & 0x7f]!;
    if (k < 0) return -1;
    const h = rtpHeaderLength(buf, off, len);
    if (h < 0) return -1;
    const pad = rtpPaddingLength(buf, off, len, h);
    if (pad < 0) return -1;
    const b = this.base + k * XC_FIELDS;
    this.f64[b + XC_PACKETS]! += 1;
    this.f64[b + XC_BYTES]! += len - h - pad;
    this.inTs = rtpTimestamp(buf, off);
    this.inSsrc = rtpSsrc(buf, off);
    return k;
  }

  /** The transcoder took the packet input() last counted, of chain `k`: its samples. */
  decoded(k: number): void {
    const ts = this.inTs;
    const ssrc = this.inSsrc;
    const step = (ts - this.lastTs) | 0;
    const ticks = k === this.lastChain && ssrc === this.lastSsrc && step > 0 && step <= this.maxTicks[k]! ? step : this.defTicks[k]!;
    this.lastChain = k;
    this.lastTs = ts;
    this.lastSsrc = ssrc;
    this.f64[this.base + k * XC_FIELDS + XC_SAMPLES]! += Math.round(ticks * this.perTick[k]!);
  }
}

/** One chain's counts. */
export interface ChainCounts {
  packets: number;
  bytes: number;
  samples: number;
}

/** Main side: per-chain totals of everything folded so far (all workers). */
export class ChainTotals {
  readonly folded = new Map<string, Float64Array>();
  private readonly workers: WorkerChains[] = [];
  private prev = new Map<string, ChainCounts>();
  private lastRates = new Map<string, ChainCounts>();

  /** The tracker of one worker's table (kept after the worker died: its counts still count). */
  track(table: StreamTable): WorkerChains {
    const w = new WorkerChains(table, this);
    this.workers.push(w);
    return w;
  }

  add(chain: string, field: number, v: number): void {
    let t = this.folded.get(chain);
    if (t === undefined) this.folded.set(chain, (t = new Float64Array(XC_FIELDS)));
    t[field]! += v;
  }

  /**
   * Once a second (the daemon's rate timer, control/statistics.ts TrafficRates): each chain's counts
   * since the previous call, for CLI `list transcoders` (rtpengine prints a chain's last-second counts
   * only when it had packets in that second).
   */
  sampleRates(): void {
    const now = this.snapshot();
    const rates = new Map<string, ChainCounts>();
    for (const [chain, n] of now) {
      const p = this.prev.get(chain);
      const packets = n.packets - (p?.packets ?? 0);
      if (packets > 0) rates.set(chain, { packets, bytes: n.bytes - (p?.bytes ?? 0), samples: n.samples - (p?.samples ?? 0) });
    }
    this.prev = now;
    this.lastRates = rates;
  }

  /** The last second's counts per chain (sampleRates()). */
  rates(): ReadonlyMap<string, ChainCounts> {
    return this.lastRates;
  }

  /** Totals per chain: folded plus the live slots' counts since their baselines. Every chain ever configured appears. */
  snapshot(): Map<string, ChainCounts> {
    const sums = new Map<string, Float64Array>();
    for (const [chain, t] of this.folded) sums.set(chain, Float64Array.from(t));
    for (const w of this.workers) w.addLive(sums);
    const out = new Map<string, ChainCounts>();
    for (const [chain, t] of sums) out.set(chain, { packets: t[XC_PACKETS]!, bytes: t[XC_BYTES]!, samples: t[XC_SAMPLES]! });
    return out;
  }
}

/** Main side, one worker: each slot's chain labels and baselines. */
export class WorkerChains {
  /** Chain labels of the slots that transcode now ('' = no chain at that index). */
  private readonly labels = new Map<number, string[]>();
  /** Baselines of every slot that ever transcoded (only those can have counted anything). */
  private readonly base = new Map<number, Float64Array>();

  constructor(private readonly table: StreamTable, private readonly totals: ChainTotals) {}

  /** The slot's transcoding from now on (null: none, or the slot closes): folds what it counted so far. */
  set(slot: number, cfg: DirectionConfig | null): void {
    this.fold(slot);
    if (cfg === null) {
      this.labels.delete(slot);
      return;
    }
    if (!this.base.has(slot)) this.base.set(slot, this.table.f64.slice(this.table.xcIndex(slot, 0), this.table.xcIndex(slot + 1, 0)));
    const idx = chainIndexes(cfg);
    const labels = new Array<string>(XC_CHAINS).fill('');
    for (let k = 0; k < idx.length; k++) {
      if (idx[k]! < 0) continue;
      labels[k] = chainLabel(cfg.decoders[k]!.codec, cfg.encoder.codec);
      for (let f = 0; f < XC_FIELDS; f++) this.totals.add(labels[k]!, f, 0); // the chain appears at once, at 0
    }
    this.labels.set(slot, labels);
  }

  private fold(slot: number): void {
    const base = this.base.get(slot);
    if (base === undefined) return;
    const labels = this.labels.get(slot);
    const f64 = this.table.f64;
    const t = this.table.xcIndex(slot, 0);
    for (let i = 0; i < XC_CHAINS * XC_FIELDS; i++) {
      const d = f64[t + i]! - base[i]!;
      if (d === 0) continue;
      const label = labels?.[Math.floor(i / XC_FIELDS)] ?? '';
      if (label !== '') this.totals.add(label, i % XC_FIELDS, d);
      base[i] = f64[t + i]!;
    }
  }

  addLive(sums: Map<string, Float64Array>): void {
    const f64 = this.table.f64;
    for (const [slot, labels] of this.labels) {
      const base = this.base.get(slot)!;
      const t = this.table.xcIndex(slot, 0);
      for (let k = 0; k < XC_CHAINS; k++) {
        if (labels[k] === '') continue;
        let s = sums.get(labels[k]!);
        if (s === undefined) sums.set(labels[k]!, (s = new Float64Array(XC_FIELDS)));
        for (let f = 0; f < XC_FIELDS; f++) s[f]! += f64[t + k * XC_FIELDS + f]! - base[k * XC_FIELDS + f]!;
      }
    }
  }
}
