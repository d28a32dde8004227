// One transcoded direction: RTP from the sender (decrypted) → RTP toward the recipient (before
// protection), as transcode/types.ts's DirectionConfig describes it. Pure: no sockets, no timers
// (the worker calls tick()).
//
// Audio: decode (the PT's decoder) → resample when the decoder's PCM rate is not the encoder's →
// PCM FIFO → encode in frames of the encoder's ptime. When the frames match (the usual case), every
// input packet gives one output packet at once: nothing is held, and the resampler's filter delay is
// leading silence inside the first frame (transcode/resampler.ts). Other ptimes fall out of the FIFO.
//
// RTP header out (RFC 3550 §5.1): V=2, no CSRC, no extension, no padding; PT the encoder's; marker
// from the input (carried to the next packet out when a repacketized input gives none; rtpengine
// 10.5 drops it, measured); SSRC one of our own per input SSRC (as rtpengine 10.5, measured);
// sequence numbers from one RtpSequencer per direction (output = input while frames match, as
// rtpengine 10.5); timestamp = the input's scaled to the encoder's clock, through a base that is
// moved whenever the input clock or the encoder changes, so the output timeline continues across
// codec switches and update() (a new input SSRC starts a new one). Input loss stays a gap in both
// sequence number and timestamp (rtpengine 10.5 closes it in the timestamp, measured).
//
// DTMF (transcode/dtmf.ts's DtmfProcessor): telephone-events are re-timed onto the recipient's PT or
// played in-band; in-band digits may become events; the processor sees every PCM frame right before
// it is encoded, and sends events through this class (EventWriter), which numbers them in the same
// sequence space. CN (RFC 3389): passed on to a recipient with CN at the same clock, else turned into
// comfort-noise frames (transcode/comfort-noise.ts), one per ptime from tick() until audio returns.
//
// Per-packet work allocates nothing: every buffer is sized at construction (or update()) for the
// worst case, a 120 ms packet.

import type { AudioDecoder, AudioEncoder } from './codec.js';
import { MAX_PACKET_MS, codecKind, createDecoder, createEncoder, naturalRate, type CodecKind } from './codecs.js';
import { ComfortNoise, parseCnLevel } from './comfort-noise.js';
import { DtmfProcessor, type EventWriter } from './dtmf.js';
import { ALAW_TO_ULAW, ULAW_TO_ALAW } from './g711.js';
import { Resampler } from './resampler.js';
import { RtpSequencer } from './rtp-sequencer.js';
import type { DirectionConfig, DtmfPt, RtpOut } from './types.js';
import {
  RTP_HEADER_MIN, rtpHeaderLength, rtpMarker, rtpPaddingLength, rtpPayloadType, rtpSequence, rtpSsrc,
  rtpTimestamp, setRtpSequence, setRtpSsrc, writeRtpHeader,
} from '../protocol/rtp/header.js';

/** One input payload type that carries audio: its decoder and, if needed, its resampler. */
interface DecoderSlot {
  clock: number;
  decoder: AudioDecoder;
  resampler: Resampler | null;
  /**
   * G.711 in and G.711 out: the byte map from this PT's law to the encoder's (what decode + encode
   * gives, transcode/g711.ts), used when a packet is exactly one output frame.
   */
  g711Map: Uint8Array | null;
}

const G711_IDENTITY = Uint8Array.from({ length: 256 }, (_, i) => i);

function g711Map(from: CodecKind | null, to: CodecKind | null): Uint8Array | null {
  if ((from !== 'PCMU' && from !== 'PCMA') || (to !== 'PCMU' && to !== 'PCMA')) return null;
  return from === to ? G711_IDENTITY : from === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
}

