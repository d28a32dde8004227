// The /metrics comparison an operator would make: rtpengine 10.5 and rtpengine-ts side by side, the same
// PCMU↔PCMA transcoding call on each (100 packets each way), then every family of both scrapes with its
// type and label names, and whether the other daemon has it. (The test that holds this is
// test/integration/metrics-compat.test.ts; this prints the table.) `npm run build && node test/dev/metrics-families-probe.mjs`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ngClient, sleep, socket } from './rtpengine-probe-lib.mjs';

const MAIN = fileURLToPath(new URL('../../dist/daemon/main.js', import.meta.url));
const common = (ng, http, min) => ['--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${ng}`,
  '-m', String(min), '-M', String(min + 99), '-f', '-E', '-L', '3', '--num-threads=1', `--listen-http=127.0.0.1:${http}`];
const daemons = {
  'rtpengine 10.5': spawn('/usr/bin/rtpengine', common(22861, 22862, 35400), { stdio: 'ignore' }),
  'rtpengine-ts': spawn(process.execPath, [MAIN, ...common(22863, 22864, 35500)], { stdio: 'ignore' }),
};
const ports = { 'rtpengine 10.5': [22861, 22862], 'rtpengine-ts': [22863, 22864] };
process.on('exit', () => { for (const p of Object.values(daemons)) p.kill(); });
await sleep(3000);

const sdp = (port, pt, map) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pt}\r\na=rtpmap:${pt} ${map}\r\n`;
const rtp = (pt, seq, ssrc) => {
  const b = Buffer.alloc(172, 0xd5);
  b[0] = 0x80; b[1] = pt; b.writeUInt16BE(seq, 2); b.writeUInt32BE(seq * 160, 4); b.writeUInt32BE(ssrc, 8);
  return b;
};
/** family name → { type, labels } */
async function families(name) {
  const [ngPort, http] = ports[name];
  const ng = ngClient(ngPort);
  const a = await socket();
  const b = await socket();
  const offer = await ng({ command: 'offer', 'call-id': 'fam', 'from-tag': 'a', sdp: sdp(a.port, 0, 'PCMU/8000'), codec: new Map([['transcode', ['PCMA']]]) });
  const answer = await ng({ command: 'answer', 'call-id': 'fam', 'from-tag': 'a', 'to-tag': 'b', sdp: sdp(b.port, 8, 'PCMA/8000') });
  const mport = (s) => Number(/m=audio (\d+)/.exec(s)[1]);
  for (let i = 0; i < 100; i++) {
    a.s.send(rtp(0, i, 0x1111), mport(answer.sdp), '127.0.0.1');
    b.s.send(rtp(8, i, 0x2222), mport(offer.sdp), '127.0.0.1');
    await sleep(20);
  }
  await sleep(1200);
  const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
  await ng({ command: 'delete', 'call-id': 'fam' });
  a.s.close(); b.s.close();
  const fams = new Map();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)/.exec(line);
    if (t) { fams.set(t[1], { type: t[2], labels: new Set() }); continue; }
    const s = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!s) continue;
    const f = fams.get(s[1]) ?? fams.get(s[1].replace(/_(total|count|sum|bucket)$/, '')) ?? (fams.set(s[1], { type: '(untyped)', labels: new Set() }), fams.get(s[1]));
    for (const m of (s[2] ?? '').matchAll(/(\w+)="/g)) f.labels.add(m[1]);
  }
  return fams;
}
const ref = await families('rtpengine 10.5');
const ours = await families('rtpengine-ts');
const rows = [];
let missing = 0;
let differ = 0;
for (const [n, f] of ref) {
  const o = ours.get(n);
  const same = o && o.type === f.type && [...f.labels].sort().join(',') === [...o.labels].sort().join(',');
  if (!o) missing++; else if (!same) differ++;
  rows.push(`${n.padEnd(44)} ${f.type.padEnd(8)} {${[...f.labels].join(',')}}`.padEnd(84) + (o ? (same ? 'same' : `ours: ${o.type} {${[...o.labels].join(',')}}`) : 'MISSING in rtpengine-ts'));
}
console.log(rows.join('\n'));
const extra = [...ours.keys()].filter((n) => !ref.has(n));
console.log(`\nrtpengine 10.5: ${ref.size} families; rtpengine-ts has ${ref.size - missing} of them (${differ} with another type or label set), plus ${extra.length} of its own (${extra.filter((n) => n.startsWith('rtpengine_ts_')).length} named rtpengine_ts_*).`);
process.exit(0);
