// What every interop probe in test/dev needs against the real rtpengine 10.5 (not part of npm test):
// start /usr/bin/rtpengine on loopback, send it ng requests, and open UDP sockets that collect what
// arrives. Probes are run by hand: `npm run build && node test/dev/<probe>.mjs`.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { bdecode, bencode } from '../../dist/protocol/ng/bencode.js';

/** rtpengine in the foreground on 127.0.0.1, ng on `ng`, media ports portMin..portMax, one thread. */
export function startRtpengine(ng, portMin, portMax, spawnOpts = { stdio: 'ignore' }) {
  return spawn('/usr/bin/rtpengine', ['--config-file=none', '-t', '-1', '-i', '127.0.0.1', '-n', `127.0.0.1:${ng}`,
    '-m', String(portMin), '-M', String(portMax), '-f', '-E', '-L', '3', '--num-threads=1'], spawnOpts);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An ng client of port `ng`: request(dict) resolves with the reply, byte strings as latin1 text. */
export function ngClient(ng) {
  let cookie = 0;
  return (dict) => new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('no ng reply')); }, 1000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      const out = {};
      for (const [k, v] of bdecode(m.subarray(m.indexOf(' ') + 1))) out[k] = Buffer.isBuffer(v) ? v.toString('latin1') : v;
      resolve(out);
    });
    // A fresh cookie per request: rtpengine answers a repeated cookie from its cache.
    s.send(Buffer.concat([Buffer.from(`probe-${++cookie} `), bencode(new Map(Object.entries(dict)))]), ng, '127.0.0.1');
  });
}

/** A loopback UDP socket collecting datagrams (`{ m, t }` with the arrival time when `timed`). */
export async function socket(timed = false) {
  const s = dgram.createSocket('udp4');
  const got = [];
  s.on('message', (m) => got.push(timed ? { m, t: Date.now() } : m));
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  return { s, got, port: s.address().port };
}
