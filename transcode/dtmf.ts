/**
 * DTMF for one transcoded direction (RFC 4733 telephone-events ↔ in-band ITU-T Q.23 tones), the
 * DirectionTranscoder's helper. Three jobs, chosen by the DirectionConfig:
 *
 * 1. Re-timing (cfg.dtmfOut set): each telephone-event packet from the sender is sent on to the
 *    recipient on dtmfOut.pt, its RTP timestamp and duration field scaled from the sender's event
 *    clock to dtmfOut.clock (RFC 4733 §2.3.5), every packet once (so the end packet's
 *    retransmissions, §2.5.1.4, are passed on one for one). A duration that no longer fits 16 bits
 *    after scaling is split into segments, §2.5.1.3 (new timestamp += 0xFFFF, no marker).
 * 2. In-band generation (cfg.dtmfOut null): the event is played as its Q.23 tone pair into the PCM
 *    that processPcm() gets, overwriting the audio for the event's duration; the level follows the
 *    event's volume (§2.3.4) as rtpengine 10.5 scales it (dtmf-tone.ts tonePeak), volume 10 when it is 0.
 * 3. In-band detection (cfg.detectInband and cfg.dtmfOut): Goertzel detection (dtmf-detector.ts) on
 *    the PCM going to the recipient; a digit becomes events on dtmfOut: a start packet with the
 *    marker bit, updates every 50 ms, three end packets (§2.5.1.2, §2.5.1.4).
 *
 * Timestamps. The transcoder calls setClockMap(inClock, inTs, outTs) whenever it maps an audio
 * packet's input RTP timestamp inTs (sender clock inClock) to its output timestamp outTs (recipient
 * audio clock = cfg.encoder.codec.clock). An event with RTP timestamp ts on a dtmfIn entry of clock
 * c goes out at  outTs + ((ts - inTs) as signed 32-bit) × outClock / c : the same affine map as
 * the audio, the difference taken in the event's own clock units (a sender's events share its audio's
 * timestamp base; dtmfOut is at the encoder's clock). All packets of one event (same input timestamp)
 * keep the output timestamp its first packet got. Before any map exists the event timestamp is only
 * scaled by outClock / c. processPcm()'s outTimestamp is the recipient clock too; PCM samples are
 * converted with pcmRate / outClock (G.722: clock 8000, PCM 16000).
 *
 * Bad input (RFC 4733 §2.3): a payload under 4 bytes and a PT not in cfg.dtmfIn are dropped
 * (onEventPacket returns false; nothing is sent or played). Like rtpengine 10.5 when it re-times
 * (test/dev/dtmf-rtpengine-probe.mjs retime), a duration of 0 and a duration going backwards are
 * re-timed and sent on as they are; events 16-255 are valid and re-timed too, but play no tone.
 * A tone never outlives EVENT_TIMEOUT_MS after the event's last packet (no end packet), and ends at
 * the largest duration seen (durations going backwards, an end packet with duration 0), whether
 * through tick() or processPcm().
 *
 * Audio during an event: rtpengine 10.5 sends none of the sender's audio to the recipient while a
 * re-timed event is in progress (from its first packet to its end packet; probe above), so the
 * recipient does not hear the audio next to the event. audioSuppressed(nowMs) says when that is so
 * (here also ending EVENT_TIMEOUT_MS after the event's last packet); the transcoder checks it before
 * encoding a frame.
 *
 * No allocation per packet: one parse target, one 4-byte payload buffer, numbers for state.
 */
import { DtmfDetector } from './dtmf-detector.js';
import { DEFAULT_VOLUME, DtmfToneGenerator } from './dtmf-tone.js';
import { parseTelephoneEvent, TelephoneEvent, writeTelephoneEvent } from './telephone-event.js';
import type { DirectionConfig } from './types.js';

/** Implemented by the DirectionTranscoder: it fills the RTP header (PT = cfg.dtmfOut.pt, its SSRC, its next sequence number). */
export interface EventWriter {
  sendEvent(payload: Uint8Array, off: number, len: number, timestamp: number, marker: boolean): void;
}

/** An event whose end packet never comes stops this long after its last packet (about 5 lost 50 ms updates). */
export const EVENT_TIMEOUT_MS = 250;
/** Interval of the update packets for detected digits (RFC 4733 §2.5.1.2 suggests 50 ms). */
export const UPDATE_INTERVAL_MS = 50;
/** End packets sent for a detected digit (RFC 4733 §2.5.1.4: three). */
export const END_PACKETS = 3;
const MAX_DURATION = 0xffff;

export class DtmfProcessor {
  private readonly ev = new TelephoneEvent();
  private readonly payload = new Uint8Array(4);
  private readonly outClock: number;
  private readonly evOutClock: number;
  private closed = false;

