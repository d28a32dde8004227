/**
 * A call's [core] log lines (daemon/call/call-log.ts, final-stats.ts) against rtpengine 10.5's:
 * the same call (offer, answer, RTP both ways with one side behind NAT, delete) through our daemon
 * and, when /usr/bin/rtpengine is installed, through rtpengine side by side; their NOTICE/INFO lines
 * must be the same modulo timestamps, addresses, ports and ages, and each DEBUG line of ours one that
 * rtpengine also writes. At -L 5 only NOTICE and above is written, except for a call with the ng
 * `debug` flag, whose lines are all written.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonHandle } from '../helpers/daemon-process.js';
import { startDaemon } from '../helpers/daemon-process.js';
import { str } from '../helpers/ng-client.js';
import { freeTcpPort } from '../helpers/ng-transports.js';
import { startReference } from '../helpers/reference-daemon.js';
import { rtp } from '../helpers/rtp-build.js';
import { mPort, phoneSdp } from '../helpers/sdp-fixtures.js';
import { Sock } from '../helpers/udp-sock.js';

const RTPENGINE = '/usr/bin/rtpengine';
const haveRtpengine = existsSync(RTPENGINE);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Line {
  level: string;
  /** The prefix after the call id: '' or ' port N'. */
  port: string;
  msg: string;
}

/** The call's [core] lines, normalised: addresses and ports, ages and idle seconds replaced. */
function coreLines(log: string, callId: string): Line[] {
  const re = new RegExp(`^\\[\\d+\\.\\d{6}\\] (\\w+): \\[${callId}( port +\\d+)?\\]: \\[core\\] (.*)$`, 'gm');
  return [...log.matchAll(re)].map((m) => ({
    level: m[1]!,
    port: m[2] ? ' port N' : '',
    msg: m[3]!
      .replace(/127\.0\.0\.1:\d{5}/g, 'IP:PORT')
      .replace(/created \d+:\d\d ago/, 'created M:SS ago')
      // The RTP loop is timed: how many packets made it before the delete varies by one or two.
      .replace(/\b[1-9]\d* p, [1-9]\d* b,/, 'N p, N b,')
      .replace(/\d+ ts$/, 'N ts'),
  }));
}

const show = (l: Line) => `${l.level}:${l.port} ${l.msg}`;

/**
 * Offer from A, answer from B, 10 RTP packets each way, then B's media from another port (NAT) for
 * 4.5 s so that both sources get confirmed (rtpengine waits 3 s after the last signal), then delete.
 */
async function nattedCall(d: DaemonHandle, callId: string): Promise<void> {
  const a = await new Sock().open();
  const b = await new Sock().open();
  const bNat = await new Sock().open();
  try {
    const o = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', sdp: phoneSdp('a', a.port, { pts: [0, 8] }) });
    const an = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: phoneSdp('b', b.port, { pts: [0, 8] }) });
    const toB = mPort(str(o.get('sdp')));
    const toA = mPort(str(an.get('sdp')));
    const payload = new Uint8Array(160);
    let seq = 0;
    for (; seq < 10; seq++) {
      a.send(rtp(0, seq, seq * 160, 0x1111, payload), toA);
      b.send(rtp(0, seq, seq * 160, 0x2222, payload), toB);
      await sleep(20);
    }
    await sleep(200);
    for (const end = Date.now() + 4500; Date.now() < end; seq++) {
      a.send(rtp(0, seq, seq * 160, 0x1111, payload), toA);
      bNat.send(rtp(0, seq, seq * 160, 0x2222, payload), toB);
      await sleep(50);
    }
    await sleep(100);
    await d.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'ftag' });
    await sleep(300);
  } finally {
    a.close();
    b.close();
    bNat.close();
  }
}

/** Offer, answer, 5 RTP packets each way, then silence until the daemon's timeout (-o 3) ends the call. */
async function timedOutCall(d: DaemonHandle, callId: string): Promise<void> {
  const a = await new Sock().open();
  const b = await new Sock().open();
  try {
    const o = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', sdp: phoneSdp('a', a.port, { pts: [8] }) });
    const an = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: phoneSdp('b', b.port, { pts: [8] }) });
    for (let seq = 0; seq < 5; seq++) {
      a.send(rtp(8, seq, seq * 160, 0xaaaa, new Uint8Array(160)), mPort(str(an.get('sdp'))));
      b.send(rtp(8, seq, seq * 160, 0xbbbb, new Uint8Array(160)), mPort(str(o.get('sdp'))));
      await sleep(20);
    }
    for (const end = Date.now() + 8000; Date.now() < end && !d.log().includes(`[${callId}]: [core] ---     subscription for 'ftag'`);) await sleep(200);
    await sleep(100);
  } finally {
    a.close();
    b.close();
  }
}