/** Counters the worker may read (plain numbers, never reset here). */
export interface DirectionStats {
  /** Packets that could not be parsed (RFC 3550 §5.1 checks). */
  malformed: number;
  /** Packets whose PT the sender may not send (not a decoder, passthrough, DTMF or CN PT). */
  unknownPt: number;
  /** Payloads a decoder refused, or audio that could not be encoded. */
  undecodable: number;
  /** Telephone-events with no telephone-event on the recipient's side. */
  dtmfDropped: number;
  /** Comfort-noise packets the recipient cannot take. */
  cnDropped: number;
}

/** In-band DTMF frames made for one event packet at most (RFC 4733 §2.5.1.2 updates come every 50 ms). */
const MAX_FILL_FRAMES = 6;

/** How many input SSRC → output SSRC pairs a direction remembers. */
const SSRC_MAP = 4;

/** Opus frame durations usable as a ptime (RFC 6716 §2.1.4; 2.5 and 5 ms are not whole ms). */
const OPUS_PTIMES = [10, 20, 40, 60, 80, 100, 120];

function encoderPtime(cfg: DirectionConfig): number {
  let p = cfg.encoder.codec.ptime > 0 ? cfg.encoder.codec.ptime : 20;
  if (p > MAX_PACKET_MS) p = MAX_PACKET_MS;
  if (codecKind(cfg.encoder.codec) === 'OPUS') {
    let best = 10;
    for (const v of OPUS_PTIMES) if (v <= p) best = v;
    p = best;
  }
  return p;
}

/** Comfort noise stops this long after the sender's last CN packet with no audio since (RFC 3389 §4 updates come far more often). */
const CN_TIMEOUT_MS = 30_000;
/** At most this many comfort-noise frames catch up in one tick (a stalled worker does not burst). */
const CN_MAX_CATCHUP = 5;

export class DirectionTranscoder implements EventWriter {
  readonly stats: DirectionStats = { malformed: 0, unknownPt: 0, undecodable: 0, dtmfDropped: 0, cnDropped: 0 };
  private readonly out: RtpOut;
  private readonly seq = new RtpSequencer();
  private cfg!: DirectionConfig;
  private closed = false;

  // ---- codecs (rebuilt by update()) ----
  private encoder: AudioEncoder | null = null;
  private encRate = 8000;
  private encClock = 8000;
  private encPt = 0;
  private frameSamples = 160;
  /** RTP clock ticks per encoded frame. */
  private frameTicks = 160;
  private slots: (DecoderSlot | null)[] = [];
  private passthrough = new Uint8Array(128);
  private cnIn = new Uint8Array(128);
  private dtmfIn: (DtmfPt | null)[] = [];
  /** RFC 4733 events ↔ in-band DTMF (transcode/dtmf.ts); null when the sender has no telephone-event and nothing is detected. */
  private dtmf: DtmfProcessor | null = null;
  /** Comfort noise made for a recipient without CN (cfg.cnIn set, cfg.cnOut -1). */
  private cn: ComfortNoise | null = null;
  private cnActive = false;
  private cnNextMs = 0;
  private cnLastMs = 0;
  /** In-band DTMF frames were made for an event (fillForEvent) and no newer audio has come since. */
  private fillerActive = false;
  private ptimeMs = 20;

  // ---- buffers ----
  private decBuf = new Int16Array(0);
  private rsBuf = new Int16Array(0);
  private fifo = new Int16Array(0);
  private fifoLen = 0;
  /** Output timestamp of fifo[0]. */
  private fifoTs = 0;
  private outBuf = Buffer.alloc(0);

  // ---- stream state (survives update()) ----
  /** The input SSRC of the stream in progress, and the SSRC its packets go out with. */
  private inSsrc = 0;
  private haveSsrc = false;
  private ssrc = 0;
  /** Output SSRCs of the last input SSRCs seen (a sender that switches back gets its old one). */
  private readonly ssrcIn = new Float64Array(SSRC_MAP);
  private readonly ssrcOut = new Float64Array(SSRC_MAP);
  private ssrcCount = 0;
  private haveBase = false;
  /** Timestamp base: input ts baseIn (at clock baseClock) maps to output ts baseOut. */
  private baseIn = 0;
  private baseClock = 8000;
  private baseOut = 0;
  /** Output timestamp that follows the last packet sent (where a rebased timeline continues). */
  private nextOutTs = 0;
  private sentAny = false;
  private pendingMarker = false;
  private emitted = 0;

