/**
 * The live dashboard (issue 15 item 6): the daemon with --listen-http, two calls with RTP both ways
 * (one plain PCMU, one transcoded PCMU ↔ PCMA), GET /dashboard loaded in headless Debian chromium
 * (playwright-core). Waits for live WebSocket updates and checks the page shows both call-ids, their
 * codecs, a MOS and a jitter figure per call and a nonzero packets/s for a media worker; saves a
 * screenshot (path printed; $DASHBOARD_SCREENSHOT, else in the OS temp dir).
 * Skipped without chromium, unless CI=true (then it fails).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { BEncodable } from '../../protocol/ng/bencode.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { freeTcpPort } from '../helpers/ng-transports.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

/** The page's DOM as far as the checks below read it (the test program is compiled without lib dom). */
interface Doc { body: { dataset: Record<string, string> }; querySelectorAll(sel: string): ArrayLike<Elem> }
interface Elem {
  textContent: string | null; children: ArrayLike<Elem>; nextElementSibling: Elem | null;
  querySelector(sel: string): Elem | null; querySelectorAll(sel: string): ArrayLike<Elem>;
}
declare const document: Doc;

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ci = process.env.CI === 'true';

let d: DaemonHandle;
let httpPort = 0;
let browser: Browser | undefined;
const peers: RtpPeer[] = [];
let sender: NodeJS.Timeout | undefined;

interface Leg { peer: RtpPeer; to: number; pt: number; ssrc: number; seq: number }
const legs: Leg[] = [];

async function call(callId: string, offerPts: number[], answerPts: number[], flags: Record<string, BEncodable> = {}): Promise<void> {
  const a = await RtpPeer.open();
  const b = await RtpPeer.open();
  peers.push(a, b);
  const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp: phoneSdp('a', a.port, { pts: offerPts }), ...flags });
  expect(str(offer.get('result'))).toBe('ok');
  const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', b.port, { pts: answerPts }) });
  expect(str(answer.get('result'))).toBe('ok');
  legs.push({ peer: a, to: mPort(str(answer.get('sdp'))), pt: offerPts[0]!, ssrc: 0x1000 + legs.length, seq: 0 });
  legs.push({ peer: b, to: mPort(str(offer.get('sdp'))), pt: answerPts[0]!, ssrc: 0x1000 + legs.length, seq: 0 });
}

beforeAll(async () => {
  if (!haveChromium && !ci) return;
  httpPort = await freeTcpPort();
  d = await startDaemon([`--listen-http=127.0.0.1:${httpPort}`]);
  await call('dash-plain-call', [0], [0]);
  await call('dash-transcoded-call', [0], [8], { codec: new Map<string, BEncodable>([['transcode', ['PCMA']]]) });
  // 50 packets/s per direction, sequence and timestamp advancing as a phone's.
  sender = setInterval(() => {
    for (const l of legs) {
      l.seq++;
      l.peer.send(rtpPacket(l.pt, l.seq & 0xffff, l.seq * 160, l.ssrc), l.to);
    }
  }, 20);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000); // chromium's start takes >10 s on a loaded 2-core machine

afterAll(async () => {
  if (sender) clearInterval(sender);
  await browser?.close();
  for (const p of peers) p.close();
  await d?.close();
});

describe.skipIf(!haveChromium && !ci)('GET /dashboard in chromium', () => {
  it('shows both calls with codecs, MOS and jitter, and packets/s per worker, live', async () => {
    expect(browser, `chromium not found at ${CHROMIUM}`).toBeDefined();
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${httpPort}/dashboard`);
    // Live: several snapshots over the WebSocket, the last with packets flowing through a worker and
    // quality figures for both calls.
    await page.waitForFunction(() => {
      if (Number(document.body.dataset.updates) < 3) return false;
      const pps = Array.from(document.querySelectorAll('#workers td.pps')).map((e) => Number(e.textContent));
      const mos = Array.from(document.querySelectorAll('#calls tr.call .mos-value')).map((e) => e.textContent);
      return pps.some((n) => n > 0) && mos.length === 2 && mos.every((m) => m !== '–');
    }, undefined, { timeout: 15_000, polling: 200 });

    const view = await page.evaluate(() => Array.from(document.querySelectorAll('#calls tr.call')).map((tr) => ({
      id: tr.querySelector('.call-id')?.textContent,
      state: tr.children[2]?.textContent,
      mos: Number(tr.querySelector('.mos-value')?.textContent),
      jitter: tr.querySelector('.jitter-value')?.textContent,
      codecs: Array.from(tr.nextElementSibling!.querySelectorAll('td.codec, td.codecs')).map((e) => e.textContent).join(' '),
      remotes: tr.nextElementSibling!.querySelectorAll('tr.stream').length,
      sparks: tr.querySelectorAll('svg.spark polyline').length,
    })));
    const workers = await page.evaluate(() => Array.from(document.querySelectorAll('#workers tr[data-worker]')).map((tr) => Number(tr.querySelector('.pps')?.textContent)));
    const shot = process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), `rtpengine-ts-dashboard-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
    console.log(`dashboard: workers packets/s ${JSON.stringify(workers)}; calls ${JSON.stringify(view)}`);

    expect(view.map((v) => v.id).sort()).toEqual(['dash-plain-call', 'dash-transcoded-call']);
    const plain = view.find((v) => v.id === 'dash-plain-call')!;
    const xcode = view.find((v) => v.id === 'dash-transcoded-call')!;
    expect(plain.codecs).toContain('PCMU/8000');
    expect(xcode.codecs).toContain('PCMU/8000');
    expect(xcode.codecs).toContain('PCMA/8000');
    expect(xcode.codecs).toContain('transcoded');
    expect(plain.codecs).not.toContain('transcoded');
    for (const v of view) {
      expect(v.state).toMatch(/^active/);
      expect(v.mos).toBeGreaterThanOrEqual(1);
      expect(v.mos).toBeLessThanOrEqual(5);
      expect(v.jitter).toMatch(/^\d+$/);
      expect(v.remotes).toBe(2);
      expect(v.sparks).toBeGreaterThanOrEqual(2);
    }
    expect(workers.some((n) => n > 0)).toBe(true);
    await page.close();
  }, 60_000);
});
