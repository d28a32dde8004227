/**
 * The batch I/O addon's wake path (daemon/media/native/src/batch_io.c): edge-triggered sockets must
 * still deliver every datagram (bursts larger than a batch, lone datagrams afterwards), and
 * dropIdleMetrics() must leave the loop working. A file of its own: the addon's init() runs once per
 * thread, and vitest gives every file its own.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ipv4ToU32 } from '../../daemon/media/addr.js';
import { BatchIo, loadBatchNative } from '../../daemon/media/io.js';

const { native } = loadBatchNative();
const LO = ipv4ToU32('127.0.0.1');

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  for (let t = 0; t < ms / 10 && !cond(); t++) await new Promise((r) => setTimeout(r, 10));
}

describe.skipIf(native === null)('batch I/O wake path', () => {
  it('delivers bursts and lone datagrams from edge-triggered sockets; the loop runs without idle metrics', async () => {
    const seen: string[] = [];
    const io = new BatchIo(native!, 4, (slot, buf, off, len) => {
      if (slot === 0) seen.push(buf.toString('latin1', off, off + len));
    }, () => {});

    // The media worker calls this; here it must not break timers or I/O in this thread.
    const dropped = native!.dropIdleMetrics!();
    expect(dropped === 1 || dropped < 0).toBe(true);
    expect(Number.isFinite(performance.eventLoopUtilization().utilization)).toBe(true);

    // Slot 0 receives, slot 1 sends to it (synchronous sendmmsg: a burst is queued before any read).
    const bindFree = async (slot: number, from: number): Promise<number> => {
      for (let p = from; p < from + 100; p++) if ((await io.bind({ slot, address: '127.0.0.1', port: p, family: 4 })).ok) return p;
      return 0;
    };
    const p0 = await bindFree(0, 41400);
    expect(p0).toBeGreaterThan(0);
    expect(await bindFree(1, 41500)).toBeGreaterThan(0);

    // 1. A burst of 150 datagrams (more than two batches of 64) into one socket at once.
    for (let i = 0; i < 150; i++) {
      const at = io.out(8);
      io.outBuf.write(`b${i}`.padEnd(8, '.'), at, 'latin1');
      io.send(1, io.outBuf, at, 8, p0, LO);
    }
    io.flush();
    await until(() => seen.length >= 150);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => `b${i}`.padEnd(8, '.')));

    // 2. Lone datagrams afterwards, one at a time: each is a new edge.
    for (let i = 0; i < 5; i++) {
      const at = io.out(4);
      io.outBuf.write(`l${i}..`, at, 'latin1');
      io.send(1, io.outBuf, at, 4, p0, LO);
      io.flush();
      await until(() => seen.length >= 151 + i);
    }
    expect(seen.slice(150)).toEqual(['l0..', 'l1..', 'l2..', 'l3..', 'l4..']);

    // Timers still fire on this loop.
    await new Promise((r) => setTimeout(r, 5));
    io.shutdown();
  });
});