  constructor(cfg: DirectionConfig, out: RtpOut) {
    this.out = out;
    this.build(cfg);
  }

  /** A re-negotiation: new codecs; output SSRC, sequence and timestamp stay continuous. */
  update(cfg: DirectionConfig): void {
    if (this.closed) return;
    this.freeCodecs();
    this.build(cfg);
    this.fifoLen = 0; // PCM at the old rate cannot go into the new encoder
    if (this.haveBase) this.rebase = true;
  }

  /** Set when the next audio packet must move the timestamp base (clock or encoder changed). */
  private rebase = false;

  private build(cfg: DirectionConfig): void {
    this.cfg = cfg;
    const enc = cfg.encoder;
    const firstDec = cfg.decoders.length > 0 ? naturalRate(cfg.decoders[0]!.codec) : 0;
    this.encoder = createEncoder(enc.codec, firstDec > 0 ? firstDec : undefined);
    this.encPt = enc.pt;
    this.encClock = enc.codec.clock > 0 ? enc.codec.clock : 8000;
    this.encRate = this.encoder !== null ? this.encoder.rate : naturalRate(enc.codec) || 8000;
    const ptime = encoderPtime(cfg);
    this.ptimeMs = ptime;
    this.frameSamples = Math.round((this.encRate * ptime) / 1000);
    this.frameTicks = Math.round((this.encClock * ptime) / 1000);

    this.slots = new Array<DecoderSlot | null>(128).fill(null);
    let maxDecRate = 8000;
    for (const d of cfg.decoders) {
      if (d.pt < 0 || d.pt > 127 || this.slots[d.pt] !== null) continue;
      const decoder = createDecoder(d.codec, this.encRate);
      if (decoder === null) continue;
      const resampler = decoder.rate !== this.encRate ? new Resampler(decoder.rate, this.encRate) : null;
      const map = g711Map(codecKind(d.codec), codecKind(enc.codec));
      this.slots[d.pt] = { clock: d.codec.clock > 0 ? d.codec.clock : decoder.rate, decoder, resampler, g711Map: map };
      if (decoder.rate > maxDecRate) maxDecRate = decoder.rate;
    }
    this.passthrough = new Uint8Array(128);
    for (const pt of cfg.passthrough) if (pt >= 0 && pt < 128) this.passthrough[pt] = 1;
    this.cnIn = new Uint8Array(128);
    for (const pt of cfg.cnIn) if (pt >= 0 && pt < 128) this.cnIn[pt] = 1;
    this.dtmfIn = new Array<DtmfPt | null>(128).fill(null);
    for (const d of cfg.dtmfIn) if (d.pt >= 0 && d.pt < 128) this.dtmfIn[d.pt] = d;
    // A DtmfProcessor only where events are not simply passed on (or digits are detected): without
    // one, G.711 ↔ G.711 takes the byte-map path.
    let eventsToProcess = false;
    for (const d of cfg.dtmfIn) if (this.passthrough[d.pt] !== 1) eventsToProcess = true;
    this.dtmf = eventsToProcess || (cfg.detectInband && cfg.dtmfOut !== null) ? new DtmfProcessor(cfg, this.encRate, this) : null;
    this.cn = cfg.cnIn.length > 0 && cfg.cnOut < 0 ? new ComfortNoise(this.encRate) : null;
    this.cnActive = false;

    // Buffers for the worst case: a 120 ms packet at the fastest rate in play.
    const maxDec = Math.ceil((maxDecRate * MAX_PACKET_MS) / 1000) + 16;
    const maxEnc = Math.ceil((this.encRate * MAX_PACKET_MS) / 1000) + 64;
    if (this.decBuf.length < maxDec) this.decBuf = new Int16Array(maxDec);
    if (this.rsBuf.length < maxEnc) this.rsBuf = new Int16Array(maxEnc);
    const fifoSize = 2 * maxEnc + this.frameSamples;
    if (this.fifo.length < fifoSize) this.fifo = new Int16Array(fifoSize);
    // Encoded payload: at most 2 bytes a sample (L16); events and CN are far smaller; passthrough is sent in place.
    const outSize = RTP_HEADER_MIN + Math.max(2 * this.frameSamples, 4000) + 64;
    if (this.outBuf.length < outSize) this.outBuf = Buffer.alloc(outSize);
  }

