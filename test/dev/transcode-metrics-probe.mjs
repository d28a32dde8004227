// What rtpengine 10.5 counts in rtpengine_transcode_{packets,bytes,samples}_total{chain} and CLI
// `list transcoders` (findings in daemon/media/transcode-counters.ts). A PCMU caller, `codec:
// {transcode: [XC]}`, a callee answering only XC; 100 packets A→B and 50 B→A at 20 ms, then the
// transcode lines of /metrics during the call and after its delete, and `list transcoders` over HTTP.
// `npm run build && node test/dev/transcode-metrics-probe.mjs [PCMA|opus]`.
import { spawn } from 'node:child_process';
import { ngClient, sleep, socket } from './rtpengine-probe-lib.mjs';

const [NG, HTTP] = [22851, 22852];
const xc = process.argv[2] ?? 'PCMA';
const callee = xc === 'opus' ? [96, 'opus/48000/2'] : [8, 'PCMA/8000'];
// startRtpengine()'s arguments plus --listen-http.
const p = spawn('/usr/bin/rtpengine', ['--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${NG}`,
  '-m', '35200', '-M', '35299', '-f', '-E', '-L', '3', '--num-threads=1', `--listen-http=127.0.0.1:${HTTP}`], { stdio: 'ignore' });
process.on('exit', () => p.kill());
await sleep(1500);
const ng = ngClient(NG);
const sdp = (port, pt, map) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pt}\r\na=rtpmap:${pt} ${map}\r\n`;
const rtp = (pt, seq, ssrc) => {
  const b = Buffer.alloc(172, 0xd5);
  b[0] = 0x80; b[1] = pt; b.writeUInt16BE(seq, 2); b.writeUInt32BE(seq * 160, 4); b.writeUInt32BE(ssrc, 8);
  return b;
};
const get = async (path) => (await fetch(`http://127.0.0.1:${HTTP}${path}`)).text();
const xcLines = async () => (await get('/metrics')).split('\n').filter((l) => /^rtpengine_transcode/.test(l)).join('\n');

const a = await socket();
const b = await socket();
const offer = await ng({ command: 'offer', 'call-id': 'xm', 'from-tag': 'a', sdp: sdp(a.port, 0, 'PCMU/8000'), codec: new Map([['transcode', [xc]]]) });
const answer = await ng({ command: 'answer', 'call-id': 'xm', 'from-tag': 'a', 'to-tag': 'b', sdp: sdp(b.port, callee[0], callee[1]) });
const toB = +/m=audio (\d+)/.exec(answer.sdp)[1]; // where A sends
const toA = +/m=audio (\d+)/.exec(offer.sdp)[1]; // where B sends
for (let i = 0; i < 100; i++) {
  a.s.send(rtp(0, i, 0x1111), toB, '127.0.0.1');
  if (i < 50 && xc === 'PCMA') b.s.send(rtp(8, i, 0x2222), toA, '127.0.0.1');
  await sleep(20);
}
await sleep(500);
console.log(`A got ${a.got.length}, B got ${b.got.length} (B's first payload ${b.got[0]?.length - 12} bytes)`);
console.log('--- during the call\n' + await xcLines());
console.log('--- list transcoders\n' + await get('/cli/list/transcoders'));
await ng({ command: 'delete', 'call-id': 'xm', 'delete-delay': 0 });
await sleep(300);
console.log('--- after the delete\n' + await xcLines());
a.s.close();
b.s.close();
process.exit(0);
