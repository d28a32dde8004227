/**
 * TOS (spec §3.3, §6.1): --tos sets the DSCP/ECN byte of relayed media, an offer's `TOS` key sets it
 * for that call. Checked on the wire: tshark captures the packets the daemon sends (needs root and
 * tshark, which .ci/run installs; the batch media I/O backend sets it — node:dgram cannot).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { twoPartyCall } from '../helpers/calls.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.js';

/** The IP DS field (TOS byte) of the first packet the daemon sends from `port`, while `send` runs. */
async function capturedTos(port: number, send: () => void): Promise<number> {
  const ts = spawn('tshark', ['-i', 'lo', '-f', `udp and src port ${port}`, '-c', '1', '-a', 'duration:8', '-T', 'fields', '-e', 'ip.dsfield'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  ts.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const ready = new Promise<void>((resolve) => ts.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (err.includes('Capturing on')) resolve();
  }));
  await Promise.race([ready, new Promise((r) => setTimeout(r, 5000))]);
  const pump = setInterval(send, 20);
  await new Promise((r) => ts.once('exit', r));
  clearInterval(pump);
  const v = out.trim().split('\n')[0] ?? '';
  if (!v) throw new Error(`tshark captured nothing: ${err}`);
  return Number(v);
}

async function tosOfCall(d: DaemonHandle, callId: string, offerExtra: Record<string, unknown>): Promise<number> {
  const [a, aRtcp] = await RtpPeer.pair();
  const [b, bRtcp] = await RtpPeer.pair();
  try {
    const { toA, toB } = await twoPartyCall(d, callId, a.port, b.port, { offer: offerExtra as never });
    let seq = 0;
    // A sends; what B receives leaves the daemon from the port in the offer SDP (toB).
    return await capturedTos(toB, () => a.send(rtpPacket(0, seq++, seq * 160, 1), toA));
  } finally {
    for (const p of [a, aRtcp, b, bRtcp]) p.close();
  }
}

describe('TOS on relayed media', () => {
  it('--tos=184 marks every call (DSCP EF), an offer with TOS 40 overrides it, TOS above 255 reverts to --tos', async () => {
    const d = await startDaemon(['--tos=184']);
    try {
      expect(await tosOfCall(d, 'tos-default', {})).toBe(184);
      expect(await tosOfCall(d, 'tos-key', { TOS: 40 })).toBe(40);
      expect(await tosOfCall(d, 'tos-revert', { TOS: 300 })).toBe(184);
    } finally {
      await d.close();
    }
  }, 60_000);

  it('without --tos the system default (0) stays', async () => {
    const d = await startDaemon();
    try {
      expect(await tosOfCall(d, 'tos-none', {})).toBe(0);
    } finally {
      await d.close();
    }
  }, 30_000);
});
