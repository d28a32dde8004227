/**
 * MOS sums that also feed the MOS histogram. Kept out of prometheus.ts so that the daemon loads
 * prom-client only when --listen-http asks for /metrics (see daemon.ts).
 */
import { MosTotals } from '../../protocol/rtcp/mos.js';

/** MOS sums that also feed the MOS histogram (called per RTCP report block, on the main thread). */
export class ObservedMosTotals extends MosTotals {
  observer: ((mos: number) => void) | null = null;

  override add(mos10: number): void {
    super.add(mos10);
    this.observer?.(mos10 / 10);
  }
}
