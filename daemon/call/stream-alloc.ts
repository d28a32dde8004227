/**
 * Gives media sections their local RTP/RTCP port pair: ports from the local address's pool, slots on
 * the call's worker, sockets bound by the worker pool (see worker-pool.ts). A port some other process
 * holds (EADDRINUSE) is marked foreign and another pair is tried; an empty pool is rtpengine's "Ran out
 * of ports". So is a worker that died during the binds (its calls are being deleted).
 */
import { WORKER_DIED, type BindRequest } from '../media/messages.js';
import { NgError } from '../../protocol/ng/errors.js';
import type { LocalAddress } from '../net/interfaces.js';
import type { CallMedia } from './media.js';
import type { MediaContext } from './media-context.js';
import type { Call } from './call.js';

export interface StreamNeed {
  media: CallMedia;
  local: LocalAddress;
}

const MAX_BIND_ATTEMPTS = 8;

/** A media's port pair and slots, reserved before its sockets are bound. */
interface Planned {
  need: StreamNeed;
  port: number;
  slots: [number, number];
}

export async function allocateStreams(ctx: MediaContext, call: Call, needs: StreamNeed[], now: number): Promise<void> {
  const worker = call.worker;
  ctx.pool.reap();
  let settled = false;
  let todo = needs;
  for (let attempt = 0; todo.length > 0; attempt++) {
    if (attempt >= MAX_BIND_ATTEMPTS) throw new NgError('Ran out of ports');
    const planned: Planned[] = [];
    try {
      for (const need of todo) {
        const port = need.local.pool.allocate(2);
        if (port === undefined) throw new NgError('Ran out of ports');
        const a = ctx.pool.allocSlot(worker);
        const b = a === undefined ? undefined : ctx.pool.allocSlot(worker);
        if (a === undefined || b === undefined) {
          if (a !== undefined) ctx.pool.freeSlot(worker, a);
          need.local.pool.release(port, 2);
          throw new NgError('Ran out of ports');
        }
        planned.push({ need, port, slots: [a, b] });
      }
    } catch (e) {
      for (const p of planned) release(ctx, worker, p.need.local, p.port, p.slots);
      // Ports and slots of sockets still being closed (a delete just before) come back once the
      // worker has closed them: wait for that, once, before running out.
      if (!settled && ctx.pool.closesPending()) {
        settled = true;
        await ctx.pool.settleCloses();
        attempt--;
        continue;
      }
      throw e;
    }
    const family = (l: LocalAddress): 4 | 6 => (l.family === 'IP6' ? 6 : 4);
    const binds: BindRequest[] = planned.flatMap((p) => [
      { slot: p.slots[0], address: p.need.local.address, port: p.port, family: family(p.need.local) },
      { slot: p.slots[1], address: p.need.local.address, port: p.port + 1, family: family(p.need.local) },
    ]);
    const results = await ctx.pool.bind(worker, binds);
    const ok = new Set(results.filter((r) => r.ok).map((r) => r.slot));
    // While the binds were under way the worker may have died (its results say so) or the call may
    // have been deleted (a worker death does that too; the reply then names the death, as for a new
    // call's offer). Everything planned goes back; no port is foreign.
    const workerDied = results.some((r) => r.code === WORKER_DIED);
    if (workerDied || call.destroyed) {
      for (const p of planned) giveBack(ctx, worker, p, ok, false);
      throw new NgError(workerDied ? 'Ran out of ports' : 'Unknown call-id');
    }
    const retry: StreamNeed[] = [];
    for (const p of planned) {
      if (ok.has(p.slots[0]) && ok.has(p.slots[1])) {
        const { rtp, rtcp } = p.need.media;
        rtp.sock = { local: p.need.local, port: p.port, worker, slot: p.slots[0] };
        rtcp.sock = { local: p.need.local, port: p.port + 1, worker, slot: p.slots[1] };
        for (const st of [rtp, rtcp]) {
          st.lastSignalMs = now;
          st.final = { packets: 0, bytes: 0, errors: 0, lastPacketMs: 0, ssrc: -1, lastPt: -1 };
          ctx.index(st, call);
        }
        continue;
      }
      // One of the pair is taken by another process: skip that port, try another pair.
      giveBack(ctx, worker, p, ok, true);
      retry.push(p.need);
    }
    todo = retry;
  }
}

/**
 * Gives back a planned pair after its binds: a socket that bound is closed (its port comes back once
 * the worker has closed it); a port that did not bind is free again, and with `foreign` marked as
 * held by another process.
 */
function giveBack(ctx: MediaContext, worker: number, p: Planned, ok: ReadonlySet<number>, foreign: boolean): void {
  const pool = p.need.local.pool;
  p.slots.forEach((s, i) => {
    const port = p.port + i;
    if (ok.has(s)) {
      ctx.pool.closeSlots(worker, [s], () => pool.release(port, 1));
    } else {
      ctx.pool.freeSlot(worker, s);
      pool.release(port, 1);
      if (foreign) pool.markForeign(port);
    }
  });
}

function release(ctx: MediaContext, worker: number, local: LocalAddress, port: number, slots: [number, number]): void {
  local.pool.release(port, 2);
  for (const s of slots) ctx.pool.freeSlot(worker, s);
}
