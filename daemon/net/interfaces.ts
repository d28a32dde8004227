/**
 * Logical media interfaces (spec §6.1 `--interface=[NAME/]ADDR[!ADV]`): each name groups local
 * addresses; each address has its own port pool and an advertised address for SDP.
 */
import { PortPool } from '../ports/port-pool.js';

export type Family = 'IP4' | 'IP6';

export interface LocalAddress {
  name: string;
  address: string;
  advertised: string;
  family: Family;
  pool: PortPool;
}

export interface InterfaceInput {
  name: string;
  address: string;
  advertised?: string;
  family: Family;
}

export class LocalInterfaces {
  private readonly byName = new Map<string, LocalAddress[]>();
  readonly all: LocalAddress[] = [];

  constructor(specs: InterfaceInput[], portMin: number, portMax: number) {
    for (const s of specs) {
      const la: LocalAddress = {
        name: s.name, address: s.address, advertised: s.advertised ?? s.address, family: s.family,
        pool: new PortPool(portMin, portMax),
      };
      this.all.push(la);
      const list = this.byName.get(s.name) ?? [];
      list.push(la);
      this.byName.set(s.name, list);
    }
    if (this.all.length === 0) throw new Error('no interfaces');
  }

  /**
   * The local address for a logical interface name and family preference. Unknown names fall back to
   * the first interface (rtpengine warns "Interface 'X' not found, using default").
   */
  select(name: string | undefined, family?: Family): { local: LocalAddress; found: boolean } {
    const named = name !== undefined ? this.byName.get(name) ?? this.roundRobin(name, family) : undefined;
    const list = named ?? this.byName.get(this.all[0]!.name)!;
    const local = (family && list.find((l) => l.family === family)) || list[0]!;
    return { local, found: name === undefined || named !== undefined };
  }

  /**
   * `--interface=BASE:SUFFIX/…` names form a group selectable by BASE: the first member (in
   * configuration order) that still has free ports (rtpengine's golden 20 gives consecutive calls the
   * same member while it has room).
   */
  private roundRobin(base: string, family?: Family): LocalAddress[] | undefined {
    const members = [...this.byName.keys()].filter((n) => n.startsWith(`${base}:`));
    if (members.length === 0) return undefined;
    for (const n of members) {
      const list = this.byName.get(n)!;
      const l = (family && list.find((x) => x.family === family)) || list[0]!;
      if (l.pool.usedCount + 2 <= l.pool.size) return list;
    }
    return this.byName.get(members[0]!);
  }
}