/** A forked offer (via-branches b1, b2), b1 answers, b2 is cancelled (delete by via-branch), then the call is deleted. */
async function forkedCall(d: DaemonHandle, callId: string): Promise<void> {
  const sdp = (port: number) => phoneSdp('x', port, { pts: [0] });
  await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', 'via-branch': 'b1', sdp: sdp(5000) });
  await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', 'via-branch': 'b2', sdp: sdp(5000) });
  await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag', 'via-branch': 'b1', sdp: sdp(6000) });
  await d.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'ftag', 'via-branch': 'b2' });
  await d.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag' });
}

describe('call lines at -L 7', () => {
  let ours: DaemonHandle;
  let ref: DaemonHandle | null = null;
  beforeAll(async () => {
    ours = await startDaemon(['-d', '0', '-o', '3']);
    if (haveRtpengine) ref = await startReference(RTPENGINE, ['-d', '0', '-o', '3']);
    // All at once: the calls take ~5 s.
    await Promise.all([ours, ref].flatMap((d) => (d ? [nattedCall(d, 'natted-1'), timedOutCall(d, 'timeout-1'), forkedCall(d, 'fork-1')] : [])));
  }, 30000);
  afterAll(async () => {
    await ours?.close();
    await ref?.close();
  });

  it('writes rtpengine\'s call events with their levels and prefixes', () => {
    const lines = coreLines(ours.log(), 'natted-1').map(show);
    expect(lines[0]).toBe('NOTICE: Creating new call');
    expect(lines).toContain('DEBUG: port N Peer address changed from IP:PORT to IP:PORT');
    expect(lines.filter((l) => l === 'INFO: port N Confirmed peer address as IP:PORT')).toHaveLength(2);
    const end = lines.slice(lines.indexOf("INFO: Deleting call branch 'ftag' (via-branch '')"));
    expect(end).toEqual([
      "INFO: Deleting call branch 'ftag' (via-branch '')",
      "DEBUG: Destroying monologue 'ftag' ()",
      "DEBUG: Destroying monologue 'ttag' ()",
      "INFO: Call branch 'ftag' (via-branch '') deleted, no more branches remaining",
      'INFO: Deleting entire call',
      'INFO: Final packet stats:',
      "INFO: --- Tag 'ftag', created M:SS ago for branch ''",
      "INFO: ---     subscribed to 'ttag'",
      "INFO: ---     subscription for 'ttag'",
      'INFO: ------ Media #1 (audio over RTP/AVP) using PCMU/8000',
      'INFO: --------- Port       IP:PORT <>       IP:PORT, SSRC 1111, N p, N b, 0 e, N ts',
      'INFO: --------- Port       IP:PORT <>       IP:PORT (RTCP), SSRC 0, 0 p, 0 b, 0 e, N ts',
      "INFO: --- Tag 'ttag', created M:SS ago for branch ''",
      "INFO: ---     subscribed to 'ftag'",
      "INFO: ---     subscription for 'ftag'",
      'INFO: ------ Media #1 (audio over RTP/AVP) using PCMU/8000',
      'INFO: --------- Port       IP:PORT <>       IP:PORT, SSRC 2222, N p, N b, 0 e, N ts',
      'INFO: --------- Port       IP:PORT <>       IP:PORT (RTCP), SSRC 0, 0 p, 0 b, 0 e, N ts',
    ]);
    // The learned (NAT) source is the one reported for B's stream.
    const bNat = /--------- Port +127\.0\.0\.1:\d+ <> +(127\.0\.0\.1:\d+), SSRC 2222/.exec(ours.log());
    expect(ours.log()).toContain(`Confirmed peer address as ${bNat![1]}`);
    // Our own end-of-call line is gone: rtpengine writes none.
    expect(ours.log()).not.toMatch(/\[natted-1\]: \[core\] Call deleted/);
  });

  it('ends a silent call with the timeout line and the stats block', () => {
    const lines = coreLines(ours.log(), 'timeout-1').map(show);
    const end = lines.slice(lines.indexOf('INFO: Closing call due to timeout'));
    expect(end.slice(0, 6)).toEqual([
      'INFO: Closing call due to timeout',
      'INFO: Final packet stats:',
      "INFO: --- Tag 'ftag', created M:SS ago for branch ''",
      "INFO: ---     subscribed to 'ttag'",
      "INFO: ---     subscription for 'ttag'",
      'INFO: ------ Media #1 (audio over RTP/AVP) using PCMA/8000',
    ]);
    expect(end[6]).toBe('INFO: --------- Port       IP:PORT <>       IP:PORT, SSRC aaaa, N p, N b, 0 e, N ts');
    expect(end).toHaveLength(14);
  });

  it('names the branches of a forked call as they are deleted, and lists the cancelled one at the end', () => {
    const lines = coreLines(ours.log(), 'fork-1').map(show);
    const del = lines.slice(lines.indexOf("INFO: Deleting call branch '' (via-branch 'b2')"));
    expect(del.slice(0, 8)).toEqual([
      "INFO: Deleting call branch '' (via-branch 'b2')",
      "DEBUG: Destroying monologue '' (b2)",
      "INFO: Call branch '' (via-branch 'b2') deleted",
      "INFO: Deleting call branch 'ttag' (via-branch '')",
      "DEBUG: Destroying monologue 'ttag' (b1)",
      "DEBUG: Destroying monologue 'ftag' ()",
      "INFO: Call branch 'ttag' (via-branch 'b1') deleted, no more branches remaining",
      'INFO: Deleting entire call',
    ]);
    expect(del.slice(-2)).toEqual([
      'INFO: --------- Port       IP:PORT <>                :0    , SSRC 0, 0 p, 0 b, 0 e, N ts',
      'INFO: --------- Port       IP:PORT <>                :0     (RTCP), SSRC 0, 0 p, 0 b, 0 e, N ts',
    ]);
  });

  it.skipIf(!haveRtpengine)('the forked call: the same lines as rtpengine 10.5 (and the same Destroying lines)', () => {
    const pick = (ls: Line[]) => ls.filter((l) => l.level !== 'DEBUG' || l.msg.startsWith('Destroying')).map(show);
    expect(pick(coreLines(ours.log(), 'fork-1'))).toEqual(pick(coreLines(ref!.log(), 'fork-1')));
  });

  it.skipIf(!haveRtpengine)('the timed-out call: the same lines as rtpengine 10.5', () => {
    const above = (ls: Line[]) => ls.filter((l) => l.level !== 'DEBUG').map(show);
    expect(above(coreLines(ours.log(), 'timeout-1'))).toEqual(above(coreLines(ref!.log(), 'timeout-1')));
  });

  it.skipIf(!haveRtpengine)('matches rtpengine 10.5 line for line (NOTICE/INFO), and its DEBUG lines include ours', () => {
    const mine = coreLines(ours.log(), 'natted-1');
    const theirs = coreLines(ref!.log(), 'natted-1');
    const above = (ls: Line[], port: boolean) => ls.filter((l) => l.level !== 'DEBUG' && (l.port !== '') === port).map(show);
    // Call-level lines in order; the per-socket lines (both confirmations, same second) as a set.
    expect(above(mine, false)).toEqual(above(theirs, false));
    expect(above(mine, true).sort()).toEqual(above(theirs, true).sort());
    const theirDebug = new Set(theirs.filter((l) => l.level === 'DEBUG').map(show));
    const myDebug = mine.filter((l) => l.level === 'DEBUG').map(show);
    expect(myDebug.length).toBeGreaterThan(0);
    for (const l of myDebug) expect(theirDebug).toContain(l);
  });
});