  /**
   * One decrypted RTP packet from the sender (header included). Returns the number of packets
   * emitted (>= 0), or -1: dropped (malformed, unknown PT, undecodable, or a DTMF/CN packet the
   * recipient cannot take; stats says which). A passthrough packet is sent from buf itself, with
   * its sequence number and SSRC rewritten in place.
   */
  push(buf: Buffer, off: number, len: number, nowMs: number): number {
    if (this.closed) return -1;
    const h = rtpHeaderLength(buf, off, len);
    if (h < 0) { this.stats.malformed++; return -1; }
    const pad = rtpPaddingLength(buf, off, len, h);
    if (pad < 0) { this.stats.malformed++; return -1; }
    const pOff = off + h;
    const pLen = len - h - pad;
    const pt = rtpPayloadType(buf, off);
    const inSeq = rtpSequence(buf, off);
    const inTs = rtpTimestamp(buf, off);
    const ssrc = rtpSsrc(buf, off);
    const marker = rtpMarker(buf, off);

    if (this.passthrough[pt] === 1) return this.pushPassthrough(buf, off, len, inSeq, ssrc);
    const slot = this.slots[pt];
    if (slot !== null) return this.pushAudio(slot, buf, pOff, pLen, inSeq, inTs, ssrc, marker, nowMs);
    if (this.dtmfIn[pt] !== null) return this.pushEvent(buf, pOff, pLen, pt, inSeq, inTs, ssrc, marker, nowMs);
    if (this.cnIn[pt] === 1) return this.pushCn(buf, pOff, pLen, inSeq, inTs, ssrc, marker, nowMs);
    this.stats.unknownPt++;
    return -1;
  }

  /**
   * Timers: the DtmfProcessor's (a detected digit whose audio stopped, a tone past its deadline) and
   * comfort noise, one frame per ptime while the sender is in CN silence. The worker calls it every
   * <= 20 ms.
   */
  tick(nowMs: number): void {
    if (this.closed) return;
    this.dtmf?.tick(nowMs);
    if (!this.cnActive) return;
    if (nowMs - this.cnLastMs > CN_TIMEOUT_MS) { this.cnActive = false; return; }
    for (let k = 0; k < CN_MAX_CATCHUP && nowMs >= this.cnNextMs; k++) {
      this.emitted = 0;
      this.noiseFrame(this.nextOutTs, nowMs); // numbered as injected packets (RtpSequencer)
      this.cnNextMs += this.ptimeMs;
    }
    if (nowMs >= this.cnNextMs) this.cnNextMs = nowMs + this.ptimeMs; // too far behind: skip, do not burst
  }

  /** EventWriter (transcode/dtmf.ts): one telephone-event payload toward the recipient, on cfg.dtmfOut.pt. */
  sendEvent(payload: Uint8Array, off: number, len: number, timestamp: number, marker: boolean): void {
    const outPt = this.cfg.dtmfOut;
    if (outPt === null || this.closed || len < 0 || len > 1024) return;
    const b = this.outBuf;
    for (let i = 0; i < len; i++) b[RTP_HEADER_MIN + i] = payload[off + i]!;
    this.send(outPt.pt, marker, timestamp >>> 0, len);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.freeCodecs();
  }

  // ---- packet kinds ----

