/**
 * What the call layer needs from the rest of the daemon: the media workers, the local interfaces,
 * the per-slot index for worker events, and the options that shape call handling. It is also what
 * closes stream sockets (the StreamReleaser every Call, Monologue and CallMedia keeps).
 */
import { createHash } from 'node:crypto';
import type { WorkerPool } from '../media/worker-pool.js';
import type { LocalInterfaces } from '../net/interfaces.js';
import { MosTotals } from '../../protocol/rtcp/mos.js';
import type { Call } from './call.js';
import type { FrozenCounters, PacketStream, StreamReleaser, StreamSocket } from './stream.js';
import { F_BYTES, F_ERRORS, F_LAST_PACKET_MS, F_LAST_PT, F_PACKETS, F_SSRC } from '../media/stream-table.js';

export interface CallSettings {
  deleteDelay: number;
  timeout: number;
  silentTimeout: number;
  offerTimeout: number;
  finalTimeout: number;
  endpointLearning: 'delayed' | 'immediate' | 'off' | 'heuristic';
  sipSource: boolean;
  maxSessions: number;
  /** `--tos`: default TOS byte for media (undefined = leave the system default). */
  tos: number | undefined;
  /** `--mos`: CQ (default) or LQ. */
  mosType: 'CQ' | 'LQ';
  /** 12 hex digits naming this daemon in `a=rtpengine:` (loop-protect). */
  instanceId: string;
  /** `--dtls-passive`: passive DTLS role in answers to an actpass offer unless a flag says otherwise. */
  dtlsPassive?: boolean;
}

/**
 * The DTLS-SRTP layer as the call layer sees it (daemon/dtls/): our certificate's fingerprint for
 * a=fingerprint, and a hook run after every signalling event that starts, keeps or stops the
 * handshakes of the call's medias that have `dtls` set (once done it sets their `srtp` and
 * reconfigures the worker).
 */
export interface DtlsService {
  /** `a=fingerprint` value of our certificate for this hash (sha-1 … sha-512), upper-case hex with colons. */
  fingerprint(hash: string): string;
  sync(call: Call): void;
}

/** See the test hook in MediaContext's constructor: hex of a digest of a fixed string, per hash. */
function fixedFingerprintService(): DtlsService {
  return {
    fingerprint: (hash) => {
      const alg = hash.replace('-', '');
      return createHash(alg).update('rtpengine-ts test certificate').digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
    },
    sync: () => {},
  };
}

/** ICE agents (daemon/ice/): started, updated or stopped after every signalling event of a call. */
export interface IceService {
  sync(call: Call): void;
}

export class MediaContext implements StreamReleaser {
  private readonly bySlot = new Map<number, { stream: PacketStream; call: Call }>();
  /** DTLS-SRTP (null until the daemon installs it, e.g. in unit tests without certificates). */
  dtls: DtlsService | null = null;
  /** ICE agents (null until the daemon installs them). */
  ice: IceService | null = null;


  /**
   * `mosTotals`: daemon-wide MOS sums for `statistics` and /metrics (every call's SsrcQuality adds
   * to it; a subclass may observe each sample).
   */
  constructor(
    readonly pool: WorkerPool,
    readonly interfaces: LocalInterfaces,
    readonly settings: CallSettings,
    readonly mosTotals: MosTotals = new MosTotals(),
  ) {
    // Test hook until the daemon installs its DtlsService (daemon/dtls/): a fixed certificate
    // fingerprint so SDP output can be checked; it runs no handshakes.
    if (process.env.RTPENGINE_TS_TEST_HOOKS === '1') this.dtls = fixedFingerprintService();
  }

  private key(worker: number, slot: number): number {
    return worker * 0x1000000 + slot;
  }

  index(s: PacketStream, call: Call): void {
    if (s.sock) this.bySlot.set(this.key(s.sock.worker, s.sock.slot), { stream: s, call });
  }

  unindex(s: PacketStream): void {
    if (s.sock) this.bySlot.delete(this.key(s.sock.worker, s.sock.slot));
  }

  /** See StreamReleaser: one close command for all of `streams` (they are on the call's one worker). */
  release(streams: readonly PacketStream[]): void {
    const socks: StreamSocket[] = [];
    for (const st of streams) {
      const sock = st.sock;
      if (!sock) continue;
      st.final = this.counters(st);
      st.lastLocal = { address: sock.local.address, port: sock.port };
      this.unindex(st);
      st.sock = null;
      socks.push(sock);
    }
    if (socks.length === 0) return;
    this.pool.closeSlots(socks[0]!.worker, socks.map((s) => s.slot), () => {
      for (const s of socks) s.local.pool.release(s.port, 1);
    });
  }

  /** A stream's counters: live from its worker slot, or frozen once its socket closed. */
  counters(s: PacketStream): FrozenCounters {
    if (!s.sock) return s.final;
    const t = this.pool.table(s.sock.worker);
    const slot = s.sock.slot;
    return {
      packets: t.get(slot, F_PACKETS), bytes: t.get(slot, F_BYTES), errors: t.get(slot, F_ERRORS),
      lastPacketMs: t.get(slot, F_LAST_PACKET_MS), ssrc: t.get(slot, F_SSRC), lastPt: t.get(slot, F_LAST_PT),
    };
  }

  stream(worker: number, slot: number): PacketStream | undefined {
    return this.bySlot.get(this.key(worker, slot))?.stream;
  }

  /** The call a worker slot belongs to. */
  callOf(worker: number, slot: number): Call | undefined {
    return this.bySlot.get(this.key(worker, slot))?.call;
  }
}
