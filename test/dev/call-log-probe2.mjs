// rtpengine 10.5's call lines at -L 5 with and without the ng `debug` flag, and its end-of-call
// lines for final timeout, delete-delay and an offer-only call (not part of npm test; `npm run build` first).
// `node test/dev/call-log-probe2.mjs` prints rtpengine's stderr of two runs; with PROBE_OURS=1 the
// same against our daemon (dist/daemon/main.js).
import { spawn } from 'node:child_process';
import { ngClient, sleep, socket } from './rtpengine-probe-lib.mjs';

const sdp = (port, dir = 'sendrecv') => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8\r\na=${dir}\r\n`;
const rtp = (seq, ssrc) => { const b = Buffer.alloc(172); b[0] = 0x80; b.writeUInt16BE(seq, 2); b.writeUInt32BE(ssrc, 8); return b; };
const portOf = (s) => Number(/m=audio (\d+)/.exec(s)[1]);

async function run(level, extra, body) {
  const ng = 42000 + (process.pid % 500);
  const ours = process.env.PROBE_OURS === '1';
  const proc = spawn(ours ? process.execPath : '/usr/bin/rtpengine', [...(ours ? [new URL('../../dist/daemon/main.js', import.meta.url).pathname] : []),'--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${ng}`,
    '-m', '43100', '-M', '43199', '-f', '-E', '-L', level, '--num-threads=1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (b) => { out += b; });
  const req = ngClient(ng);
  for (let i = 0; i < 50; i++) { try { await req({ command: 'ping' }); break; } catch { await sleep(100); } }
  await body(req, (s) => { out += `----- PROBE: ${s}\n`; });
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  process.stdout.write(`===== run -L ${level} ${extra.join(' ')}\n${out}`);
}

async function call(req, mark, id, offerFlags, media = true, dir = 'sendrecv') {
  const a = await socket(); const b = await socket();
  mark(`offer ${id} flags=${offerFlags}`);
  const o = await req({ command: 'offer', 'call-id': id, 'from-tag': 'ftag', sdp: sdp(a.port, dir), flags: offerFlags });
  mark(`answer ${id}`);
  const an = await req({ command: 'answer', 'call-id': id, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: sdp(b.port, dir === 'sendonly' ? 'recvonly' : dir) });
  if (media) {
    mark(`rtp ${id}`);
    for (let i = 0; i < 5; i++) { a.s.send(rtp(i, 0xa), portOf(an.sdp), '127.0.0.1'); b.s.send(rtp(i, 0xb), portOf(o.sdp), '127.0.0.1'); await sleep(20); }
    await sleep(100);
  }
  a.s.close(); b.s.close();
}

await run('5', [], async (req, mark) => {
  await call(req, mark, 'dbg-call', ['debug']);
  await call(req, mark, 'plain-call', []);
  mark('delete dbg-call'); await req({ command: 'delete', 'call-id': 'dbg-call', 'from-tag': 'ftag' });
  mark('delete plain-call'); await req({ command: 'delete', 'call-id': 'plain-call', 'from-tag': 'ftag' });
  await sleep(200);
});
await run('6', ['-a', '2', '-d', '1', '-s', '2', '-o', '60'], async (req, mark) => {
  await call(req, mark, 'final-call', [], false);
  mark('offer-only call');
  const a = await socket();
  await req({ command: 'offer', 'call-id': 'offer-only', 'from-tag': 'ftag', sdp: sdp(a.port), label: 'caller' });
  mark('delete offer-only (delete-delay 1)'); await req({ command: 'delete', 'call-id': 'offer-only' });
  mark('wait 3.5 s'); await sleep(3500);
  a.s.close();
});