  // Clock map (setClockMap).
  private hasMap = false;
  private mapInTs = 0;
  private mapOutTs = 0;

  // The sender's current event (re-timing and generation): input timestamp and PT identify it.
  private curInTs = -1;
  private curPt = -1;
  private curOutTs = 0;
  /** Re-timing: the current event has had no end packet yet; its last packet came at curLastMs. */
  private curOpen = false;
  private curLastMs = 0;

  // In-band generation.
  private readonly tone: DtmfToneGenerator;
  private toneActive = false;
  private toneStartKnown = false;
  private toneStartOut = 0;
  private toneEnded = false;
  /** Largest duration seen for the event, recipient clock units. */
  private toneDur = 0;
  private toneDeadlineMs = 0;

  // In-band detection.
  private readonly detector: DtmfDetector | null;
  private anchorSample = 0;
  private anchorTs = 0;
  private detStartTs = 0;
  private detLastSent = 0;
  private detLastPcmMs = 0;
  private readonly updateSamples: number;

  /** pcmRate: the sample rate of the PCM the transcoder encodes for the recipient (processPcm's). */
  constructor(private readonly cfg: DirectionConfig, private readonly pcmRate: number, private readonly writer: EventWriter) {
    this.outClock = cfg.encoder.codec.clock;
    this.evOutClock = cfg.dtmfOut ? cfg.dtmfOut.clock : this.outClock;
    this.tone = new DtmfToneGenerator(pcmRate);
    this.detector = cfg.detectInband && cfg.dtmfOut ? new DtmfDetector(pcmRate) : null;
    this.updateSamples = Math.round((pcmRate * UPDATE_INTERVAL_MS) / 1000);
  }

  /** The transcoder mapped an audio packet's input timestamp inTs (clock inClock) to output timestamp outTs. */
  setClockMap(inClock: number, inTs: number, outTs: number): void {
    void inClock; // the difference is taken in the event's clock (see the file header)
    this.hasMap = true;
    this.mapInTs = inTs >>> 0;
    this.mapOutTs = outTs >>> 0;
  }

  /** Output timestamp (clock outRate) of an input event timestamp at clock inRate. */
  private mapTs(ts: number, inRate: number, outRate: number): number {
    if (!this.hasMap) return Math.round((ts >>> 0) * (outRate / inRate)) >>> 0;
    const d = ((ts >>> 0) - this.mapInTs) | 0;
    return (this.mapOutTs + Math.round((d * outRate) / inRate)) >>> 0;
  }

  onEventPacket(payload: Uint8Array, off: number, len: number, pt: number, timestamp: number, marker: boolean, nowMs: number): boolean {
    if (this.closed) return false;
    const ev = this.ev;
    if (!parseTelephoneEvent(payload, off, len, ev)) return false;
    let inClock = 0;
    const dtmfIn = this.cfg.dtmfIn;
    for (let i = 0; i < dtmfIn.length; i++) if (dtmfIn[i]!.pt === pt) { inClock = dtmfIn[i]!.clock; break; }
    if (inClock <= 0) return false;
    const ts = timestamp >>> 0;
    const isNew = ts !== this.curInTs || pt !== this.curPt;

    if (this.cfg.dtmfOut) {
      if (isNew) {
        this.curInTs = ts;
        this.curPt = pt;
        this.curOutTs = this.mapTs(ts, inClock, this.evOutClock);
      }
      this.curOpen = !ev.end;
      this.curLastMs = nowMs;
      const dur = Math.round((ev.duration * this.evOutClock) / inClock);
      this.sendSegmented(this.curOutTs, dur, ev.event, ev.end, ev.volume, marker || isNew);
      return true;
    }

    // In-band generation. A late packet of an earlier event (its timestamp before the current one's) changes nothing.
    if (isNew && this.curInTs >= 0 && pt === this.curPt && ((ts - this.curInTs) | 0) < 0) return true;
    const dur = Math.round((ev.duration * this.outClock) / inClock);
    if (isNew) {
      this.curInTs = ts;
      this.curPt = pt;
      this.toneActive = this.tone.start(ev.event, ev.volume === 0 ? DEFAULT_VOLUME : ev.volume);
      this.toneStartKnown = this.hasMap;
      if (this.hasMap) this.toneStartOut = this.mapTs(ts, inClock, this.outClock);
      this.toneEnded = false;
      this.toneDur = 0;
    } else if (!this.toneActive) {
      return true; // a retransmitted end of a tone already played out
    }
    if (dur > this.toneDur) this.toneDur = dur;
    if (ev.end) this.toneEnded = true;
    this.toneDeadlineMs = nowMs + EVENT_TIMEOUT_MS + (this.toneEnded ? (this.toneDur * 1000) / this.outClock : 0);
    return true;
  }

