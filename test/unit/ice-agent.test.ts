// The ICE agent (daemon/ice/ice-agent.ts) against itself over an in-memory network with a virtual
// clock: full↔full, full↔lite, role conflict, lost packets, wrong credentials, peer-reflexive
// candidates, consent expiry and restart. Interop with other implementations is an integration test.
import { describe, expect, it } from 'vitest';
import { candidatePriority, type Candidate } from '../../daemon/ice/candidates.js';
import { IceAgent, type IceAgentOptions } from '../../daemon/ice/ice-agent.js';
import { BINDING_ERROR, parseStun, StunScratch } from '../../protocol/stun/stun.js';

interface Node { agent: IceAgent; cands: Candidate[]; selected: Map<number, string | null> }

function host(address: string, port: number, component = 1): Candidate {
  return { foundation: `f${address}`, component, transport: 'UDP', priority: candidatePriority('host', 65535, component), address, port, type: 'host' };
}

/** Two agents wired through a packet queue; `drop(n)` decides whether the n-th datagram is lost. */
class Net {
  now = 1000;
  readonly queue: { to: string; data: Buffer; fromAddr: string; fromPort: number }[] = [];
  readonly nodes = new Map<string, Node>();
  sent = 0;
  errors: number[] = [];
  constructor(private readonly drop: (n: number) => boolean = () => false) {}

  add(name: string, cands: Candidate[], o: Partial<IceAgentOptions>): Node {
    const node: Node = { cands, selected: new Map(), agent: null as unknown as IceAgent };
    node.agent = new IceAgent({
      controlling: false, lite: false, localUfrag: `${name}ufrag`, localPwd: `${name}-password-0123456789`,
      localCandidates: cands, components: 1,
      send: (local, data, address, port) => {
        const n = this.sent++;
        const s = new StunScratch();
        if (parseStun(data, 0, data.length, s) && s.type === BINDING_ERROR) this.errors.push(s.errorCode);
        if (!this.drop(n)) this.queue.push({ to: `${address}:${port}`, data: Buffer.from(data), fromAddr: local.address, fromPort: local.port });
      },
      onSelected: (c, _l, r) => node.selected.set(c, r ? `${r.address}:${r.port}` : null),
      ...o,
    });
    for (const c of cands) this.nodes.set(`${c.address}:${c.port}`, node);
    return node;
  }

  run(ms: number): void {
    const end = this.now + ms;
    for (; this.now < end; this.now += 5) {
      for (const n of new Set(this.nodes.values())) n.agent.tick(this.now);
      while (this.queue.length > 0) {
        const p = this.queue.shift()!;
        const n = this.nodes.get(p.to);
        if (!n) continue;
        const local = n.cands.find((c) => `${c.address}:${c.port}` === p.to)!;
        n.agent.onStun(local, p.data, 0, p.data.length, p.fromAddr, p.fromPort, this.now);
      }
    }
  }
}

function exchange(a: Node, b: Node, aName: string, bName: string, liteA = false, liteB = false): void {
  a.agent.setRemoteCredentials(`${bName}ufrag`, `${bName}-password-0123456789`, liteB);
  b.agent.setRemoteCredentials(`${aName}ufrag`, `${aName}-password-0123456789`, liteA);
  for (const c of b.cands) a.agent.addRemoteCandidate(c);
  for (const c of a.cands) b.agent.addRemoteCandidate(c);
}

