/**
 * WebRTC ↔ SIP through rtpengine-ts with a real browser (issue 13): Debian's chromium, headless,
 * driven by playwright-core, makes an RTCPeerConnection with a WebAudio oscillator (440 Hz). Its SDP
 * goes through the daemon with the flags a Kamailio WebRTC gateway sends; the SIP side is this
 * test's own plain RTP phone that echoes what it gets (so the browser hears its own tone) and
 * checks the tone in the decrypted G.711 it receives. Assertions come from the browser's getStats()
 * (ICE pair through the daemon's candidate, DTLS connected, inbound audio with energy) and from the
 * SIP side. Runs inside test/webrtc/run.sh's network namespace: the browser has 203.0.113.5, the
 * daemon 203.0.113.6.
 */
import * as dgram from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { ULAW_DECODE } from '../../transcode/g711.js';

const DAEMON_ADDR = '203.0.113.6';
const BROWSER_ADDR = '203.0.113.5';

let d: DaemonHandle;
let browser: Browser;
let http: Server;
let pageUrl = '';

/** The page: a peer connection with a 440 Hz oscillator track; the test drives it through window.rtc. */
const PAGE = `<!doctype html><html><body><script>
window.rtc = {
  pc: null,
  async start() {
    const ac = new AudioContext();
    const osc = ac.createOscillator();
    osc.frequency.value = 440;
    const gain = ac.createGain();
    gain.gain.value = 0.5;
    const dst = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dst);
    osc.start();
    this.pc = new RTCPeerConnection({ iceServers: [] });
    for (const t of dst.stream.getAudioTracks()) this.pc.addTrack(t, dst.stream);
    this.rms = 0;
    this.pc.ontrack = (e) => {
      // Remote audio must be attached to a media element before WebAudio sees its samples (Chrome).
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      const a = new Audio(); a.srcObject = stream; a.muted = true; a.play().catch(() => {});
      const an = ac.createAnalyser(); an.fftSize = 2048;
      ac.createMediaStreamSource(stream).connect(an);
      const buf = new Float32Array(an.fftSize);
      setInterval(() => {
        an.getFloatTimeDomainData(buf);
        let sum = 0; for (const v of buf) sum += v * v;
        this.rms = Math.max(this.rms, Math.sqrt(sum / buf.length));
      }, 50);
    };
  },
  async gathered() {
    if (this.pc.iceGatheringState === 'complete') return;
    await new Promise((r) => { this.pc.addEventListener('icegatheringstatechange', () => { if (this.pc.iceGatheringState === 'complete') r(); }); setTimeout(r, 3000); });
  },
  rms: 0,
  async offer(restart) {
    await this.pc.setLocalDescription(await this.pc.createOffer(restart ? { iceRestart: true } : {}));
    await this.gathered();
    return this.pc.localDescription.sdp;
  },
  async answerTo(sdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.gathered();
    return this.pc.localDescription.sdp;
  },
  async accept(sdp) { await this.pc.setRemoteDescription({ type: 'answer', sdp }); },
  async stats() {
    const out = { pair: null, local: null, remote: null, dtls: null, inbound: null, outbound: null, ice: this.pc.iceConnectionState, rms: this.rms };
    const r = await this.pc.getStats();
    const byId = new Map(); r.forEach((s) => byId.set(s.id, s));
    r.forEach((s) => {
      if (s.type === 'transport') {
        out.dtls = s.dtlsState;
        const p = byId.get(s.selectedCandidatePairId);
        if (p) { out.pair = p.state; out.local = byId.get(p.localCandidateId); out.remote = byId.get(p.remoteCandidateId); }
      }
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.inbound = { packets: s.packetsReceived, energy: s.totalAudioEnergy, level: s.audioLevel };
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outbound = { packets: s.packetsSent };
    });
    return out;
  },
  close() { this.pc && this.pc.close(); },
};
</script></body></html>`;

/** The SIP phone: plain RTP on the daemon's address family; echoes RTP back and keeps a copy. */
class SipPhone {
  readonly sock = dgram.createSocket('udp4');
  readonly got: Buffer[] = [];
  echoTo: { port: number } | null = null;

  async open(): Promise<void> {
    await new Promise<void>((r) => this.sock.bind(0, DAEMON_ADDR, () => r()));
    this.sock.on('message', (m) => {
      if (m.length < 12 || (m[1]! & 0x7f) >= 72 && (m[1]! & 0x7f) <= 95) return; // RTCP
      this.got.push(Buffer.from(m));
      if (this.echoTo) this.sock.send(m, this.echoTo.port, DAEMON_ADDR);
    });
  }

  get port(): number {
    return this.sock.address().port;
  }

