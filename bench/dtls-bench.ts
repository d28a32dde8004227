/**
 * `npm run bench:dtls`: DTLS handshakes must not disturb forwarding (issue 12). `--calls` (500)
 * plain RTP calls forward `--pps` (50) packets/s each way through rtpengine-ts (bench/rtp-load.c,
 * as in `npm run bench`), and while they do, `--handshakes` (100) DTLS-SRTP calls start their
 * handshakes within `--spread-ms` (1000) ms. The DTLS peers are werift clients in this process
 * (the daemon's own DtlsSession class in the client role, on sockets of their own), offering
 * UDP/TLS/RTP/SAVP with a=setup:actpass; the daemon answers a=setup:passive (`DTLS=passive`).
 *
 * It prints the handshakes completed (peer side, and "established" in the daemon's log), their
 * latency p50/p99/max from ClientHello to the peer's Finished, and the forwarding calls' loss and
 * latency. Exit code 1 when a handshake did not complete or a forwarded packet was lost.
 */
import * as dgram from 'node:dgram';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, fingerprintOf } from '../daemon/dtls/certificate.js';
import { DtlsSession } from '../daemon/dtls/session.js';
import { BENCH_SRC, buildTool, Loadgen } from './lib/loadgen.js';
import { mediaOf, NgClient, pool, setupCall } from './lib/ng-client.js';
import { parseOptions } from './lib/options.js';
import { sampleProcess } from './lib/proc.js';
import { RunningTarget, waitPortFree, type TargetConfig } from './lib/targets.js';

interface DtlsBenchOptions {
  calls: number;
  handshakes: number;
  spreadMs: number;
  warmup: number;
  duration: number;
  pps: number;
  threads: number;
  daemonCpu: string;
  lgCpu: string;
  ngPort: number;
  portMin: number;
  lgPort: number;
}

const HELP = `npm run bench:dtls -- [--calls 500] [--handshakes 100] [--spread-ms 1000] [--duration 10] [--warmup 2]
  [--pps 50] [--threads 1] [--daemon-cpu none] [--lg-cpu none] [--ng-port 22410] [--port-min 23000] [--lg-port 22500]
`;

function parse(argv: string[]): DtlsBenchOptions | null {
  const base = parseOptions([]);
  const o: DtlsBenchOptions = {
    calls: 500, handshakes: 100, spreadMs: 1000, warmup: base.warmup, duration: 10, pps: base.pps, threads: 1,
    // Not pinned by default: taskset would put the daemon's main thread (the handshakes) and its
    // media worker on one core, which is not how it runs, and on a 2-core machine leaves no core
    // for the peers. `--daemon-cpu 0 --lg-cpu 1` pins as `npm run bench` does.
    daemonCpu: '', lgCpu: '', ngPort: base.ngPort, portMin: base.portMin, lgPort: base.lgPort,
  };
  const keys: Record<string, keyof DtlsBenchOptions> = {
    calls: 'calls', handshakes: 'handshakes', 'spread-ms': 'spreadMs', warmup: 'warmup', duration: 'duration', pps: 'pps',
    threads: 'threads', 'daemon-cpu': 'daemonCpu', 'lg-cpu': 'lgCpu', 'ng-port': 'ngPort', 'port-min': 'portMin', 'lg-port': 'lgPort',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help') return null;
    const eq = a.indexOf('=');
    const k = a.slice(2, eq > 0 ? eq : undefined);
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    const field = keys[k];
    if (!a.startsWith('--') || field === undefined || v === undefined) throw new Error(`bad argument ${a}\n${HELP}`);
    if (field === 'daemonCpu' || field === 'lgCpu') (o[field] as string) = v === 'none' ? '' : v;
    else {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${k}: not a number: ${v}`);
      (o[field] as number) = n;
    }
  }
  return o;
}

/** The hard fd limit of this process (prlimit cannot raise the daemon's above it without CAP_SYS_RESOURCE). */
function hardNofile(): number {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function webrtcSdp(port: number, fingerprint: string, n: number): string {
  return [
    'v=0', `o=- ${n} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} UDP/TLS/RTP/SAVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', 'a=rtcp-mux',
    'a=setup:actpass', `a=fingerprint:sha-256 ${fingerprint}`, '',
  ].join('\r\n');
}

