/**
 * What the call layer needs from the rest of the daemon: the media workers, the local interfaces,
 * the per-slot index for worker events, and the options that shape call handling.
 */
import type { WorkerPool } from '../media/worker-pool.js';
import type { LocalInterfaces } from '../net/interfaces.js';
import type { PacketStream } from './stream.js';

export interface CallSettings {
  deleteDelay: number;
  timeout: number;
  silentTimeout: number;
  offerTimeout: number;
  finalTimeout: number;
  endpointLearning: 'delayed' | 'immediate' | 'off' | 'heuristic';
  sipSource: boolean;
  maxSessions: number;
}

export class MediaContext {
  private readonly bySlot = new Map<number, PacketStream>();

  constructor(readonly pool: WorkerPool, readonly interfaces: LocalInterfaces, readonly settings: CallSettings) {}

  private key(worker: number, slot: number): number {
    return worker * 0x1000000 + slot;
  }

  index(s: PacketStream): void {
    this.bySlot.set(this.key(s.worker, s.slot), s);
  }

  unindex(s: PacketStream): void {
    this.bySlot.delete(this.key(s.worker, s.slot));
  }

  stream(worker: number, slot: number): PacketStream | undefined {
    return this.bySlot.get(this.key(worker, slot));
  }
}