  private pushPassthrough(buf: Buffer, off: number, len: number, inSeq: number, ssrc: number): number {
    this.noteSsrc(ssrc);
    this.seq.begin(inSeq);
    setRtpSequence(buf, off, this.seq.next());
    setRtpSsrc(buf, off, this.ssrc);
    this.seq.end();
    this.out.sendRtp(buf, off, len);
    return 1;
  }

  private pushAudio(
    slot: DecoderSlot, buf: Buffer, pOff: number, pLen: number, inSeq: number, inTs: number, ssrc: number,
    marker: boolean, nowMs: number,
  ): number {
    const enc = this.encoder;
    if (enc === null) { this.stats.undecodable++; return -1; }
    // (not while a DtmfProcessor needs the PCM, or comfort noise was playing)
    if (slot.g711Map !== null && pLen === this.frameSamples && this.fifoLen === 0 && this.dtmf === null && !this.cnActive) {
      return this.pushG711(slot.g711Map, buf, pOff, pLen, inSeq, inTs, ssrc, marker, slot.clock);
    }
    // Decode first: an undecodable payload changes no state.
    const n = pLen > 0 ? slot.decoder.decode(buf, pOff, pLen, this.decBuf, 0) : -1;
    if (n <= 0) { this.stats.undecodable++; return -1; }
    this.noteSsrc(ssrc);
    const outTs = this.mapTimestamp(inTs, slot.clock);
    this.dtmf?.setClockMap(slot.clock, inTs, outTs);
    this.cnActive = false; // audio again: the sender's silence is over
    if (this.fillerActive) {
      if (((outTs - this.nextOutTs) | 0) < 0) {
        // Audio for a time that in-band DTMF frames already went out for: not sent twice.
        this.seq.begin(inSeq);
        this.seq.end();
        return 0;
      }
      this.fillerActive = false;
    }

    let src = this.decBuf;
    let m = n;
    if (slot.resampler !== null) {
      m = slot.resampler.process(this.decBuf, 0, n, this.rsBuf, 0);
      src = this.rsBuf;
    }
    const queued = this.fifoLen > 0;
    this.fifoAppend(src, m, outTs);
    if (marker) this.pendingMarker = true;

    this.emitted = 0;
    this.seq.begin(inSeq, queued);
    this.drainFifo(enc, nowMs);
    this.seq.end();
    return this.emitted;
  }

  /** Encodes and sends every whole frame in the FIFO (inside the caller's seq.begin … end). */
  private drainFifo(enc: AudioEncoder, nowMs: number): void {
    const fs = this.frameSamples;
    let at = 0;
    while (this.fifoLen - at >= fs) {
      const ts = this.fifoTs;
      // In-band DTMF is played into, or detected in, the PCM right before it is encoded; events it
      // sends go out (and take their sequence numbers) before this frame.
      if (this.dtmf !== null) {
        this.dtmf.processPcm(this.fifo, at, fs, ts, nowMs);
        // While a re-timed event is in progress rtpengine 10.5 sends none of the sender's audio (dtmf.ts).
        if (this.dtmf.audioSuppressed(nowMs)) {
          at += fs;
          this.fifoTs = (this.fifoTs + this.frameTicks) >>> 0;
          this.advanceTimeline(ts, this.frameTicks);
          continue;
        }
      }
      const pl = enc.encode(this.fifo, at, fs, this.outBuf, RTP_HEADER_MIN);
      at += fs;
      this.fifoTs = (this.fifoTs + this.frameTicks) >>> 0;
      if (pl < 0) { this.stats.undecodable++; continue; }
      this.send(this.encPt, this.pendingMarker, ts, pl);
      this.advanceTimeline(ts, this.frameTicks);
      this.pendingMarker = false;
    }
    if (at > 0) {
      this.fifo.copyWithin(0, at, this.fifoLen);
      this.fifoLen -= at;
    }
  }

