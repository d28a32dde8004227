// The pure codec-flag model (protocol/sdp/codec-flags.ts) and the codec options of a request.
import { describe, expect, it } from 'vitest';
import { bdecode, bencode, type BDict, type BEncodable } from '../../protocol/ng/bencode.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { answerCodecs, NO_CODEC_FLAGS, offerCodecs, type CodecFlags } from '../../protocol/sdp/codec-flags.js';
import { parseCodecEntry, transcodable } from '../../protocol/sdp/codec-defs.js';
import type { Codec } from '../../protocol/sdp/types.js';

const c = (pt: number, name: string, clock = 8000, extra: Partial<Codec> = {}): Codec => ({ pt, name, clock, rtcpFb: [], ...extra });
const PCMU = c(0, 'PCMU');
const PCMA = c(8, 'PCMA');
const G722 = c(9, 'G722');
const TE = c(101, 'telephone-event', 8000, { fmtp: '0-16' });
const CN = c(13, 'CN');
const OPUS = c(96, 'opus', 48000, { channels: 2, fmtp: 'useinbandfec=1' });
const flags = (f: Partial<CodecFlags>): CodecFlags => ({ ...NO_CODEC_FLAGS, ...f });
const line = (list: Codec[]): string => list.map((x) => `${x.pt}:${x.name}/${x.clock}${x.channels ? `/${x.channels}` : ''}${x.fmtp ? `(${x.fmtp})` : ''}`).join(' ');

describe('offerCodecs', () => {
  it('transcode G729 adds PT 18 with annexb=no before telephone-event (golden 15 #6)', () => {
    const o = offerCodecs([PCMU, PCMA, TE], flags({ transcode: ['G729'] }));
    expect(line(o.out)).toBe('0:PCMU/8000 8:PCMA/8000 18:G729/8000(annexb=no) 101:telephone-event/8000(0-16)');
    expect(o.added).toEqual([18]);
    expect(o.engaged).toBe(true);
  });

  it('transcode opus adds 96 and telephone-event/48000 at 97 (golden 15 #13)', () => {
    const o = offerCodecs([PCMU, PCMA, TE], flags({ transcode: ['opus/48000/2/32000'], set: ['opus/48000/2/24000'] }));
    expect(line(o.out)).toBe('0:PCMU/8000 8:PCMA/8000 96:opus/48000/2 97:telephone-event/48000(0-15) 101:telephone-event/8000(0-16)');
    expect(o.bitrates).toEqual({ opus: 32000 });
  });

  it('CN then telephone-event per new clock, ascending, PTs after the added codecs', () => {
    const o = offerCodecs([PCMU, TE, CN], flags({ transcode: ['G722', 'PCMA/16000', 'opus'] }));
    expect(o.out.map((x) => `${x.pt}:${x.name}/${x.clock}`).join(' ')).toBe(
      '0:PCMU/8000 9:G722/8000 96:PCMA/16000 97:opus/48000 98:CN/16000 99:CN/48000 100:telephone-event/16000 102:telephone-event/48000 101:telephone-event/8000 13:CN/8000');
  });

  it('mask all + transcode PCMA hides everything else, telephone-event too (golden 15 #8)', () => {
    const o = offerCodecs([PCMU, TE], flags({ mask: ['all'], transcode: ['PCMA'] }));
    expect(line(o.out)).toBe('8:PCMA/8000');
    expect(line(o.offerer)).toBe('0:PCMU/8000 101:telephone-event/8000(0-16)');
  });

  it('a codec present is not added again; consume hides (golden 15 #11)', () => {
    const o = offerCodecs([OPUS, PCMU, PCMA, G722, TE], flags({ consume: ['opus'], transcode: ['PCMA'] }));
    expect(o.out.map((x) => x.pt)).toEqual([0, 8, 9, 101]);
    expect(o.added).toEqual([]);
    expect(o.accepted).toEqual([96]);
  });

  it('unknown and unencodable names add nothing; lower case keeps its spelling', () => {
    expect(offerCodecs([PCMU], flags({ transcode: ['FOO', 'L16', 'iLBC'] })).out).toEqual([PCMU]);
    expect(line(offerCodecs([PCMU], flags({ transcode: ['pcma'] })).out)).toBe('0:PCMU/8000 8:pcma/8000');
  });

  it('opus keeps clock 48000; a clock without channels means one channel', () => {
    expect(line(offerCodecs([PCMU], flags({ transcode: ['opus/16000'] })).out)).toBe('0:PCMU/8000 96:opus/48000');
    expect(line(offerCodecs([PCMU], flags({ transcode: ['G729/8000/2'] })).out)).toBe('0:PCMU/8000 96:G729/8000/2(annexb=no)');
  });

  it('no flags: the list as it came', () => {
    const o = offerCodecs([OPUS, PCMU, TE], NO_CODEC_FLAGS);
    expect(o.out).toEqual([OPUS, PCMU, TE]);
    expect(o.engaged).toBe(false);
  });
});