  /**
   * true while a re-timed event from the sender is in progress (its first packet came, its end did not,
   * and its last packet is at most EVENT_TIMEOUT_MS old): the sender's audio is then not sent on (rtpengine 10.5).
   */
  audioSuppressed(nowMs: number): boolean {
    return this.curOpen && nowMs - this.curLastMs <= EVENT_TIMEOUT_MS;
  }

  /** Sends one event packet of duration dur (recipient event clock) from ts0, split per RFC 4733 §2.5.1.3 past 0xFFFF. */
  private sendSegmented(ts0: number, dur: number, event: number, end: boolean, volume: number, marker: boolean): void {
    let ts = ts0;
    let d = dur;
    if (d > MAX_DURATION) {
      const k = Math.floor((d - 1) / MAX_DURATION);
      ts = (ts0 + k * MAX_DURATION) >>> 0;
      d -= k * MAX_DURATION;
      marker = false;
    }
    const n = writeTelephoneEvent(this.payload, 0, event, end, volume, d);
    this.writer.sendEvent(this.payload, 0, n, ts, marker);
  }

  processPcm(pcm: Int16Array, off: number, n: number, outTimestamp: number, nowMs: number): void {
    if (this.closed) return;
    if (this.toneActive) this.playTone(pcm, off, n, outTimestamp >>> 0, nowMs);
    const det = this.detector;
    if (det === null) return;
    this.anchorSample = det.position;
    this.anchorTs = outTimestamp >>> 0;
    this.detLastPcmMs = nowMs;
    let i = 0;
    while (i < n) {
      i += det.feed(pcm, off + i, n - i);
      if (det.blockDone) this.afterBlock(det);
    }
  }

  private playTone(pcm: Int16Array, off: number, n: number, outTs: number, nowMs: number): void {
    if (nowMs > this.toneDeadlineMs) { this.stopTone(); return; }
    if (!this.toneStartKnown) {
      this.toneStartOut = outTs;
      this.toneStartKnown = true;
    }
    const rel = Math.round((((outTs - this.toneStartOut) | 0) * this.pcmRate) / this.outClock);
    const from = rel < 0 ? -rel : 0;
    if (from >= n) return;
    let to = n;
    if (this.toneEnded) {
      const end = Math.round((this.toneDur * this.pcmRate) / this.outClock) - rel;
      if (end < to) to = end;
    }
    if (to > from) this.tone.fill(pcm, off + from, to - from);
    if (this.toneEnded && to < n) this.stopTone();
  }

  private stopTone(): void {
    this.toneActive = false;
    this.tone.stop();
  }

  /** Output (event clock) timestamp of detector sample position s, through the latest processPcm anchor. */
  private tsAt(s: number): number {
    return (this.anchorTs + Math.round(((s - this.anchorSample) * this.evOutClock) / this.pcmRate)) >>> 0;
  }

  private durOf(samples: number): number {
    return Math.round((samples * this.evOutClock) / this.pcmRate);
  }

  private volumeOf(det: DtmfDetector): number {
    const v = Math.round(det.volume);
    return v < 0 ? 0 : v > 63 ? 63 : v;
  }

  private afterBlock(det: DtmfDetector): void {
    if (det.endedNow) this.endDetected(det.endedDigit, det.endSample - det.startSample, det);
    if (det.startedNow) {
      this.detStartTs = this.tsAt(det.startSample);
      this.detLastSent = det.position;
      this.sendSegmented(this.detStartTs, this.durOf(det.position - det.startSample), det.digit, false, this.volumeOf(det), true);
    } else if (det.digit >= 0 && det.position - this.detLastSent >= this.updateSamples) {
      this.detLastSent = det.position;
      this.sendSegmented(this.detStartTs, this.durOf(det.position - det.startSample), det.digit, false, this.volumeOf(det), false);
    }
  }

  private endDetected(digit: number, samples: number, det: DtmfDetector): void {
    const dur = this.durOf(samples);
    for (let i = 0; i < END_PACKETS; i++) this.sendSegmented(this.detStartTs, dur, digit, true, this.volumeOf(det), false);
  }

  /** Timers: ends a generated tone past its deadline, and a detected digit whose audio stopped coming. */
  tick(nowMs: number): void {
    if (this.closed) return;
    if (this.toneActive && nowMs > this.toneDeadlineMs) this.stopTone();
    const det = this.detector;
    if (det !== null && det.digit >= 0 && nowMs - this.detLastPcmMs > EVENT_TIMEOUT_MS) {
      this.endDetected(det.digit, det.position - det.startSample, det);
      det.reset();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.curOpen = false;
    this.stopTone();
    this.detector?.reset();
  }
}