/** Two calls at -L 5, one with the `debug` flag; each offered, answered, with RTP both ways, deleted. */
async function debugAndPlain(d: DaemonHandle): Promise<void> {
  for (const [callId, flags] of [['dbg-1', ['debug']], ['plain-1', []]] as const) {
    const a = await new Sock().open();
    const b = await new Sock().open();
    const o = await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', sdp: phoneSdp('a', a.port, { pts: [0] }), flags: [...flags] });
    const an = await d.ng.request({ command: 'answer', 'call-id': callId, 'from-tag': 'ftag', 'to-tag': 'ttag', sdp: phoneSdp('b', b.port, { pts: [0] }) });
    for (let seq = 0; seq < 5; seq++) {
      a.send(rtp(0, seq, seq * 160, 0xa, new Uint8Array(160)), mPort(str(an.get('sdp'))));
      b.send(rtp(0, seq, seq * 160, 0xb, new Uint8Array(160)), mPort(str(o.get('sdp'))));
      await sleep(20);
    }
    await sleep(100);
    await d.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'ftag' });
    a.close();
    b.close();
  }
  await sleep(300);
}

describe.each([
  ['rtpengine-ts', false],
  ['rtpengine 10.5', true],
] as const)('-L 5 and the debug flag (%s)', (_name, reference) => {
  let d: DaemonHandle;
  beforeAll(async () => {
    if (reference && !haveRtpengine) return;
    d = reference ? await startReference(RTPENGINE, ['-d', '0', '-L', '5']) : await startDaemon(['-d', '0', '-L', '5']);
    await debugAndPlain(d);
  }, 20000);
  afterAll(async () => {
    await d?.close();
  });

  it.skipIf(reference && !haveRtpengine)('shows NOTICE, not INFO, except every line of the call with debug', () => {
    const log = d.log();
    expect(log).toMatch(/^\[\d+\.\d{6}\] NOTICE: \[plain-1\]: \[core\] Creating new call$/m);
    expect(log).toMatch(/^\[\d+\.\d{6}\] NOTICE: \[dbg-1\]: \[core\] Creating new call$/m);
    // Nothing below NOTICE for the plain call, nor any command line without a call.
    expect(log).not.toMatch(/^\[\d+\.\d{6}\] (INFO|DEBUG): \[plain-1\]/m);
    expect(log).not.toContain("Received command 'ping'");
    // The debug call: its INFO and DEBUG lines, at their own level names.
    expect(log).toMatch(/^\[\d+\.\d{6}\] INFO: \[dbg-1\]: \[core\] Final packet stats:$/m);
    expect(log).toMatch(/^\[\d+\.\d{6}\] INFO: \[dbg-1\]: \[core\] Deleting entire call$/m);
    expect(log).toMatch(/^\[\d+\.\d{6}\] DEBUG: \[dbg-1\]: \[core\] Destroying monologue 'ttag' \(\)$/m);
    // The control lines written after the call was looked up (the reply and its dump), not the request's.
    expect(log).toMatch(/^\[\d+\.\d{6}\] INFO: \[dbg-1\]: \[control\] Replying to 'answer' from 127\.0\.0\.1:\d+ \(elapsed time \d\.\d{6} sec\)$/m);
    expect(log).toMatch(/^\[\d+\.\d{6}\] DEBUG: \[dbg-1\]: \[control\] Response dump for 'answer' to 127\.0\.0\.1:\d+: /m);
    expect(log).not.toMatch(/Received command 'answer'/);
  });
});

describe('the CLI\'s debug command (rtpengine-ts)', () => {
  it('`debug CALLID on` at -L 5 lets that call\'s lines through from then on', async () => {
    const http = await freeTcpPort();
    const d = await startDaemon(['-d', '0', '-L', '5', `--listen-http=127.0.0.1:${http}`]);
    try {
      for (const callId of ['cli-dbg', 'cli-plain']) {
        await d.ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'ftag', sdp: phoneSdp('a', 5000, { pts: [0] }) });
      }
      const res = await fetch(`http://127.0.0.1:${http}/cli/debug/cli-dbg%20on`);
      expect(await res.text()).toBe("Enabled debugging for call 'cli-dbg'\n");
      for (const callId of ['cli-dbg', 'cli-plain']) await d.ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'ftag' });
      await sleep(200);
      expect(d.log()).toMatch(/^\[\d+\.\d{6}\] INFO: \[cli-dbg\]: \[core\] Final packet stats:$/m);
      expect(d.log()).not.toMatch(/INFO: \[cli-plain\]/);
    } finally {
      await d.close();
    }
  });
});
