/**
 * --listen-https (rtpengine 10.5's HTTPS/WSS listener): a self-signed pair made with openssl in a temp
 * dir; /ping, /metrics, /cli/ and a 404 over TLS; the dashboard page loaded over https:// in headless
 * chromium (certificate errors ignored), whose WebSocket must then be wss:// and show a live call.
 * Start-up is refused without --https-cert, as rtpengine refuses it; without --https-key the key is
 * read from the certificate file, as rtpengine does.
 * Skipped without openssl; the chromium part without chromium (unless CI=true, then both fail).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { MAIN, freeUdpPort, startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { freeTcpPort } from '../helpers/ng-transports.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';

interface Doc { body: { dataset: Record<string, string> }; querySelectorAll(sel: string): ArrayLike<{ textContent: string | null }> }
declare const document: Doc;

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const ci = process.env.CI === 'true';

let dir = '';
let cert = '';
let key = '';
let d: DaemonHandle | undefined;
let httpsPort = 0;

/** GET over TLS, trusting exactly the test's self-signed certificate (servername localhost). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, path, ca: readFileSync(cert), servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  if (!haveOpenssl && !ci) return;
  dir = mkdtempSync(join(tmpdir(), 'rtpengine-ts-https-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  httpsPort = await freeTcpPort();
  d = await startDaemon([`--listen-https=127.0.0.1:${httpsPort}`, `--https-cert=${cert}`, `--https-key=${key}`]);
}, 30_000);

afterAll(async () => {
  await d?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveOpenssl && !ci)('--listen-https', () => {
  it('serves /ping, /metrics, /cli/ and 404 over TLS with the given certificate', async () => {
    expect(await get('/ping')).toEqual({ status: 200, body: 'pong\n' });
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^rtpengine_sessions\{type="own"\} 0$/m);
    const cli = await get('/cli/list/numsessions');
    expect(cli.status).toBe(200);
    expect(cli.body).toContain('Current sessions own: 0');
    expect((await get('/no-such-path')).status).toBe(404);
    expect(d!.log()).toMatch(/Listening for HTTPS and WSS/);
  });

  it('refuses to start without --https-cert, as rtpengine 10.5', () => {
    const r = spawnSync(process.execPath, [MAIN, '--config-file=none', '-i', '127.0.0.1', '-f', '-E', '--listen-https=127.0.0.1:1'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('HTTPS/WSS listener requested, but no certificate given');
  });

  it('refuses to start with a certificate file that has no key and no --https-key', async () => {
    const ng = await freeUdpPort();
    const r = spawnSync(process.execPath, [MAIN, '--config-file=none', '-i', '127.0.0.1', '-f', '-E', '-n', `127.0.0.1:${ng}`,
      '--num-threads=1', '-m', '45000', '-M', '45001', `--listen-https=127.0.0.1:${httpsPort + 1}`, `--https-cert=${cert}`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Failed to start websocket listener: unusable HTTPS certificate or key');
  }, 40_000);

  it('reads the key from the certificate file without --https-key', async () => {
    const both = join(dir, 'both.pem');
    writeFileSync(both, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
    const port = await freeTcpPort();
    const e = await startDaemon([`--listen-https=127.0.0.1:${port}`, `--https-cert=${both}`], { ports: 50 });
    try {
      const saved = httpsPort;
      httpsPort = port;
      try {
        expect(await get('/ping')).toEqual({ status: 200, body: 'pong\n' });
      } finally {
        httpsPort = saved;
      }
    } finally {
      await e.close();
    }
  }, 30_000);
});

describe.skipIf((!haveOpenssl || !haveChromium) && !ci)('GET /dashboard over https in chromium', () => {
  let browser: Browser | undefined;
  const peers: RtpPeer[] = [];
  let sender: NodeJS.Timeout | undefined;

  afterAll(async () => {
    if (sender) clearInterval(sender);
    await browser?.close();
    for (const p of peers) p.close();
  });

  it('connects over wss:// and shows a live call', async () => {
    const a = await RtpPeer.open();
    const b = await RtpPeer.open();
    peers.push(a, b);
    const offer = await d!.ng.request({ command: 'offer', 'call-id': 'dash-https-call', 'from-tag': 'a', sdp: phoneSdp('a', a.port, { pts: [0] }) });
    const answer = await d!.ng.request({ command: 'answer', 'call-id': 'dash-https-call', 'from-tag': 'a', 'to-tag': 'b', sdp: phoneSdp('b', b.port, { pts: [0] }) });
    expect(str(answer.get('result'))).toBe('ok');
    const toB = mPort(str(answer.get('sdp')));
    const toA = mPort(str(offer.get('sdp')));
    let seq = 0;
    sender = setInterval(() => {
      seq++;
      a.send(rtpPacket(0, seq & 0xffff, seq * 160, 0x2001), toB);
      b.send(rtpPacket(0, seq & 0xffff, seq * 160, 0x2002), toA);
    }, 20);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 600 } });
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`https://127.0.0.1:${httpsPort}/dashboard`);
    await page.waitForFunction(() => {
      if (Number(document.body.dataset.updates) < 2) return false;
      const ids = Array.from(document.querySelectorAll('#calls tr.call .call-id')).map((e) => e.textContent);
      const pps = Array.from(document.querySelectorAll('#workers td.pps')).map((e) => Number(e.textContent));
      return ids.includes('dash-https-call') && pps.some((n) => n > 0);
    }, undefined, { timeout: 20_000, polling: 200 });
    const conn = await page.evaluate(() => Array.from(document.querySelectorAll('#conn')).map((e) => e.textContent)[0]);
    const shot = process.env.DASHBOARD_SCREENSHOT_HTTPS ?? join(tmpdir(), `rtpengine-ts-dashboard-https-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard (https) screenshot: ${shot}; websockets ${JSON.stringify(sockets)}`);
    expect(conn).toBe('live');
    expect(sockets).toEqual([`wss://127.0.0.1:${httpsPort}/dashboard/ws`]);
    await page.close();
  }, 90_000);
});
