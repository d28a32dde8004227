import { describe, expect, it } from 'vitest';
import {
  applyCodecStrip,
  applySingleCodec,
  codecLines,
  codecMatches,
  filterAnswerCodecs,
  type Codec,
} from '../../protocol/sdp/index.js';

const c = (pt: number, name: string, clock = 8000, extra: Partial<Codec> = {}): Codec => ({ pt, name, clock, rtcpFb: [], ...extra });

const OPUS = c(96, 'opus', 48000, { channels: 2, fmtp: 'useinbandfec=1' });
const PCMU = c(0, 'PCMU');
const PCMA = c(8, 'PCMA');
const G722 = c(9, 'G722');
const TE = c(101, 'telephone-event', 8000, { fmtp: '0-16' });
const OFFER = [OPUS, PCMU, PCMA, G722, TE];
const pts = (l: Codec[]): number[] => l.map((x) => x.pt);

describe('filterAnswerCodecs', () => {
  it('drops answer payload types absent from the offer, keeping answer order', () => {
    expect(pts(filterAnswerCodecs([PCMU, TE], [c(18, 'G729'), PCMU, TE]))).toEqual([0, 101]);
    expect(pts(filterAnswerCodecs(OFFER, [TE, PCMA, PCMU]))).toEqual([101, 8, 0]);
  });

  it('matches by payload number only (101 answered against 126 loses DTMF)', () => {
    const offered = [PCMU, c(126, 'telephone-event')];
    expect(pts(filterAnswerCodecs(offered, [PCMU, TE]))).toEqual([0]);
    // ... and a different codec on an offered number survives
    expect(filterAnswerCodecs([c(97, 'iLBC')], [c(97, 'speex')])[0]!.name).toBe('speex');
  });

  it('returns the answer unchanged when nothing would remain', () => {
    expect(pts(filterAnswerCodecs([PCMU], [PCMA]))).toEqual([8]);
  });
});

describe('codecMatches', () => {
  it.each([
    ['opus', true],
    ['opus/48000', true],
    ['opus/48000/2', true],
    ['opus/48000/1', false],
    ['opus/8000', false],
    ['OPUS', false],
    ['opus/48000/2/32000', true],
  ])('opus/48000/2 vs %s -> %s', (entry, want) => expect(codecMatches(OPUS, entry)).toBe(want));

  it('treats a codec without channel count as mono', () => {
    expect(codecMatches(PCMU, 'PCMU/8000/1')).toBe(true);
    expect(codecMatches(PCMU, 'PCMU/8000/2')).toBe(false);
  });
});

describe('applyCodecStrip (spec §3.4, golden 15)', () => {
  it('strips by name', () => expect(pts(applyCodecStrip(OFFER, { strip: ['PCMA', 'G722'] }))).toEqual([96, 0, 101]));
  it('strips by name/clock/channels', () =>
    expect(pts(applyCodecStrip(OFFER, { strip: ['opus/48000/2'] }))).toEqual([0, 8, 9, 101]));
  it('strip all + except keeps the whitelist in original order', () =>
    expect(pts(applyCodecStrip(OFFER, { strip: ['all'], except: ['telephone-event', 'PCMU'] }))).toEqual([0, 101]));
  it('strip full behaves like all', () =>
    expect(pts(applyCodecStrip(OFFER, { strip: ['full'], except: ['PCMA'] }))).toEqual([8]));
  it('strip all + offer uses the offer order', () =>
    expect(pts(applyCodecStrip(OFFER, { strip: ['all'], offer: ['PCMA', 'PCMU'] }))).toEqual([8, 0]));
  it('offer alone changes nothing', () =>
    expect(pts(applyCodecStrip(OFFER, { offer: ['PCMA', 'PCMU'] }))).toEqual([96, 0, 8, 9, 101]));
  it('offer re-adds stripped codecs after the survivors', () =>
    expect(pts(applyCodecStrip(OFFER, { strip: ['all'], except: ['G722'], offer: ['PCMA'] }))).toEqual([9, 8]));
  it('keeps the original list when nothing would remain', () => {
    expect(pts(applyCodecStrip([PCMU, PCMA, TE], { strip: ['all'] }))).toEqual([0, 8, 101]);
    expect(pts(applyCodecStrip([PCMU], { strip: ['PCMU'] }))).toEqual([0]);
  });
  it('no options: unchanged copy', () => {
    const out = applyCodecStrip(OFFER, {});
    expect(out).toEqual(OFFER);
    expect(out).not.toBe(OFFER);
  });
});

describe('applySingleCodec', () => {
  it('keeps the first real codec plus telephone-event and CN', () => {
    expect(pts(applySingleCodec([PCMU, PCMA, c(13, 'CN'), TE]))).toEqual([0, 13, 101]);
    expect(pts(applySingleCodec([TE, PCMA, PCMU]))).toEqual([101, 8]);
  });
});

describe('codecLines (spec §4.4 item 3)', () => {
  it('writes rtpmap, fmtp, then rtcp-fb per codec, CRLF-terminated', () => {
    const lines = codecLines([{ ...OPUS, rtcpFb: ['transport-cc', 'nack pli'] }, PCMU, c(97, '', 0, { fmtp: 'x=1' })]);
    expect(lines.map((l) => `${l.type}=${l.value}${l.eol}`).join('')).toBe(
      'a=rtpmap:96 opus/48000/2\r\n' +
        'a=fmtp:96 useinbandfec=1\r\n' +
        'a=rtcp-fb:96 transport-cc\r\n' +
        'a=rtcp-fb:96 nack pli\r\n' +
        'a=rtpmap:0 PCMU/8000\r\n' +
        'a=fmtp:97 x=1\r\n',
    );
  });
});