interface Peer {
  sock: dgram.Socket;
  relayPort: number;
  session: DtlsSession | null;
  startMs: number;
  doneMs: number;
  failed: string;
}

export async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o === null) {
    process.stdout.write(HELP);
    return 0;
  }
  const runDir = join(BENCH_SRC, 'out', `dtls-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`);
  mkdirSync(runDir, { recursive: true });
  const loadgenBin = buildTool('rtp-load');
  const portsNeeded = 4 * (o.calls + o.handshakes) + 400;
  const tc: TargetConfig = {
    ngPort: o.ngPort, portMin: o.portMin, portMax: o.portMin + portsNeeded - 1, threads: o.threads, rtpengineThreads: o.threads,
    cpu: o.daemonCpu, nofile: Math.min(65536, hardNofile()), logDir: join(runDir, 'logs'), rtpengineBin: '/usr/bin/rtpengine',
    // info level: the daemon logs each established DTLS-SRTP association (counted below)
    extraArgs: ['-L', '6'],
  };
  process.stdout.write(`# dtls bench: ${o.calls} forwarding calls x ${o.pps} pps each way, ${o.handshakes} DTLS handshakes within ` +
    `${o.spreadMs} ms, window ${o.duration} s; daemon-cpu=${o.daemonCpu || 'any'} lg-cpu=${o.lgCpu || 'any'} threads=${o.threads}\n`);
  if (!(await waitPortFree(o.ngPort, 15000))) throw new Error(`ng port ${o.ngPort} stays busy`);
  const d = RunningTarget.start('ts', tc, 'ts-dtls');
  const ng = new NgClient('127.0.0.1', o.ngPort, 1000, 4);
  await ng.open();
  const peers: Peer[] = [];
  const sink = dgram.createSocket('udp4');
  let lg: Loadgen | null = null;
  try {
    if (!(await Promise.race([ng.waitReady(20000), d.exited.then(() => false)]))) throw new Error(`daemon did not answer ping (log: ${d.log})`);
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    const cert = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
    const fp = fingerprintOf(cert.der, 'sha-256');
    lg = new Loadgen({
      bin: loadgenBin, cpu: o.lgCpu, mode: 'rate', pps: o.pps, window: 8, warmup: o.warmup, duration: o.duration, drain: 1,
      socks: 1, port: o.lgPort,
    });
    await lg.expect('READY', 5000);
    const ports = await pool(o.calls, 32, (i) => setupCall(ng, `fwd-${i}`, '127.0.0.1', o.lgPort, o.lgPort + 1, i));
    // The DTLS calls are signalled before the load starts; their handshakes start in the window.
    for (let i = 0; i < o.handshakes; i++) {
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const id = `dtls-${i}`;
      const offer = await ng.request({
        command: 'offer', 'call-id': id, 'from-tag': 'a', sdp: webrtcSdp(sock.address().port, fp, i), 'transport-protocol': 'RTP/AVP',
      });
      if (offer.dict['result'] !== 'ok') throw new Error(`DTLS offer ${i}: ${String(offer.dict['error-reason'])}`);
      const answer = await ng.request({
        command: 'answer', 'call-id': id, 'from-tag': 'a', 'to-tag': 'b', DTLS: 'passive',
        sdp: ['v=0', `o=- ${i} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
          `m=audio ${sink.address().port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join('\r\n'),
      });
      if (answer.dict['result'] !== 'ok') throw new Error(`DTLS answer ${i}: ${String(answer.dict['error-reason'])}`);
      const sdp = String(answer.dict['sdp']);
      if (!/^a=setup:passive/m.test(sdp)) throw new Error(`DTLS answer ${i} has no a=setup:passive:\n${sdp}`);
      const p: Peer = { sock, relayPort: mediaOf(sdp).port, session: null, startMs: 0, doneMs: 0, failed: '' };
      sock.on('message', (m, ri) => p.session?.feed(m, ri.address, ri.port));
      peers.push(p);
    }
    process.stdout.write(`${o.calls} forwarding and ${o.handshakes} DTLS calls set up; load running\n`);
    let windowStart!: () => void;
    const started = new Promise<void>((r) => { windowStart = r; });
    lg.onMark = (what) => { if (what === 'start') windowStart(); };
    lg.sendCalls(ports);
    await started;
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    for (let i = 0; i < peers.length; i++) {
      const p = peers[i]!;
      setTimeout(() => {
        p.session = new DtlsSession({
          role: 'active', cert, timeoutMs: 20_000,
          send: (data, address, port) => p.sock.send(data, port, address),
          peer: () => ({ address: '127.0.0.1', port: p.relayPort }),
          done: () => { p.doneMs = performance.now(); },
          failed: (why) => { p.failed = why; },
        });
        p.startMs = performance.now();
        p.session.start();
      }, (i * o.spreadMs) / Math.max(1, peers.length));
    }
    const allDone = (): boolean => peers.every((p) => p.doneMs > 0 || p.failed !== '');
    while (!allDone() && performance.now() - t0 < 25_000) await new Promise((r) => setTimeout(r, 20));
    const lastStart = Math.max(...peers.map((p) => p.startMs)) - t0;
    const r = await lg.result((o.warmup + o.duration + 60) * 1000);
    if (!d.alive) throw new Error(`daemon exited during the run (log: ${d.log})`);
    const rss = (sampleProcess(d.pid)?.rssKb ?? NaN) / 1024;
    const lat = peers.filter((p) => p.doneMs > 0).map((p) => p.doneMs - p.startMs);
    const failed = peers.filter((p) => p.doneMs === 0);
    const estLines = readFileSync(d.log, 'utf8').split('\n').filter((l) => l.includes('established: '));
    const established = estLines.length;
    const daemonLat = estLines.map((l) => Number(/handshake ([\d.]+) ms/.exec(l)?.[1])).filter((x) => Number.isFinite(x));
    const lost = r.tx_win - Math.min(r.rx_win, r.tx_win);
    process.stdout.write([
      '',
      `handshakes: ${lat.length}/${peers.length} completed at the peers, ${established} established in the daemon; ` +
        `all started within ${lastStart.toFixed(0)} ms`,
      `handshake latency at the peers (ClientHello to Finished): p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, ` +
        `max ${Math.max(...lat).toFixed(1)} ms`,
      `handshake latency in the daemon (first datagram to keys): p50 ${pct(daemonLat, 50).toFixed(1)} ms, ` +
        `p99 ${pct(daemonLat, 99).toFixed(1)} ms, max ${Math.max(...daemonLat).toFixed(1)} ms`,
      `forwarding: ${r.fwd_pps.toFixed(0)} pps, lost ${lost} of ${r.tx_win} (${r.loss_pct.toFixed(4)} %), ` +
        `latency p50 ${(r.p50_us / 1000).toFixed(2)} ms p99 ${(r.p99_us / 1000).toFixed(2)} ms max ${(r.max_us / 1000).toFixed(2)} ms; ` +
        `daemon RSS ${rss.toFixed(0)} MB`,
      ...failed.slice(0, 5).map((p) => `  failed handshake: ${p.failed || 'not finished'}`),
      `daemon log: ${d.log}`,
      '',
    ].join('\n'));
    return failed.length === 0 && established === peers.length && lost === 0 ? 0 : 1;
  } finally {
    lg?.kill();
    for (const p of peers) {
      p.session?.close();
      p.sock.close();
    }
    sink.close();
    ng.close();
    await d.stop();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  });
}