describe('ICE agent', () => {
  it('full controlling ↔ full controlled: both select the same pair, highest priority', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000), host('192.168.0.1', 1002)], { controlling: true });
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    exchange(a, b, 'a', 'b');
    net.run(1000);
    expect(a.agent.state).toBe('connected');
    expect(b.agent.state).toBe('connected');
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(b.selected.get(1)).toMatch(/^(10\.0\.0\.1:1000|192\.168\.0\.1:1002)$/);
    expect(a.agent.selected(1)!.local.address).toBe(b.selected.get(1)!.split(':')[0]);
  });

  it('two components (no rtcp-mux) select one pair each', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000, 1), host('10.0.0.1', 1001, 2)], { controlling: true, components: 2 });
    const b = net.add('b', [host('10.0.0.2', 2000, 1), host('10.0.0.2', 2001, 2)], { components: 2 });
    exchange(a, b, 'a', 'b');
    net.run(1000);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(a.selected.get(2)).toBe('10.0.0.2:2001');
    expect(b.selected.get(1)).toBe('10.0.0.1:1000');
    expect(b.selected.get(2)).toBe('10.0.0.1:1001');
  });

  it('full ↔ lite: the full agent controls, the lite one only answers and follows the nomination', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: false });
    const b = net.add('b', [host('10.0.0.2', 2000)], { lite: true });
    exchange(a, b, 'a', 'b', false, true);
    net.run(1000);
    expect(a.agent.controlling).toBe(true);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(b.selected.get(1)).toBe('10.0.0.1:1000');
    expect(b.agent.state).toBe('connected');
  });

  it('role conflict (both controlling) resolves by tie-breaker with 487', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true, tieBreaker: [1, 0] });
    const b = net.add('b', [host('10.0.0.2', 2000)], { controlling: true, tieBreaker: [2, 0] });
    exchange(a, b, 'a', 'b');
    net.run(1500);
    expect(net.errors).toContain(487);
    expect(a.agent.controlling).toBe(false);
    expect(b.agent.controlling).toBe(true);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(b.selected.get(1)).toBe('10.0.0.1:1000');
  });

  it('connects through retransmissions when packets are lost', () => {
    const net = new Net((n) => n % 3 === 2) // every third datagram lost;
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    exchange(a, b, 'a', 'b');
    net.run(4000);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(b.selected.get(1)).toBe('10.0.0.1:1000');
  });

  it('answers 401 to a wrong password and never selects that source', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    a.agent.setRemoteCredentials('bufrag', 'not-the-password-at-all!!', false);
    b.agent.setRemoteCredentials('aufrag', 'a-password-0123456789', false);
    a.agent.addRemoteCandidate(b.cands[0]!);
    net.run(3000);
    expect(net.errors).toContain(401);
    expect(b.selected.size).toBe(0);
    expect(a.selected.size).toBe(0);
  });

  it('learns a peer-reflexive candidate from a check (NAT) and selects it', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    // b's real address is 10.0.0.2:2000 but it signalled a private one a cannot reach.
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    a.agent.setRemoteCredentials('bufrag', 'b-password-0123456789', false);
    b.agent.setRemoteCredentials('aufrag', 'a-password-0123456789', false);
    a.agent.addRemoteCandidate(host('172.16.0.9', 9999));
    b.agent.addRemoteCandidate(a.cands[0]!);
    net.run(3000);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    expect(b.selected.get(1)).toBe('10.0.0.1:1000');
  });

  it('loses consent after 30 s without responses, keeps it while the peer answers', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    exchange(a, b, 'a', 'b');
    net.run(1000);
    net.run(40_000);
    expect(a.selected.get(1)).toBe('10.0.0.2:2000');
    b.agent.close();
    net.run(40_000);
    expect(a.selected.get(1)).toBeNull();
    expect(a.agent.state).toBe('failed');
  });

  it('an ICE restart with new credentials reconnects', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    const b = net.add('b', [host('10.0.0.2', 2000)], {});
    exchange(a, b, 'a', 'b');
    net.run(1000);
    a.agent.restart('a2ufrag', 'a2-password-0123456789');
    b.agent.restart('b2ufrag', 'b2-password-0123456789');
    a.agent.setRemoteCredentials('b2ufrag', 'b2-password-0123456789', false);
    b.agent.setRemoteCredentials('a2ufrag', 'a2-password-0123456789', false);
    a.agent.addRemoteCandidate(b.cands[0]!);
    b.agent.addRemoteCandidate(a.cands[0]!);
    net.run(1000);
    expect(a.agent.state).toBe('connected');
    expect(b.agent.state).toBe('connected');
  });

  it('ignores garbage and STUN without a valid fingerprint', () => {
    const net = new Net();
    const a = net.add('a', [host('10.0.0.1', 1000)], { controlling: true });
    for (let i = 0; i < 500; i++) {
      const b = Buffer.alloc(20 + 4 * (i % 10));
      for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) & 0xff;
      b[0] = 0; b[1] = 1; b.writeUInt16BE(b.length - 20, 2); b.writeUInt32BE(0x2112a442, 4);
      expect(a.agent.onStun(a.cands[0]!, b, 0, b.length, '10.9.9.9', 9, net.now)).toBe(false);
    }
    expect(net.sent).toBe(0);
  });
});
