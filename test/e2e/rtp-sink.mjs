#!/usr/bin/env node
// RTP receiver for the SIPp UAC's per-call media ports.
//
//   node test/e2e/rtp-sink.mjs [--rtp-only] OUT.json MAX_SECONDS PORT...
//
// SIPp's play_pcap_audio sends through a raw socket and does not listen on the
// per-call port it advertises in its SDP ([auto_media_port]), so without this
// sink every packet the daemon relays back to the UAC would hit a closed port
// (ICMP port unreachable) and nobody would actually receive it. The sink binds
// each given port (and port+1 for RTCP) on 127.0.0.1, counts datagrams and
// bytes per port, and writes {"<port>": {"packets": n, "bytes": n}, ...} to
// OUT.json when it gets SIGTERM/SIGINT or after MAX_SECONDS, then exits.
// With --rtp-only it leaves port+1 alone (run.sh's rtcp-inject.mjs binds the
// UAC's RTCP ports: it sends the UAC's RTCP from them and reads what comes back).
// It prints "ready" on stdout once all ports are bound.

import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const rtpOnly = args[0] === '--rtp-only';
if (rtpOnly) args.shift();
const [outFile, maxSecs, ...portArgs] = args;
const ports = portArgs.map(Number);
if (!outFile || !Number.isFinite(Number(maxSecs)) || ports.length === 0 || ports.some((p) => !Number.isInteger(p))) {
  console.error('usage: node rtp-sink.mjs [--rtp-only] OUT.json MAX_SECONDS PORT...');
  process.exit(1);
}

const counts = {};
const sockets = [];
let pending = 0;
for (const base of ports) {
  for (const port of rtpOnly ? [base] : [base, base + 1]) {
    counts[port] = { packets: 0, bytes: 0 };
    const s = dgram.createSocket('udp4');
    s.on('message', (msg) => {
      counts[port].packets++;
      counts[port].bytes += msg.length;
    });
    s.on('error', (err) => {
      console.error(`rtp-sink: port ${port}: ${err.message}`);
      process.exit(1);
    });
    pending++;
    s.bind(port, '127.0.0.1', () => {
      if (--pending === 0) console.log('ready');
    });
    sockets.push(s);
  }
}

let done = false;
function finish() {
  if (done) return;
  done = true;
  writeFileSync(outFile, JSON.stringify(counts));
  for (const s of sockets) s.close();
  process.exit(0);
}
process.on('SIGTERM', finish);
process.on('SIGINT', finish);
setTimeout(finish, Number(maxSecs) * 1000).unref();
