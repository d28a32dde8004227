import * as dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { formatIpv6, ipv4ToU32, parseIpv6, u32ToIpv4 } from '../../daemon/media/addr.js';
import { BatchIo, errnoName, loadBatchNative, type Addr } from '../../daemon/media/io.js';

describe('numeric addresses of the batch I/O backend', () => {
  it('round-trips IPv4 and IPv6 in inet_ntop form', () => {
    expect(u32ToIpv4(ipv4ToU32('192.168.1.255'))).toBe('192.168.1.255');
    expect(ipv4ToU32('255.255.255.255')).toBe(0xffffffff);
    const b = new Uint8Array(16);
    for (const [inp, out] of [
      ['::1', '::1'], ['::', '::'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:127.0.0.1', '::ffff:127.0.0.1'], ['::FFFF:7f00:1', '::ffff:127.0.0.1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ] as const) {
      expect(parseIpv6(inp, b, 0)).toBe(true);
      expect(formatIpv6(b, 0)).toBe(out);
    }
    expect(parseIpv6('1.2.3.4', b, 0)).toBe(false);
    expect(parseIpv6('zz::', b, 0)).toBe(false);
  });
});

const { native } = loadBatchNative();

describe.skipIf(native === null)('batch I/O addon', () => {
  it('receives in batches, sends back, survives bad input', async () => {
    const got: { slot: number; data: string; addr: Addr; port: number }[] = [];
    const errors: number[] = [];
    const kept: number[] = []; // IPv6 address numbers "in use" (the worker's endpoint tables)
    let io!: BatchIo;
    io = new BatchIo(native!, 8, (slot, buf, off, len, addr, port) => {
      got.push({ slot, data: buf.toString('latin1', off, off + len), addr, port });
      io.send(slot, buf, off, len, port, addr); // echo from the same socket
    }, (slot) => errors.push(slot), (visit) => {
      for (let i = 0; i < kept.length; i++) kept[i] = visit(kept[i]!);
    }, 2);

    // Bad input: errors come back as values, never as a crash or a throw.
    expect((await io.bind({ slot: 99, address: '127.0.0.1', port: 0, family: 4 })).ok).toBe(false);
    expect((await io.bind({ slot: 1, address: 'not-an-ip', port: 0, family: 4 })).code).toBe('EINVAL');
    expect(native!.open(-1, 4, '127.0.0.1', 0)).toBeLessThan(0);
    expect(native!.open(1, 5, '127.0.0.1', 0)).toBeLessThan(0);
    expect(native!.close(7)).toBeLessThan(0);
    expect(native!.flush(-3)).toBe(0);

    const c4 = dgram.createSocket('udp4');
    const c6 = dgram.createSocket('udp6');
    await new Promise<void>((r) => c4.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => c6.bind(0, '::1', r));
    // Find free ports for the relay sockets.
    let p4 = 0, p6 = 0;
    for (let p = 41000; p < 41100 && !p4; p++) if ((await io.bind({ slot: 2, address: '127.0.0.1', port: p, family: 4 })).ok) p4 = p;
    for (let p = 41100; p < 41200 && !p6; p++) if ((await io.bind({ slot: 3, address: '::1', port: p, family: 6 })).ok) p6 = p;
    expect(p4).toBeGreaterThan(0);
    expect(p6).toBeGreaterThan(0);
    expect((await io.bind({ slot: 4, address: '127.0.0.1', port: p4, family: 4 })).code).toBe('EADDRINUSE');

    const echoes4: string[] = [];
    const echoes6: string[] = [];
    c4.on('message', (m) => echoes4.push(m.toString('latin1')));
    c6.on('message', (m) => echoes6.push(m.toString('latin1')));
    for (let i = 0; i < 100; i++) c4.send(`v4-${i}`, p4, '127.0.0.1');
    for (let i = 0; i < 10; i++) c6.send(`v6-${i}`, p6, '::1');
    for (let t = 0; t < 100 && (echoes4.length < 100 || echoes6.length < 10); t++) await new Promise((r) => setTimeout(r, 20));
    expect(echoes4).toEqual(Array.from({ length: 100 }, (_, i) => `v4-${i}`));
    expect(echoes6).toEqual(Array.from({ length: 10 }, (_, i) => `v6-${i}`));
    expect(got[0]!.slot).toBe(2);
    expect(io.addrString(got[0]!.addr)).toBe('127.0.0.1');
    expect(got[0]!.port).toBe(c4.address().port);
    const v6 = got.find((g) => g.slot === 3)!;
    expect(io.addrString(v6.addr)).toBe('::1');
    expect(io.toAddr('::1')).toBe(v6.addr);
    expect(io.toAddr('example.org')).toBeNull();
    // Fewer callbacks than packets: batching.
    expect(io.stats[1]!).toBeLessThan(io.stats[0]!);

    // A send from a closed slot and an IPv6 destination on an IPv4 socket fail and are counted.
    io.send(5, Buffer.from('x'), 0, 1, 9, ipv4ToU32('127.0.0.1'));
    io.send(2, Buffer.from('x'), 0, 1, 9, io.toAddr('::1')!);
    io.flush();
    expect(errors).toEqual([5, 2]);
    // A buffer of the caller's own (timer-driven packets, e.g. generated RTCP) is copied into the
    // output area at send(): changing it afterwards does not change what leaves.
    const own = Buffer.from('xcopyx');
    io.send(3, own, 1, 4, c6.address().port, io.toAddr('::1')!);
    own.write('XXXXXX');
    // A packet written straight into the output area (out()) is sent from there.
    const at = io.out(3);
    expect(at).toBeGreaterThanOrEqual(0);
    io.outBuf.write('out', at, 'latin1');
    io.send(3, io.outBuf, at, 3, c6.address().port, io.toAddr('::1')!);
    expect(io.out(1 << 30)).toBe(-1);
    io.flush();
    for (let t = 0; t < 50 && echoes6.length < 12; t++) await new Promise((r) => setTimeout(r, 20));
    expect(echoes6.slice(10)).toEqual(['copy', 'out']);

    // A full IPv6 table frees the ids nobody keeps and renumbers the kept ones.
    kept.push(io.toAddr('::1') as number);
    expect(io.toAddr('2001:db8::1')).not.toBeNull();
    const a2 = io.toAddr('2001:db8::2');
    expect(a2).not.toBeNull();
    expect(io.addrString(a2!)).toBe('2001:db8::2');
    expect(io.addrString(kept[0]!)).toBe('::1');
    kept.push(a2 as number);
    expect(io.toAddr('2001:db8::3')).toBeNull(); // full of live addresses

    // A socket bound without a slot (the main thread does this, see worker-pool.ts) is taken over by
    // a slot and receives there.
    expect(errnoName(native!.bindSocket(4, '127.0.0.1', p4))).toBe('EADDRINUSE');
    expect(errnoName(native!.bindSocket(5, '127.0.0.1', 0))).toBe('EINVAL');
    expect(errnoName(native!.bindSocket(4, 'nonsense', 0))).toBe('EINVAL');
    let fd = -1, pa = 0;
    for (let p = 41200; p < 41300 && fd < 0; p++) if ((fd = native!.bindSocket(4, '127.0.0.1', p)) >= 0) pa = p;
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(io.adopt(6, 4, fd)).toEqual({ slot: 6, ok: true });
    const spare = native!.bindSocket(4, '127.0.0.1', 0);
    expect(io.adopt(6, 4, spare)).toEqual({ slot: 6, ok: false, code: 'EBUSY' });
    expect(io.adopt(99, 4, spare).code).toBe('EINVAL');
    expect(native!.closeFd(spare)).toBe(0);
    expect(native!.closeFd(-1)).toBeLessThan(0);
    c4.send('adopted', pa, '127.0.0.1');
    for (let t = 0; t < 50 && echoes4.length < 101; t++) await new Promise((r) => setTimeout(r, 20));
    expect(echoes4[100]).toBe('adopted');
    expect(got.at(-1)!.slot).toBe(6);
    io.close(6);

    io.close(2);
    io.shutdown();
    c4.close();
    c6.close();
  });
});
