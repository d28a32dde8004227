// What rtpengine 10.5 logs over a call's life (not part of npm test; `npm run build` first):
// offer/answer, RTP both ways, a re-offer, a delete, then a second call left to time out.
// `node test/dev/call-log-probe.mjs [LEVEL]` prints rtpengine's stderr (default -L 7); with
// PROBE_OURS=1 the same against our daemon (dist/daemon/main.js) instead.
import { spawn } from 'node:child_process';
import { ngClient, sleep, socket } from './rtpengine-probe-lib.mjs';

const level = process.argv[2] ?? '7';
const ng = 42000 + (process.pid % 500);
const ours = process.env.PROBE_OURS === '1';
const proc = spawn(ours ? process.execPath : '/usr/bin/rtpengine', [...(ours ? [new URL('../../dist/daemon/main.js', import.meta.url).pathname] : []),'--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${ng}`,
  '-m', '43000', '-M', '43099', '-f', '-E', '-L', level, '--num-threads=1', '-o', '3', '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
proc.stderr.on('data', (b) => { out += b; });
proc.stdout.on('data', (b) => { out += b; });
const req = ngClient(ng);
for (let i = 0; i < 50; i++) { try { await req({ command: 'ping' }); break; } catch { await sleep(100); } }

const sdp = (port) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8\r\na=sendrecv\r\n`;
const rtp = (seq, ssrc) => { const b = Buffer.alloc(172); b[0] = 0x80; b[1] = 0; b.writeUInt16BE(seq, 2); b.writeUInt32BE(seq * 160, 4); b.writeUInt32BE(ssrc, 8); return b; };
const portOf = (s) => Number(/m=audio (\d+)/.exec(s)[1]);

async function call(id, rtpBoth, del, learnMs = 0) {
  const a = await socket(); const b = await socket();
  // B's media comes from another port than its SDP names (NAT): rtpengine learns it.
  const b2 = await socket();
  const mark = (s) => { out += `----- PROBE: ${s}\n`; };
  mark(`offer ${id}`);
  const o = await req({ command: 'offer', 'call-id': id, 'from-tag': 'ftag', sdp: sdp(a.port) });
  mark(`answer ${id}`);
  const an = await req({ command: 'answer', 'call-id': id, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: sdp(b.port) });
  const toB = portOf(o.sdp); const toA = portOf(an.sdp);
  if (rtpBoth) {
    mark(`rtp ${id}`);
    for (let i = 0; i < 10; i++) { a.s.send(rtp(i, 0x1111), toA, '127.0.0.1'); b.s.send(rtp(i, 0x2222), toB, '127.0.0.1'); await sleep(20); }
    await sleep(200);
    mark(`reoffer ${id}`);
    await req({ command: 'offer', 'call-id': id, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: sdp(a.port).replace('1 1 IN', '1 2 IN') });
    for (let i = 10; i < 15; i++) { a.s.send(rtp(i, 0x1111), toA, '127.0.0.1'); b.s.send(rtp(i, 0x2222), toB, '127.0.0.1'); await sleep(20); }
    await sleep(200);
    if (learnMs > 0) {
      mark(`rtp for ${learnMs} ms, B from another port ${id}`);
      for (let i = 15, end = Date.now() + learnMs; Date.now() < end; i++) {
        a.s.send(rtp(i, 0x1111), toA, '127.0.0.1'); b2.s.send(rtp(i, 0x2222), toB, '127.0.0.1'); await sleep(50);
      }
    }
  }
  if (del) { mark(`delete ${id}`); await req({ command: 'delete', 'call-id': id, 'from-tag': 'ftag' }); await sleep(300); }
  return [a, b, b2];
}

for (const s of await call('probe-call-1', true, true, 4500)) s.s.close();
const socks = await call('probe-call-2', true, false);
out += '----- PROBE: waiting for timeout\n';
await sleep(6000);
for (const s of await call('probe-call-3', false, true)) s.s.close();
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
for (const s of socks) s.s.close();
process.stdout.write(out);
