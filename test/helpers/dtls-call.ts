/**
 * A call built directly on the compiled call model (dist/; `npm test` builds first), without SDP:
 * participant A runs DTLS-SRTP (CallMedia.dtls set by the test, as SDP negotiation would), B plain
 * RTP; real media workers, real sockets on loopback, the real DtlsService (DaemonDtls) fed by the
 * workers' DTLS channel. For tests of the DTLS layer on its own.
 */
import type { Call as CallT } from '../../daemon/call/call.js';
import type { CallMedia } from '../../daemon/call/media.js';
import type { MediaContext as MediaContextT } from '../../daemon/call/media-context.js';
import type { DaemonDtls as DaemonDtlsT } from '../../daemon/dtls/dtls-service.js';
import type { WorkerPool as WorkerPoolT } from '../../daemon/media/worker-pool.js';
import { freeUdpPort } from './daemon-process.js';

const dist = (p: string): string => new URL(`../../dist/daemon/${p}`, import.meta.url).href;

export interface DtlsCallFixture {
  pool: WorkerPoolT;
  ctx: MediaContextT;
  dtls: DaemonDtlsT;
  call: CallT;
  /** A's media (DTLS) and B's (plain). */
  a: CallMedia;
  b: CallMedia;
  logs: string[];
  /** Re-runs what a signalling event does: forwarding configs to the worker, then DtlsService.sync. */
  signal(): Promise<void>;
  close(): Promise<void>;
}

export interface DtlsCallOptions {
  role: 'active' | 'passive';
  /** A's address (where active DTLS and media go until learned). */
  aPeer: { address: string; port: number };
  bPeer: { address: string; port: number };
  peerFingerprint: { hash: string; value: string } | null;
  rtcpMux?: boolean;
  handshakeTimeoutMs?: number;
  io?: 'batch' | 'dgram';
}

export async function dtlsCall(o: DtlsCallOptions): Promise<DtlsCallFixture> {
  const [{ WorkerPool }, { MediaContext }, { Call }, { DaemonDtls }, { createCertificate }, { forwardingConfigs }] = await Promise.all([
    import(dist('media/worker-pool.js')) as Promise<typeof import('../../daemon/media/worker-pool.js')>,
    import(dist('call/media-context.js')) as Promise<typeof import('../../daemon/call/media-context.js')>,
    import(dist('call/call.js')) as Promise<typeof import('../../daemon/call/call.js')>,
    import(dist('dtls/dtls-service.js')) as Promise<typeof import('../../daemon/dtls/dtls-service.js')>,
    import(dist('dtls/certificate.js')) as Promise<typeof import('../../daemon/dtls/certificate.js')>,
    import(dist('call/negotiate.js')) as Promise<typeof import('../../daemon/call/negotiate.js')>,
  ]);
  const logs: string[] = [];
  const log = {
    warn: (m: string) => logs.push(`warn: ${m}`), info: (m: string) => logs.push(`info: ${m}`),
    debug: () => {}, error: (m: string) => logs.push(`error: ${m}`),
  };
  let dtls: DaemonDtlsT | null = null;
  const saved = process.env.RTPENGINE_TS_IO;
  process.env.RTPENGINE_TS_IO = o.io ?? 'batch';
  const pool = new WorkerPool(1, 64, {
    learned: () => {},
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    workerDied: (_w, reason) => logs.push(`died: ${reason}`),
    dtls: (w, slot, data, address, port) => dtls?.onDatagram(w, slot, data, address, port),
  });
  try {
    await pool.start();
  } finally {
    if (saved === undefined) delete process.env.RTPENGINE_TS_IO;
    else process.env.RTPENGINE_TS_IO = saved;
  }
  const settings = {
    deleteDelay: 0, timeout: 60, silentTimeout: 3600, offerTimeout: 3600, finalTimeout: 0, endpointLearning: 'immediate' as const,
    sipSource: false, maxSessions: -1, tos: undefined, mosType: 'CQ' as const, instanceId: '0123456789ab',
  };
  const ctx = new MediaContext(pool, null as never, settings);
  const cert = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
  dtls = new DaemonDtls(ctx, { cert, handshakeTimeoutMs: o.handshakeTimeoutMs ?? 10_000 }, log as never);
  ctx.dtls = dtls;
  const call = new Call('dtls-test-call', Date.now(), Date.now() * 1000, 0, ctx);
  const ma = call.addMonologue('a', Date.now());
  const mb = call.addMonologue('b', Date.now());
  ma.subscribe(mb);
  mb.subscribe(ma);
  const a = ma.media(1, Date.now());
  const b = mb.media(1, Date.now());
  const local = { name: 'default', address: '127.0.0.1', advertised: '127.0.0.1', family: 'IP4', pool: { release: () => {} } };
  for (const [m, peer] of [[a, o.aPeer], [b, o.bPeer]] as const) {
    m.type = 'audio';
    m.protocol = m === a ? 'UDP/TLS/RTP/SAVP' : 'RTP/AVP';
    m.initialized = true;
    m.codecs = [{ pt: 0, name: 'PCMU', clock: 8000 } as never];
    m.rtcpMux = m === a ? (o.rtcpMux ?? true) : false;
    m.remote = { rtp: peer, rtcp: { address: peer.address, port: peer.port + 1 } };
    for (const st of [m.rtp, m.rtcp]) {
      for (let attempt = 0; ; attempt++) {
        const slot = pool.allocSlot(0)!;
        const port = await freeUdpPort();
        const [r] = await pool.bind(0, [{ slot, address: '127.0.0.1', port, family: 4 }]);
        if (r!.ok) {
          st.sock = { local: local as never, port, worker: 0, slot };
          break;
        }
        pool.freeSlot(0, slot);
        if (attempt > 20) throw new Error(`cannot bind: ${r!.code}`);
      }
      st.advertised = st === m.rtp ? peer : { address: peer.address, port: peer.port + 1 };
      ctx.index(st, call);
    }
  }
  a.dtls = { role: o.role, peerFingerprint: o.peerFingerprint };
  const signal = async (): Promise<void> => {
    pool.configure(0, forwardingConfigs(ctx, call));
    ctx.dtls?.sync(call);
    await pool.flushed();
    await new Promise((r) => setTimeout(r, 20));
  };
  await signal();
  return {
    pool, ctx, dtls, call, a, b, logs, signal,
    async close() {
      call.close();
      dtls!.close();
      await pool.close();
    },
  };
}