  sdp(): string {
    return ['v=0', `o=- 7 1 IN IP4 ${DAEMON_ADDR}`, 's=sip', `c=IN IP4 ${DAEMON_ADDR}`, 't=0 0', `m=audio ${this.port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
  }

  /** Dominant frequency of the PCMU payloads received (zero crossings), and their mean |amplitude|. */
  tone(): { hz: number; amplitude: number } {
    const pcmu = this.got.filter((p) => (p[1]! & 0x7f) === 0).slice(-100);
    let crossings = 0;
    let samples = 0;
    let sum = 0;
    let prev = 0;
    for (const p of pcmu) {
      for (let i = 12; i < p.length; i++) {
        const v = ULAW_DECODE[p[i]!]!;
        if ((prev < 0 && v >= 0) || (prev >= 0 && v < 0)) crossings++;
        prev = v;
        sum += Math.abs(v);
        samples++;
      }
    }
    return { hz: samples ? (crossings / 2) / (samples / 8000) : 0, amplitude: samples ? sum / samples : 0 };
  }

  close(): void {
    this.sock.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(pageUrl);
  await page.evaluate(() => (globalThis as unknown as { rtc: { start(): Promise<void> } }).rtc.start());
  return page;
}

type Stats = {
  pair: string | null; local: { address?: string; ip?: string } | null; remote: { address?: string; ip?: string; port?: number } | null;
  dtls: string | null; inbound: { packets: number; energy: number; level: number } | null; outbound: { packets: number } | null; ice: string;
  /** Highest RMS of the received audio seen by a WebAudio analyser (0..1). */
  rms: number;
};

async function stats(page: Page): Promise<Stats> {
  return page.evaluate(() => (globalThis as unknown as { rtc: { stats(): Promise<unknown> } }).rtc.stats()) as Promise<Stats>;
}

/** Waits until the browser has received `packets` audio packets (or the time is up) and returns its stats. */
async function waitForAudio(page: Page, packets: number, ms = 20000): Promise<Stats> {
  let s = await stats(page);
  for (const end = Date.now() + ms; Date.now() < end && (s.inbound?.packets ?? 0) < packets;) {
    await sleep(250);
    s = await stats(page);
  }
  return s;
}

function rpc<T>(page: Page, fn: string, arg?: string | boolean): Promise<T> {
  return page.evaluate(([f, a]) => (globalThis as unknown as Record<string, Record<string, (x: unknown) => Promise<unknown>>>).rtc[f as string]!(a), [fn, arg] as const) as Promise<T>;
}

beforeAll(async () => {
  d = await startDaemon(['-i', DAEMON_ADDR], { ngHost: '127.0.0.1', ports: 200 });
  http = createServer((_req, res) => { res.setHeader('content-type', 'text/html'); res.end(PAGE); });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  pageUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
      // Real host candidates instead of mDNS names the daemon cannot resolve (spec/browser-test.md).
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  http?.close();
  await d?.close();
});

describe('WebRTC ↔ SIP with chromium', () => {
  it('browser → SIP: ICE and DTLS through the daemon, audio both ways, then an ICE restart', async () => {
    const page = await newPage();
    const phone = new SipPhone();
    await phone.open();
    try {
      const callId = `browser-a-${process.pid}`;
      const offerSdp = await rpc<string>(page, 'offer');
      expect(offerSdp).toContain(BROWSER_ADDR);
      // Toward SIP, as a Kamailio WebRTC gateway asks: no ICE, no DTLS/SDES, rtcp-mux demuxed, RTP/AVP.
      const toSipFlags = { ICE: 'remove', DTLS: 'off', 'rtcp-mux': ['demux'], 'transport-protocol': 'RTP/AVP', flags: ['SDES-off'] };
      const offer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'browser', sdp: offerSdp, ...toSipFlags });
      expect(str(offer.get('result'))).toBe('ok');
      const toSip = str(offer.get('sdp'));
      expect(toSip).toMatch(/^m=audio \d+ RTP\/AVP /m);
      expect(toSip).not.toMatch(/a=(candidate|fingerprint|crypto)/);
      phone.echoTo = { port: Number(/^m=audio (\d+)/m.exec(toSip)![1]) };
      // Back toward the browser: our ICE, rtcp-mux, DTLS (the offer's UDP/TLS/RTP/SAVPF comes back).
      const answer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'browser', 'to-tag': 'sip', sdp: phone.sdp(), ICE: 'force', 'rtcp-mux': ['accept'] });
      const toBrowser = str(answer.get('sdp'));
      expect(toBrowser).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0/m);
      expect(toBrowser).toMatch(new RegExp(`^a=candidate:\\S+ 1 UDP \\d+ ${DAEMON_ADDR.replace(/\./g, '\\.')} \\d+ typ host\\r$`, 'm'));
      await rpc(page, 'accept', toBrowser);
      const s = await waitForAudio(page, 250);
      console.log('browser → SIP getStats:', JSON.stringify({ ice: s.ice, pair: s.pair, remote: s.remote && `${s.remote.address ?? s.remote.ip}:${s.remote.port}`, dtls: s.dtls, inbound: s.inbound, outbound: s.outbound, rms: s.rms }));
      expect(s.pair).toBe('succeeded');
      expect(s.remote?.address ?? s.remote?.ip).toBe(DAEMON_ADDR);
      expect(s.remote?.port).toBe(Number(/^m=audio (\d+)/m.exec(toBrowser)![1]));
      expect(s.dtls).toBe('connected');
      expect(s.inbound!.packets).toBeGreaterThan(200);
      // Audio above silence, as decoded by the browser (its getStats energy needs an audio device).
      expect(s.rms).toBeGreaterThan(0.05);
      const tone = phone.tone();
      console.log('browser → SIP at the SIP phone:', JSON.stringify({ packets: phone.got.length, ...tone }));
      expect(phone.got.length).toBeGreaterThan(200);
      expect(tone.hz).toBeGreaterThan(400);
      expect(tone.hz).toBeLessThan(480);
      expect(tone.amplitude).toBeGreaterThan(1000);

      // ICE restart mid-call: new credentials through the daemon, audio goes on.
      const before = s.inbound!.packets;
      const reOfferSdp = await rpc<string>(page, 'offer', true);
      const reOffer = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'browser', sdp: reOfferSdp, ...toSipFlags });
      expect(str(reOffer.get('result'))).toBe('ok');
      const reAnswer = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'browser', 'to-tag': 'sip', sdp: phone.sdp(), ICE: 'force', 'rtcp-mux': ['accept'] });
      await rpc(page, 'accept', str(reAnswer.get('sdp')));
      const after = await waitForAudio(page, before + 150);
      console.log('after ICE restart getStats:', JSON.stringify({ ice: after.ice, pair: after.pair, dtls: after.dtls, inbound: after.inbound }));
      expect(after.pair).toBe('succeeded');
      expect(after.dtls).toBe('connected');
      expect(after.inbound!.packets).toBeGreaterThan(before + 100);
    } finally {
      phone.close();
      await page.close();
    }
  });

  it('SIP → browser: the daemon offers WebRTC (ICE, DTLS passive, rtcp-mux), the browser answers; audio both ways', async () => {
    const page = await newPage();
    const phone = new SipPhone();
    await phone.open();
    try {
      const callId = `browser-b-${process.pid}`;
      const offer = await d.ng.request({
        command: 'offer', 'call-id': callId, 'from-tag': 'sip', sdp: phone.sdp(),
        ICE: 'force', DTLS: 'passive', 'rtcp-mux': ['offer'], 'transport-protocol': 'UDP/TLS/RTP/SAVPF', flags: ['SDES-off', 'generate-mid'],
      });
      const toBrowser = str(offer.get('sdp'));
      expect(toBrowser).toMatch(/^a=setup:actpass\r$/m);
      const answerSdp = await rpc<string>(page, 'answerTo', toBrowser);
      const answer = await d.ng.request({
        command: 'answer', 'call-id': callId, 'from-tag': 'sip', 'to-tag': 'browser', sdp: answerSdp, ICE: 'remove', 'rtcp-mux': ['demux'],
      });
      const toSip = str(answer.get('sdp'));
      expect(toSip).toMatch(/^m=audio \d+ RTP\/AVP /m);
      phone.echoTo = { port: Number(/^m=audio (\d+)/m.exec(toSip)![1]) };
      // The SIP phone starts talking (the echo starts with the browser's media).
      const s = await waitForAudio(page, 250);
      console.log('SIP → browser getStats:', JSON.stringify({ ice: s.ice, pair: s.pair, remote: s.remote && `${s.remote.address ?? s.remote.ip}:${s.remote.port}`, dtls: s.dtls, inbound: s.inbound, outbound: s.outbound, rms: s.rms }));
      expect(s.pair).toBe('succeeded');
      expect(s.remote?.address ?? s.remote?.ip).toBe(DAEMON_ADDR);
      expect(s.dtls).toBe('connected');
      expect(s.inbound!.packets).toBeGreaterThan(200);
      // Audio above silence, as decoded by the browser (its getStats energy needs an audio device).
      expect(s.rms).toBeGreaterThan(0.05);
      const tone = phone.tone();
      console.log('SIP → browser at the SIP phone:', JSON.stringify({ packets: phone.got.length, ...tone }));
      expect(tone.hz).toBeGreaterThan(400);
      expect(tone.hz).toBeLessThan(480);
    } finally {
      phone.close();
      await page.close();
    }
  });
});
