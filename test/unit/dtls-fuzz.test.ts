/**
 * Fuzz of the DTLS entry point (DtlsSession.feed, which the daemon calls with every DTLS-looking
 * datagram of a media socket): random records, truncated and bit-flipped copies of a real
 * handshake's datagrams, in both roles. Nothing may throw, reject unhandled or complete a
 * handshake with forged input, and a clean handshake still works afterwards in the same process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificate, type DtlsCertificate } from '../../daemon/dtls/certificate.js';
import { DtlsSession, opensHandshake } from '../../daemon/dtls/session.js';

let cert: DtlsCertificate;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => { unhandled.push(e); };

beforeAll(async () => {
  cert = await createCertificate({ cipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256' });
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

/** Deterministic PRNG (xorshift32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

interface Pair {
  client: DtlsSession;
  server: DtlsSession;
  /** Every datagram each side sent, in order. */
  fromClient: Buffer[];
  fromServer: Buffer[];
  done: { client: boolean; server: boolean };
}

/** A client and a server session wired to each other in memory (setImmediate as the network). */
function pair(deliver = true, copies = 1): Pair {
  const p = {} as Pair;
  p.fromClient = [];
  p.fromServer = [];
  p.done = { client: false, server: false };
  const mk = (role: 'active' | 'passive'): DtlsSession => new DtlsSession({
    role, cert, timeoutMs: 4000,
    send: (data) => {
      (role === 'active' ? p.fromClient : p.fromServer).push(Buffer.from(data));
      // `copies` > 1: every datagram arrives that many times, the later ones a little late (a
      // network that duplicates, or a peer that retransmits a flight whose answer was slow).
      for (let i = 0; deliver && i < copies; i++) {
        setTimeout(() => (role === 'active' ? p.server : p.client).feed(Buffer.from(data), '127.0.0.1', role === 'active' ? 1 : 2), i * 3);
      }
    },
    peer: () => ({ address: '127.0.0.1', port: 9 }),
    done: () => { p.done[role === 'active' ? 'client' : 'server'] = true; },
    failed: () => {},
  });
  p.client = mk('active');
  p.server = mk('passive');
  return p;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

describe('DTLS entry point fuzz', () => {
  let transcript: Pair;

  it('records a clean in-memory handshake (the material to mutate)', async () => {
    transcript = pair();
    transcript.server.start();
    transcript.client.start();
    expect(await until(() => transcript.done.client && transcript.done.server, 10_000)).toBe(true);
    expect(transcript.fromClient.length).toBeGreaterThanOrEqual(3);
    expect(opensHandshake(transcript.fromClient[0]!, 'passive')).toBe(true);
    expect(opensHandshake(transcript.fromServer[0]!, 'active')).toBe(true);
    transcript.client.close();
    transcript.server.close();
  }, 15_000);

  it('random DTLS-looking datagrams: dropped or swallowed, never thrown', async () => {
    const r = rng(12345);
    for (const role of ['passive', 'active'] as const) {
      const s = new DtlsSession({
        role, cert, timeoutMs: 2000, send: () => {}, peer: () => ({ address: '127.0.0.1', port: 9 }),
        done: () => { throw new Error('a random datagram completed a handshake'); }, failed: () => {},
      });
      s.start();
      for (let i = 0; i < 3000; i++) {
        const b = Buffer.alloc(Math.floor(r() * 400));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(r() * 256);
        if (b.length > 0) b[0] = 20 + Math.floor(r() * 44);
        // Every tenth one gets a plausible record header, to get past the first checks.
        if (i % 10 === 0 && b.length >= 14) { b[0] = 22; b[1] = 0xfe; b[2] = 0xfd; b[3] = 0; b[4] = 0; b[13] = role === 'passive' ? 1 : 3; }
        expect(() => s.feed(b, '127.0.0.1', 9)).not.toThrow();
      }
      await new Promise((res) => setTimeout(res, 50));
      s.close();
      s.close(); // idempotent
    }
  });

  it('truncated and bit-flipped copies of a real handshake: no forged completion, no crash', async () => {
    const r = rng(777);
    for (let round = 0; round < 40; round++) {
      const forServer = round % 2 === 0;
      let completed = false;
      const s = new DtlsSession({
        role: forServer ? 'passive' : 'active', cert, timeoutMs: 1500, send: () => {}, peer: () => ({ address: '127.0.0.1', port: 9 }),
        done: () => { completed = true; }, failed: () => {},
      });
      s.start();
      const src = forServer ? transcript.fromClient : transcript.fromServer;
      for (const d of src) {
        const m = Buffer.from(d);
        const kind = Math.floor(r() * 3);
        if (kind === 0) {
          const flips = 1 + Math.floor(r() * 4);
          for (let k = 0; k < flips; k++) m[Math.floor(r() * m.length)]! ^= 1 << Math.floor(r() * 8);
          s.feed(m, '127.0.0.1', 9);
        } else if (kind === 1) {
          s.feed(m.subarray(0, Math.floor(r() * m.length)), '127.0.0.1', 9);
        } else {
          s.feed(Buffer.concat([m, m.subarray(0, Math.floor(r() * m.length))]), '127.0.0.1', 9); // duplicated tail
        }
      }
      await new Promise((res) => setTimeout(res, 10));
      // A replayed transcript cannot complete: it answers another session's random and keys.
      expect(completed).toBe(false);
      s.close();
    }
  });

  it('completes although every datagram arrives twice or three times (repeated flights)', async () => {
    for (const copies of [2, 3]) {
      const p = pair(true, copies);
      p.server.start();
      p.client.start();
      expect(await until(() => p.done.client && p.done.server, 10_000)).toBe(true);
      p.client.close();
      p.server.close();
    }
  }, 25_000);

  it('a clean handshake still completes afterwards, and nothing was thrown or rejected unhandled', async () => {
    const p = pair();
    p.server.start();
    p.client.start();
    expect(await until(() => p.done.client && p.done.server, 10_000)).toBe(true);
    p.client.close();
    p.server.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
  }, 15_000);
});