  /** G.711 → G.711, one frame in, one out: 256-byte map from one law to the other, no PCM. No DTMF processing. */
  private pushG711(
    map: Uint8Array, buf: Buffer, pOff: number, pLen: number, inSeq: number, inTs: number, ssrc: number,
    marker: boolean, clock: number,
  ): number {
    this.noteSsrc(ssrc);
    const ts = this.mapTimestamp(inTs, clock);
    const b = this.outBuf;
    for (let i = 0; i < pLen; i++) b[RTP_HEADER_MIN + i] = map[buf[pOff + i]!]!;
    this.emitted = 0;
    this.seq.begin(inSeq);
    this.send(this.encPt, marker || this.pendingMarker, ts, pLen);
    this.advanceTimeline(ts, this.frameTicks);
    this.pendingMarker = false;
    this.seq.end();
    return this.emitted;
  }

  /**
   * RFC 4733 events from the sender: the DtmfProcessor re-times them onto cfg.dtmfOut, or plays them
   * in-band into the audio (then nothing is sent for the event packet itself: it returns 0).
   */
  private pushEvent(
    buf: Buffer, pOff: number, pLen: number, pt: number, inSeq: number, inTs: number, ssrc: number, marker: boolean,
    nowMs: number,
  ): number {
    const dtmf = this.dtmf!;
    this.noteSsrc(ssrc);
    this.emitted = 0;
    this.seq.begin(inSeq);
    const ok = dtmf.onEventPacket(buf, pOff, pLen, pt, inTs, marker, nowMs);
    if (ok && this.cfg.dtmfOut === null && this.encoder !== null && pLen >= 4) {
      this.fillForEvent(this.encoder, buf, pOff, this.dtmfIn[pt]!.clock, inTs, nowMs);
    }
    this.seq.end();
    if (!ok) { this.stats.dtmfDropped++; return -1; }
    return this.emitted;
  }

  /**
   * In-band DTMF for a sender that sends events and no audio meanwhile (RFC 4733 §2.5.1 allows it):
   * frames of silence from where the audio timeline stands up to the event's current end, which
   * the DtmfProcessor fills with the tone (processPcm) before they are encoded. Audio that arrives
   * for that time later is not sent (pushAudio). At most MAX_FILL_FRAMES per event packet.
   */
  private fillForEvent(enc: AudioEncoder, buf: Buffer, pOff: number, evClock: number, inTs: number, nowMs: number): void {
    const dur = (buf[pOff + 2]! << 8) | buf[pOff + 3]!;
    // The event's output timestamp: the audio's affine map, the difference in the event's clock (as dtmf.ts).
    const evOut = this.haveBase
      ? (this.baseOut + Math.round((((inTs - this.baseIn) | 0) * this.encClock) / evClock)) >>> 0
      : scaleTs(inTs, evClock, this.encClock);
    const evEnd = (evOut + Math.round((dur * this.encClock) / evClock)) >>> 0;
    let cursor: number;
    if (this.fifoLen > 0) cursor = (this.fifoTs + Math.round((this.fifoLen * this.encClock) / this.encRate)) >>> 0;
    else if (this.sentAny && ((evOut - this.nextOutTs) | 0) <= 0) cursor = this.nextOutTs;
    else cursor = evOut; // the sender paused before the event: start at the event
    let frames = Math.floor(((evEnd - cursor) | 0) / this.frameTicks);
    if (frames <= 0) return;
    if (frames > MAX_FILL_FRAMES) frames = MAX_FILL_FRAMES;
    const fs = this.frameSamples;
    const z = this.rsBuf;
    z.fill(0, 0, fs);
    for (let k = 0; k < frames; k++) {
      this.fifoAppend(z, fs, cursor);
      cursor = (cursor + this.frameTicks) >>> 0;
    }
    this.fillerActive = true;
    this.drainFifo(enc, nowMs);
  }

