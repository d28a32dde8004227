/**
 * The one place that loads werift's DTLS (RFC 6347) implementation, with the types this daemon uses.
 * Only its dtls part is loaded (not werift's WebRTC stack, which is most of the package): werift's
 * `exports` map blocks deep specifiers, so the file is found by path next to the package's main.
 *
 * WHY a patch: werift's Flight.transmit sends a flight, then sleeps 500 ms × (n+1) before it looks
 * whether the peer's next flight arrived, so every handshake takes at least half a second
 * (spec/deps.md §2). patchFlightTransmit() keeps its retransmission schedule (send, wait up to
 * 500 ms × (n+1), resend, RetransmitCount times, then fail) but ends the wait as soon as the
 * association's flight number reaches the one it waits for: werift's DtlsContext gets a `flight`
 * accessor that wakes the waiting flight (no polling timers, which at 100 handshakes in flight
 * would be 20000 wake-ups a second).
 *
 * WHY a second patch: werift does its ECDHE key exchange in pure JavaScript (tweetnacl for X25519,
 * which both werift and OpenSSL offer first; @noble/curves for P-256): about 4 of the ~7 ms of CPU
 * a handshake costs each side. patchEcdhe() routes both curves through node:crypto (OpenSSL,
 * ~0.1 ms) by replacing the two functions werift calls them through; the wire bytes are the same
 * (raw 32-byte X25519 keys, uncompressed P-256 points, the shared secret's x coordinate).
 * patchSigning() does the same for the signatures (ServerKeyExchange, CertificateVerify): werift
 * hands OpenSSL our key as PEM text for every signature and parses certificate and key again for
 * every association, ~3 ms each with OpenSSL 3's decoders; the patch parses them once.
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** What werift's DTLS transport must look like: the daemon's adapter over a worker's media socket. */
export interface WeriftTransport {
  readonly type: 'udp';
  readonly address: { address: string; port: number; family: string };
  closed: boolean;
  /** Set by werift: the daemon calls it with each DTLS datagram from the peer. */
  onData: (data: Buffer) => void;
  send(data: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface WeriftEvent<T extends unknown[]> {
  subscribe(fn: (...args: T) => void): unknown;
}

/** The DtlsSocket surface used here (werift/lib/dtls/src/socket.d.ts). */
export interface WeriftDtlsSocket {
  readonly onConnect: WeriftEvent<unknown[]>;
  readonly onError: WeriftEvent<[Error]>;
  readonly onClose: WeriftEvent<unknown[]>;
  connected: boolean;
  readonly srtp: { srtpProfile?: number };
  readonly remoteCertificate: Buffer | undefined;
  exportKeyingMaterial(label: string, length: number): Buffer;
  close(): void;
}

export interface WeriftDtlsOptions {
  transport: WeriftTransport;
  srtpProfiles: number[];
  cert: string;
  key: string;
  /** werift's SignatureHash: {hash: 4 = sha256, signature: 1 = rsa, 3 = ecdsa}. */
  signatureHash: { hash: number; signature: number };
  certificateRequest: boolean;
  extendedMasterSecret?: boolean;
}

export interface WeriftDtls {
  DtlsServer: new (o: WeriftDtlsOptions) => WeriftDtlsSocket;
  DtlsClient: new (o: WeriftDtlsOptions) => WeriftDtlsSocket & { connect(): Promise<void> };
}

/** werift's DtlsContext as the patch sees it: `flight` is the last flight sent or received. */
interface FlightState { flight: number; [WAITERS]?: Set<() => void> }

const WAITERS = Symbol('rtpengine-ts flight waiters');

interface FlightProto {
  /** werift's TransportContext; `socket` is our WeriftTransport. */
  transport: { socket?: { closed?: boolean } };
  dtls: FlightState;
  flight: number;
  nextFlight: number | undefined;
  send(buffers: Buffer[]): Promise<unknown>;
  setState(s: string): void;
  transmit(buffers: Buffer[]): Promise<void>;
}

/** How the patched transmit's error starts when a flight ran out of retransmissions. */
export const FLIGHT_GAVE_UP = 'DTLS flight gave up';

let loaded: WeriftDtls | null = null;

/** werift's DTLS classes, loaded and patched once per thread. */
export function werift(): WeriftDtls {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('werift'));
  const dtls = require(path.join(root, '../../dtls/src/index.js')) as WeriftDtls;
  const flight = require(path.join(root, '../../dtls/src/flight/flight.js')) as {
    Flight: { prototype: FlightProto; RetransmitCount: number };
  };
  patchFlightTransmit(flight.Flight);
  patchEcdhe(
    require(path.join(root, '../../dtls/src/cipher/namedCurve.js')) as NamedCurveModule,
    require(path.join(root, '../../dtls/src/cipher/prf.js')) as PrfModule,
  );
  patchSigning((require(path.join(root, '../../dtls/src/context/cipher.js')) as { CipherContext: { prototype: CipherProto } }).CipherContext.prototype);
  loaded = dtls;
  return dtls;
}

/** See the file comment. Replaces Flight.prototype.transmit (idempotent). */
function patchFlightTransmit(Flight: { prototype: FlightProto; RetransmitCount: number }): void {
  const proto = Flight.prototype as FlightProto & { rtpengineTsPatched?: true };
  if (proto.rtpengineTsPatched) return;
  proto.rtpengineTsPatched = true;
  proto.transmit = async function transmit(this: FlightProto, buffers: Buffer[]): Promise<void> {
    for (let n = 0; n <= Flight.RetransmitCount; n++) {
      this.setState('SENDING');
      this.send(buffers).catch(() => {}); // a failed send is a lost datagram: the retransmit covers it
      this.setState('WAITING');
      if (this.nextFlight === undefined) {
        this.setState('FINISHED');
        return;
      }
      // werift's schedule: 500 ms × (n+1) before the next resend.
      const deadline = performance.now() + 500 * (n + 1);
      for (;;) {
        if (this.transport.socket?.closed) return; // the session ended (DtlsSession.close): no more sends
        if (this.dtls.flight >= this.nextFlight) {
          this.setState('FINISHED');
          return;
        }
        const left = deadline - performance.now();
        if (left <= 0) break;
        await flightChange(this.dtls, left);
      }
    }
    throw new Error(`${FLIGHT_GAVE_UP}: flight ${this.flight} had no answer after ${Flight.RetransmitCount} retransmissions`);
  };
}

/** Resolves when `dtls.flight` is next assigned, or after `ms`. */
function flightChange(dtls: FlightState, ms: number): Promise<void> {
  let waiters = dtls[WAITERS];
  if (waiters === undefined) {
    // Turn the plain property into an accessor that wakes the waiting flights (once per context).
    const w = new Set<() => void>();
    waiters = w;
    let value = dtls.flight;
    Object.defineProperty(dtls, 'flight', {
      configurable: true, enumerable: true,
      get: () => value,
      set: (v: number) => {
        value = v;
        for (const f of [...w]) f();
      },
    });
    dtls[WAITERS] = w;
  }
  const set = waiters;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      set.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
  });
}