describe('answerCodecs', () => {
  it('an added codec answered becomes the offerer\'s first codec (golden 15 #7, #9)', () => {
    const o = offerCodecs([PCMU, PCMA, TE], flags({ transcode: ['G729'] }));
    expect(answerCodecs(o, [c(18, 'G729')]).map((x) => x.pt)).toEqual([0]);
    const m = offerCodecs([PCMU, TE], flags({ mask: ['all'], transcode: ['PCMA'] }));
    expect(answerCodecs(m, [PCMA]).map((x) => x.pt)).toEqual([0]);
  });

  it('answered order is kept, transcoded ones mapped in place', () => {
    const o = offerCodecs([PCMU, PCMA, TE], flags({ transcode: ['G722'] }));
    expect(answerCodecs(o, [G722, PCMA, TE]).map((x) => x.pt)).toEqual([0, 8, 101]);
    expect(answerCodecs(o, [PCMA, G722, TE]).map((x) => x.pt)).toEqual([8, 0, 101]);
  });

  it('telephone-event only at the clock of a codec kept; the offerer\'s own when the answerer had one', () => {
    const o = offerCodecs([OPUS, TE], flags({ transcode: ['PCMU'] }));
    expect(answerCodecs(o, [PCMU, TE]).map((x) => x.pt)).toEqual([96]);
    const p = offerCodecs([PCMU, TE], flags({ transcode: ['opus'] }));
    expect(answerCodecs(p, [c(96, 'opus', 48000, { channels: 2 }), c(97, 'telephone-event', 48000)]).map((x) => x.pt)).toEqual([0, 101]);
  });

  it('accept / consume / always-transcode: the offerer\'s first such codec', () => {
    expect(answerCodecs(offerCodecs([PCMU, PCMA, TE], flags({ accept: ['PCMA'] })), [PCMU, TE]).map((x) => x.pt)).toEqual([8, 101]);
    expect(answerCodecs(offerCodecs([PCMU, PCMA, TE], flags({ alwaysTranscode: true })), [PCMA, TE]).map((x) => x.pt)).toEqual([0, 101]);
    expect(answerCodecs(offerCodecs([OPUS, PCMU, PCMA, TE], flags({ consume: ['opus'], transcode: ['PCMA'] })), [PCMA, TE]).map((x) => x.pt)).toEqual([96, 101]);
  });

  it('not engaged: the answer as it is', () => {
    expect(answerCodecs(offerCodecs([PCMU, PCMA], NO_CODEC_FLAGS), [PCMA, PCMU])).toEqual([PCMA, PCMU]);
  });
});

describe('codec options of a request', () => {
  const opts = (d: Record<string, BEncodable>): ReturnType<typeof parseCallOptions> => parseCallOptions(bdecode(bencode(d)) as BDict);

  it('dictionary keys and flag forms, -- becomes =', () => {
    const o = opts({
      codec: { set: ['opus/48000/2/32000'], accept: ['PCMU'], consume: ['G722'] },
      flags: ['codec-set-PCMA', 'codec-accept-opus', 'codec-consume-PCMA', 'transcode-opus/48000/2/32000/20/useinbandfec--1', 'always-transcode'],
    });
    expect(o.codecSet).toEqual(['opus/48000/2/32000', 'PCMA']);
    expect(o.codecAccept).toEqual(['PCMU', 'opus']);
    expect(o.codecConsume).toEqual(['G722', 'PCMA']);
    expect(o.codecTranscode).toEqual(['opus/48000/2/32000/20/useinbandfec=1']);
    expect(o.flags.has('always-transcode')).toBe(true);
    expect(o.unknownFlags).toEqual([]);
  });

  it('codec entries', () => {
    expect(parseCodecEntry('opus/48000/2/32000/20/useinbandfec=1')).toEqual({ name: 'opus', clock: 48000, channels: 2, bitrate: 32000, ptime: 20, fmtp: 'useinbandfec=1' });
    expect(parseCodecEntry('PCMA')).toEqual({ name: 'PCMA' });
    expect(transcodable('g722')).toBe(true);
    expect(transcodable('G729')).toBe(false);
  });
});
