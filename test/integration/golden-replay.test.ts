/**
 * Golden replay: the recorded ng requests of ../shared/spec/golden are sent, in their original order,
 * to a fresh daemon, and every reply is compared with rtpengine 10.5's recorded reply. SDP must be
 * byte-identical except ports (mapped one to one across the replay, so port re-use is checked too);
 * dicts must match in keys, order and values except times. Media the capture sent between
 * exchanges is re-sent here so that counters match as well.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire, compareValues, GOLDEN_DIR, PortMap, readGolden, type CompareRules, type GoldenExchange } from '../helpers/golden.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { dict, str } from '../helpers/ng-client.js';

/** Files replayed below, and the files that wait for a later feature (none may be forgotten). */
const REPLAYED = ['01-ping.txt', '02-errors.txt', '03-offer-answer-basic.txt', '04-query.txt', '05-list.txt', '07-reinvite.txt', '08-delete.txt', '24-cookie-cache.txt'];
const WAITING: Record<string, string> = {
  '06-statistics.txt': 'issue 3/5: statistics command',
  '09-replace-flags.txt': 'issue 3: replace flags, port re-use on endpoint change',
  '10-attribute-flags.txt': 'issue 3: attribute flags, loop-protect',
  '11-ice.txt': 'ICE issue',
  '12-srtp-sdes.txt': 'SRTP (SDES) issue',
  '13-dtls-webrtc.txt': 'DTLS-SRTP / WebRTC issue',
  '14-rtcp-mux.txt': 'issue 3: rtcp-mux decision table',
  '15-codecs-ptime.txt': 'issue 3 (SDP-level codec ops) and transcoding issue',
  '16-recording.txt': 'recording issue',
  '17-media-control.txt': 'media control issue',
  '18-delete-variants.txt': 'issue 3: delete variants and forked branches',
  '19-misc-offer-keys.txt': 'issue 3: media-address, SIP-source, address-family, multi-media',
  '20-direction-interfaces.txt': 'issue 3: several interfaces, direction, round robin',
  '21-load-limit.txt': 'issue 3: load limits',
  '22-timeouts.txt': 'issue 3: timeout timeline and counters (needs a daemon with short timeouts)',
  '23-publish-subscribe.txt': 'publish/subscribe issue',
  '25-kamailio-module-capture.txt': 'issue 5: MOS values (no raw ng bytes to replay)',
};

const RULES: CompareRules = {
  timeKeys: new Set(['created', 'created_us', 'last signal', 'last packet', 'reported at']),
  ignorePaths: new Map([[/^\$\.SSRC$/, 'issue 5: per-SSRC MOS block']]),
  goldenPortRange: [30000, 30999],
};

async function replay(d: DaemonHandle, ex: GoldenExchange, ports: PortMap): Promise<string[]> {
  const diffs: string[] = [];
  const req = ex.request!;
  const sp = req.indexOf(0x20);
  if (!ex.response) {
    await d.ng.silent(req);
    return diffs;
  }
  const cookie = req.subarray(0, Math.max(sp, 0)).toString('latin1');
  const got = await d.ng.raw(cookie, req.subarray(sp + 1));
  const g = decodeWire(ex.response);
  const o = decodeWire(Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), got]));
  compareValues(g.value, o.value, RULES, ports, `$`, diffs);
  return diffs.map((x) => `${ex.file} #${ex.title}: ${x}`);
}