  /**
   * RFC 3389 comfort noise: passed on when the recipient has CN at the same clock; made into noise
   * frames at the CN packet's level when the recipient has no CN (one now, then one per ptime from
   * tick() until audio comes back); else dropped.
   */
  private pushCn(
    buf: Buffer, pOff: number, pLen: number, inSeq: number, inTs: number, ssrc: number, marker: boolean, nowMs: number,
  ): number {
    const cnOut = this.cfg.cnOut;
    if (cnOut < 0 && this.cn !== null && this.encoder !== null) {
      const level = parseCnLevel(buf, pOff, pLen);
      if (level < 0) { this.stats.cnDropped++; return -1; }
      this.noteSsrc(ssrc);
      this.cn.setLevel(level);
      this.cnLastMs = nowMs;
      if (this.cnActive) {
        // A level update: the noise goes on from tick(); its sequence number gives no packet.
        this.seq.begin(inSeq);
        this.seq.end();
        return 0;
      }
      const inClock = this.haveBase ? this.baseClock : this.encClock;
      const ts = this.mapTimestamp(inTs, inClock);
      this.fifoLen = 0; // what was queued belongs to the talkspurt that ended
      this.cnActive = true;
      this.cnNextMs = nowMs + this.ptimeMs;
      this.emitted = 0;
      this.seq.begin(inSeq);
      this.noiseFrame(ts, nowMs);
      this.seq.end();
      return this.emitted;
    }
    // CN's clock is the audio's it goes with (RFC 3389 §4); the sender's is the clock its audio last had.
    const inClock = this.haveBase ? this.baseClock : 8000;
    if (cnOut < 0 || inClock !== this.encClock || pLen > 4000) { this.stats.cnDropped++; return -1; }
    this.noteSsrc(ssrc);
    const ts = this.mapTimestamp(inTs, inClock);
    const b = this.outBuf;
    for (let i = 0; i < pLen; i++) b[RTP_HEADER_MIN + i] = buf[pOff + i]!;
    this.emitted = 0;
    this.seq.begin(inSeq);
    this.send(cnOut, marker, ts, pLen);
    this.advanceTimeline(ts, 0);
    this.seq.end();
    // The audio that follows CN starts a talkspurt.
    this.fifoLen = 0;
    return this.emitted;
  }

  // ---- helpers ----

  /** One frame of comfort noise at output timestamp ts, encoded and sent. */
  private noiseFrame(ts: number, nowMs: number): void {
    const enc = this.encoder;
    if (enc === null || this.cn === null) return;
    const fs = this.frameSamples;
    const pcm = this.rsBuf; // free between packets
    this.cn.fill(pcm, 0, fs);
    if (this.dtmf !== null) this.dtmf.processPcm(pcm, 0, fs, ts, nowMs);
    const pl = enc.encode(pcm, 0, fs, this.outBuf, RTP_HEADER_MIN);
    if (pl < 0) return;
    this.send(this.encPt, false, ts, pl);
    this.advanceTimeline(ts, this.frameTicks);
  }

  /** Writes the header in front of outBuf[12, 12 + payloadLen) and sends it. */
  private send(pt: number, marker: boolean, ts: number, payloadLen: number): void {
    const seq = this.seq.next();
    writeRtpHeader(this.outBuf, 0, pt, marker, seq, ts, this.ssrc);
    this.out.sendRtp(this.outBuf, 0, RTP_HEADER_MIN + payloadLen);
    this.emitted++;
  }

  /** Notes where the audio timeline goes on after an audio (or CN) packet at ts lasting ticks. */
  private advanceTimeline(ts: number, ticks: number): void {
    this.sentAny = true;
    this.nextOutTs = (ts + ticks) >>> 0;
  }