/** Wakes the flights waiting on a socket's association (after its transport was closed, so they end). */
export function wakeFlights(socket: WeriftDtlsSocket): void {
  const dtls = (socket as unknown as { dtls?: FlightState }).dtls;
  if (dtls !== undefined) dtls.flight = dtls.flight;
}

interface EcKeyPair { curve: number; privateKey: Buffer; publicKey: Buffer }
interface NamedCurveModule { generateKeyPair(curve: number): EcKeyPair }
interface PrfModule { prfPreMasterSecret(publicKey: Buffer, privateKey: Buffer, curve: number): Buffer }

/** TLS NamedCurve numbers (RFC 8422 §5.1.1). */
const SECP256R1 = 23;
const X25519 = 29;

/** Our X25519 private keys as node KeyObjects, by the raw key werift carries around. */
const x25519Keys = new WeakMap<Buffer, KeyObject>();

/** See the file comment. Idempotent; other curves keep werift's own code. */
function patchEcdhe(nc: NamedCurveModule & { rtpengineTsPatched?: true }, prf: PrfModule): void {
  if (nc.rtpengineTsPatched) return;
  nc.rtpengineTsPatched = true;
  const keyPair = nc.generateKeyPair;
  const preMaster = prf.prfPreMasterSecret;
  nc.generateKeyPair = (curve: number): EcKeyPair => {
    if (curve === SECP256R1) {
      const e = createECDH('prime256v1');
      e.generateKeys();
      return { curve, privateKey: e.getPrivateKey(), publicKey: e.getPublicKey(null, 'uncompressed') };
    }
    if (curve === X25519) {
      const k = generateKeyPairSync('x25519');
      const privateKey = Buffer.from(k.privateKey.export({ format: 'jwk' }).d!, 'base64url');
      x25519Keys.set(privateKey, k.privateKey);
      return { curve, privateKey, publicKey: Buffer.from(k.publicKey.export({ format: 'jwk' }).x!, 'base64url') };
    }
    return keyPair(curve);
  };
  prf.prfPreMasterSecret = (publicKey: Buffer, privateKey: Buffer, curve: number): Buffer => {
    if (curve === SECP256R1) {
      const e = createECDH('prime256v1');
      e.setPrivateKey(privateKey);
      return e.computeSecret(publicKey); // the x coordinate (RFC 8422 §5.10)
    }
    const own = curve === X25519 ? x25519Keys.get(privateKey) : undefined;
    if (own !== undefined) {
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
      return diffieHellman({ privateKey: own, publicKey: peer });
    }
    return preMaster(publicKey, privateKey, curve);
  };
}