describe('golden transcripts', () => {
  it('every golden file is replayed or waits for a named feature', () => {
    const files = readdirSync(GOLDEN_DIR).filter((f) => /^\d\d-.*\.txt$/.test(f));
    for (const f of files) expect(REPLAYED.includes(f) || f in WAITING, `${f} is neither replayed nor listed`).toBe(true);
  });

  describe('01/02/24: ping, errors, cookie cache', () => {
    let d: DaemonHandle;
    beforeAll(async () => { d = await startDaemon([], { portMin: 30000, ports: 1000 }); });
    afterAll(async () => { await d.close(); });

    for (const file of ['01-ping.txt', '02-errors.txt', '24-cookie-cache.txt']) {
      it(file, async () => {
        const ports = new PortMap();
        const diffs: string[] = [];
        for (const ex of readGolden(file)) if (ex.request) diffs.push(...(await replay(d, ex, ports)));
        expect(diffs).toEqual([]);
        expect(d.proc.exitCode).toBeNull();
      });
    }
  });

  describe('03 → 04 → 05 → 07 → 08: one call from set-up through re-INVITE to delete', () => {
    let d: DaemonHandle;
    const ports = new PortMap();
    let aPort = 0; // our port facing the caller (in the answer SDP)
    let bPort = 0; // our port facing the callee (in the offer SDP)
    beforeAll(async () => { d = await startDaemon([], { portMin: 30000, ports: 1000 }); });
    afterAll(async () => { await d.close(); });

    const run = async (file: string): Promise<string[]> => {
      const diffs: string[] = [];
      for (const ex of readGolden(file)) {
        if (!ex.request) continue;
        diffs.push(...(await replay(d, ex, ports)));
      }
      return diffs;
    };

    it('03-offer-answer-basic', async () => {
      expect(await run('03-offer-answer-basic.txt')).toEqual([]);
      const q = await d.ng.request({ command: 'query', 'call-id': 'golden-call-1@127.0.0.1' });
      const tags = dict(q.get('tags'));
      const portOf = (tag: string): number => {
        const media = (dict(tags.get(tag)).get('medias') as Map<string, unknown>[])[0]!;
        return (media.get('streams') as Map<string, unknown>[])[0]!.get('local port') as number;
      };
      aPort = portOf('ftag-A-1111');
      bPort = portOf('ttag-B-2222');
      expect(str(q.get('result'))).toBe('ok');
    });

    it('04-query (after the media the capture sent: 75 RTP + 10 RTCP each way)', async () => {
      // The endpoints of golden 03's SDP: caller 127.0.0.1:40000/40001, callee 127.0.0.1:42000/42001.
      const a = await RtpPeer.open(40000);
      const aRtcp = await RtpPeer.open(40001);
      const b = await RtpPeer.open(42000);
      const bRtcp = await RtpPeer.open(42001);
      try {
        for (let i = 0; i < 75; i++) {
          a.send(rtpPacket(0, 1000 + i, 160 * i, 287454020), aPort);
          b.send(rtpPacket(8, 2000 + i, 160 * i, 1432778632), bPort);
          await new Promise((r) => setTimeout(r, 1));
        }
        // 5 rounds of SR (28 bytes) + RR (32 bytes) from each side: 10 packets, 300 bytes.
        for (let i = 0; i < 5; i++) {
          aRtcp.send(rtcp(200, 287454020, 28), aPort + 1);
          aRtcp.send(rtcp(201, 287454020, 32), aPort + 1);
          bRtcp.send(rtcp(200, 1432778632, 28), bPort + 1);
          bRtcp.send(rtcp(201, 1432778632, 32), bPort + 1);
        }
        await b.waitFor(75);
        await a.waitFor(75);
        await bRtcp.waitFor(10);
        await aRtcp.waitFor(10);
        expect([a.received.length, b.received.length, aRtcp.received.length, bRtcp.received.length]).toEqual([75, 75, 10, 10]);
        expect(await run('04-query.txt')).toEqual([]);
        expect(await run('05-list.txt')).toEqual([]);
      } finally {
        for (const p of [a, aRtcp, b, bRtcp]) p.close();
      }
    });

    it('07-reinvite: ports kept, hold directions, answer codecs filtered by the offer', async () => {
      expect(await run('07-reinvite.txt')).toEqual([]);
    });

    it('08-delete: final statistics, call kept for delete-delay, repeated delete', async () => {
      expect(await run('08-delete.txt')).toEqual([]);
      const l = await d.ng.request({ command: 'list' });
      expect((l.get('calls') as Buffer[]).map(String)).toEqual(['golden-call-1@127.0.0.1']);
    });
  });
});

/** An RTCP packet of the given type and size (RFC 3550 §6.4): header plus zeroed body. */
function rtcp(pt: number, ssrc: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b[0] = pt === 201 ? 0x81 : 0x80;
  b[1] = pt;
  b.writeUInt16BE(size / 4 - 1, 2);
  b.writeUInt32BE(ssrc, 4);
  return b;
}

