// What the workers are told to do with the RTP of a section (CallMedia.transcode) after offer and
// answer, for the cases measured on rtpengine 10.5 (daemon/call/codec-negotiate.ts header).
import { describe, expect, it } from 'vitest';
import { bdecode, bencode, type BDict, type BEncodable } from '../../protocol/ng/bencode.js';
import { parseCallOptions } from '../../protocol/ng/call-options.js';
import { parseSdp } from '../../protocol/sdp/index.js';
import { negotiateCodecs } from '../../daemon/call/codec-negotiate.js';
import { CallMedia } from '../../daemon/call/media.js';

const RTPMAP: Record<string, string[]> = {
  0: ['a=rtpmap:0 PCMU/8000'],
  8: ['a=rtpmap:8 PCMA/8000'],
  9: ['a=rtpmap:9 G722/8000'],
  18: ['a=rtpmap:18 G729/8000'],
  96: ['a=rtpmap:96 opus/48000/2'],
  101: ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'],
};

function section(pts: string, extra: string[] = []): ReturnType<typeof parseSdp>['media'][number] {
  const body = ['v=0', 'o=- 1 1 IN IP4 127.0.0.10', 's=-', 'c=IN IP4 127.0.0.10', 't=0 0', `m=audio 5000 RTP/AVP ${pts}`,
    ...pts.split(' ').flatMap((p) => RTPMAP[p] ?? []), ...extra, ''].join('\r\n');
  return parseSdp(Buffer.from(body, 'latin1')).media[0]!;
}

function options(d: Record<string, BEncodable>): ReturnType<typeof parseCallOptions> {
  return parseCallOptions(bdecode(bencode(d)) as BDict);
}

const media = (): CallMedia => new CallMedia(1, 0, { release: () => undefined });

/** Offer from A with `opts`, answer from B; returns both media (A = offerer). */
function call(offerPts: string, opts: Record<string, BEncodable>, answerPts: string, offerExtra: string[] = []): { a: CallMedia; b: CallMedia } {
  const a = media();
  const b = media();
  const o = section(offerPts, offerExtra);
  a.ptime = o.ptime;
  negotiateCodecs(options(opts), true, a, b, o);
  const ans = section(answerPts);
  b.ptime = ans.ptime;
  negotiateCodecs(options({}), false, b, a, ans);
  return { a, b };
}