/** The part of werift's CipherContext the signing patch touches. */
interface CipherProto {
  keyPem?: string;
  localCert?: Buffer;
  localPrivateKey?: { sign(data: Buffer, hash: string): Buffer };
  signatureHashAlgorithm?: unknown;
  parseX509(certPem: string, keyPem: string, signatureHash: unknown): void;
  signatureData(data: Buffer, hash: string): Buffer;
  rtpengineTsPatched?: true;
}

/** Parsed certificate and key per (certificate, key) PEM pair: the daemon has one. */
const parsedKeys = new Map<string, { localCert: Buffer; localPrivateKey: { sign(data: Buffer, hash: string): Buffer } }>();
/** The node KeyObject of each parsed werift private key. */
const keyOf = new WeakMap<object, KeyObject>();

/** See the file comment. Signatures stay what werift makes (DER ECDSA, or RSA PKCS #1 v1.5). */
function patchSigning(proto: CipherProto): void {
  if (proto.rtpengineTsPatched) return;
  proto.rtpengineTsPatched = true;
  const parse = proto.parseX509;
  const parsed = (certPem: string, keyPem: string, ctx: CipherProto, signatureHash: unknown) => {
    const id = `${certPem}\n${keyPem}`;
    let p = parsedKeys.get(id);
    if (p === undefined) {
      parse.call(ctx, certPem, keyPem, signatureHash);
      const key = createPrivateKey(keyPem);
      const localPrivateKey = ctx.localPrivateKey!;
      // The parsed key object is shared by every association: its sign() uses the KeyObject.
      localPrivateKey.sign = (data: Buffer, hash: string): Buffer => sign(hash, data, key);
      keyOf.set(localPrivateKey, key);
      p = { localCert: ctx.localCert!, localPrivateKey };
      if (parsedKeys.size >= 4) parsedKeys.clear(); // a handful of certificates at most (tests)
      parsedKeys.set(id, p);
    }
    return p;
  };
  proto.parseX509 = function parseX509(this: CipherProto, certPem: string, keyPem: string, signatureHash: unknown): void {
    const p = parsed(certPem, keyPem, this, signatureHash);
    this.localCert = p.localCert;
    this.localPrivateKey = p.localPrivateKey;
    this.signatureHashAlgorithm = signatureHash;
  };
  proto.signatureData = function signatureData(this: CipherProto, data: Buffer, hash: string): Buffer {
    const key = this.localPrivateKey !== undefined ? keyOf.get(this.localPrivateKey) : undefined;
    if (key === undefined) throw new Error('DTLS: no private key to sign with');
    return sign(hash, data, key);
  };
}