  /**
   * The output SSRC for an input SSRC. rtpengine 10.5 sends transcoded media under an SSRC of its
   * own, one per input SSRC (measured: a new input SSRC gets a new output SSRC, and its timestamps
   * start from the input's again); so does this, with a small table of the last SSRC_MAP streams.
   */
  private noteSsrc(ssrc: number): void {
    if (this.haveSsrc && ssrc === this.inSsrc) return;
    if (this.haveSsrc) {
      // A new input stream: its timestamps have nothing to do with the old ones.
      this.haveBase = false;
      this.rebase = false;
      this.fifoLen = 0;
    }
    this.inSsrc = ssrc;
    this.haveSsrc = true;
    for (let i = 0; i < this.ssrcCount; i++) {
      if (this.ssrcIn[i] === ssrc) { this.ssrc = this.ssrcOut[i]!; return; }
    }
    let out = 0;
    while (out === 0) out = (Math.random() * 0x100000000) >>> 0;
    const slot = this.ssrcCount < SSRC_MAP ? this.ssrcCount++ : ssrc % SSRC_MAP;
    this.ssrcIn[slot] = ssrc;
    this.ssrcOut[slot] = out;
    this.ssrc = out;
  }

  /** The SSRC this direction's output carries now (0 before the first packet). */
  get outputSsrc(): number {
    return this.ssrc;
  }

  /** Input timestamp at clock inClock → output timestamp at the encoder's clock. */
  private mapTimestamp(inTs: number, inClock: number): number {
    if (!this.haveBase) {
      this.haveBase = true;
      this.baseIn = inTs;
      this.baseClock = inClock;
      this.baseOut = inClock === this.encClock ? inTs : scaleTs(inTs, inClock, this.encClock);
      return this.baseOut;
    }
    if (this.rebase || inClock !== this.baseClock) {
      // Codec switch to another clock, new SSRC or new encoder: continue from the last packet out.
      this.rebase = false;
      this.baseIn = inTs;
      this.baseClock = inClock;
      this.baseOut = this.sentAny ? this.nextOutTs : this.baseOut;
      return this.baseOut;
    }
    const dIn = (inTs - this.baseIn) | 0; // signed 32-bit difference (wraps)
    const dOut = inClock === this.encClock ? dIn : Math.round((dIn * this.encClock) / inClock);
    const outTs = (this.baseOut + dOut) >>> 0;
    if (dIn > 0) {
      this.baseIn = inTs;
      this.baseOut = outTs;
    }
    return outTs;
  }

  /** Appends m samples at the encoder's rate; the FIFO's head timestamp follows the input's. */
  private fifoAppend(src: Int16Array, m: number, outTs: number): void {
    const f = this.fifo;
    if (this.fifoLen === 0) {
      this.fifoTs = outTs;
    } else {
      // Input loss inside a repacketized stream: fill the hole with silence so the timeline holds.
      const endTicks = Math.round((this.fifoLen * this.encClock) / this.encRate);
      const gapTicks = (outTs - ((this.fifoTs + endTicks) >>> 0)) | 0;
      if (gapTicks > 0) {
        const gap = Math.round((gapTicks * this.encRate) / this.encClock);
        if (this.fifoLen + gap + m <= f.length) {
          f.fill(0, this.fifoLen, this.fifoLen + gap);
          this.fifoLen += gap;
        }
      }
    }
    if (this.fifoLen + m > f.length) {
      // Cannot happen with packets <= 120 ms; keep the newest audio if it does.
      this.fifoLen = 0;
      this.fifoTs = outTs;
      if (m > f.length) m = f.length;
    }
    const base = this.fifoLen;
    for (let i = 0; i < m; i++) f[base + i] = src[i]!;
    this.fifoLen += m;
  }

  private freeCodecs(): void {
    this.dtmf?.close();
    this.dtmf = null;
    this.encoder?.close();
    this.encoder = null;
    for (const s of this.slots) {
      if (s === null) continue;
      s.decoder.close();
      s.resampler?.close();
    }
    this.slots = new Array<DecoderSlot | null>(128).fill(null);
  }
}

/** ts at clock `from` → clock `to`, mod 2^32 (for a first packet; later ones move by differences). */
function scaleTs(ts: number, from: number, to: number): number {
  return Math.round((ts * to) / from) % 0x100000000 >>> 0;
}