describe('CallMedia.transcode after the answer', () => {
  it('plain call: nothing is transcoded', () => {
    const { a, b } = call('0 8 101', {}, '8 0 101');
    expect(a.transcode).toBeNull();
    expect(b.transcode).toBeNull();
  });

  it('mask all + transcode PCMA, answer PCMA: PCMU → PCMA and back, DTMF not answered → none out', () => {
    const { a, b } = call('0 101', { codec: { mask: ['all'], transcode: ['PCMA'] } }, '8');
    expect(a.sentCodecs!.map((c) => c.pt)).toEqual([0]);
    expect(a.transcode).toMatchObject({
      decoders: [{ pt: 0, codec: { name: 'PCMU', clock: 8000, channels: 1 } }],
      encoder: { pt: 8, codec: { name: 'PCMA', clock: 8000, ptime: 20 } },
      passthrough: [],
      dtmfIn: [{ pt: 101, clock: 8000 }],
      dtmfOut: null,
      detectInband: false,
    });
    expect(b.transcode).toMatchObject({
      decoders: [{ pt: 8, codec: { name: 'PCMA' } }],
      encoder: { pt: 0, codec: { name: 'PCMU' } },
      passthrough: [],
    });
  });

  it('transcode G722 answered 9 0 101: the offerer\'s first codec is transcoded to G722, its PCMA and DTMF pass', () => {
    const { a, b } = call('0 8 101', { codec: { transcode: ['G722'] } }, '9 0 101');
    expect(a.transcode).toMatchObject({
      decoders: [{ pt: 0 }],
      encoder: { pt: 9, codec: { name: 'G722' } },
      passthrough: [8, 101],
      dtmfOut: { pt: 101, clock: 8000 },
    });
    // Back: G722 decoded into PCMU, PCMU passes.
    expect(b.transcode).toMatchObject({ decoders: [{ pt: 9 }], encoder: { pt: 0 }, passthrough: [0, 101] });
  });

  it('answer with the original codec only: no transcoding in either direction', () => {
    const { a, b } = call('0 8 101', { codec: { transcode: ['G722'] } }, '0 101');
    expect(a.transcode).toBeNull();
    expect(b.transcode).toBeNull();
  });

  it('ptime=30: everything toward the callee is repacketized, nothing passes', () => {
    const { a, b } = call('0 8 101', { codec: { transcode: ['PCMA'] }, ptime: 30 }, '8 101');
    expect(a.transcode).toMatchObject({ decoders: [{ pt: 0 }, { pt: 8 }], encoder: { pt: 8, codec: { ptime: 30 } }, passthrough: [] });
    expect(b.transcode).toBeNull();
  });

  it('ptime-reverse: the offerer gets its ptime', () => {
    const { b } = call('0 101', { codec: { transcode: ['PCMA'] }, 'ptime-reverse': 40 }, '8 101');
    expect(b.transcode).toMatchObject({ decoders: [{ pt: 8 }], encoder: { pt: 0, codec: { ptime: 40 } } });
  });

  it('opus bit rate from the transcode entry', () => {
    const { a } = call('0 101', { codec: { transcode: ['opus/48000/2/32000'], set: ['opus/48000/2/24000'] } }, '96');
    expect(a.transcode?.encoder).toEqual({ pt: 96, codec: { name: 'opus', clock: 48000, channels: 2, bitrate: 32000, fmtp: '', ptime: 20 } });
  });

  it('G729 answered: SDP as rtpengine, but no decoder or encoder for it (its packets are drops)', () => {
    const { a, b } = call('0 8 101', { codec: { transcode: ['G729'] } }, '18');
    expect(a.sentCodecs!.map((c) => c.pt)).toEqual([0]);
    // PCMA and telephone-event were offered to the callee: they pass as rtpengine passes them; PCMU
    // would need a G.729 encoder.
    expect(a.transcode).toMatchObject({ decoders: [], encoder: { pt: 18, codec: { name: 'G729' } }, passthrough: [8, 101] });
    expect(b.transcode).toMatchObject({ decoders: [], encoder: { pt: 0 }, passthrough: [] });
  });

  it('always-transcode: PCMA answered, the offerer gets PCMU transcoded', () => {
    const { a, b } = call('0 8 101', { flags: ['always-transcode'] }, '8 101');
    expect(a.sentCodecs!.map((c) => c.pt)).toEqual([0, 101]);
    expect(b.transcode).toMatchObject({ decoders: [{ pt: 8 }], encoder: { pt: 0 }, passthrough: [101] });
    expect(a.transcode).toMatchObject({ decoders: [{ pt: 0 }], encoder: { pt: 8 }, passthrough: [8, 101] });
  });

  it('telephone-event offered to the callee passes even when its answer left it out (as rtpengine sends it)', () => {
    const { a } = call('0 101', { codec: { transcode: ['PCMA'] } }, '8');
    expect(a.transcode).toMatchObject({ decoders: [{ pt: 0 }], encoder: { pt: 8 }, passthrough: [101], dtmfOut: { pt: 101, clock: 8000 } });
  });

  it('DTMF only on the sender side: in-band detection is asked for when the recipient has telephone-event', () => {
    const { b } = call('0 101', { codec: { transcode: ['PCMA'] } }, '8');
    // B → A: B has no telephone-event; A's answer lists none either (B answered none): no detection.
    expect(b.transcode).toMatchObject({ dtmfIn: [], dtmfOut: null, detectInband: false });
  });
});
