/**
 * `openssl s_server` / `s_client` as an independent DTLS-SRTP peer (RFC 5764): DTLS 1.2 with
 * use_srtp, its own ECDSA certificate, and the RFC 5705 exporter output (EXTRACTOR-dtls_srtp) read
 * from what it prints, so a test can run the peer's SRTP with exactly the keys openssl derived.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeerCert {
  certFile: string;
  keyFile: string;
  /** a=fingerprint value (sha-256, upper-case hex with colons). */
  fingerprint: string;
  dispose(): void;
}

/** A fresh self-signed P-256 certificate for openssl (in a temp directory; dispose() removes it). */
export function makePeerCert(): PeerCert {
  const dir = mkdtempSync(join(tmpdir(), 'rtpe-dtls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=dtls-test-peer', '-days', '2', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const der = new X509Certificate(readFileSync(certFile)).raw;
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
  return { certFile, keyFile, fingerprint, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface OpensslPeer {
  proc: ChildProcess;
  /** s_server: the UDP port it accepts on. */
  port: Promise<number>;
  /** The SRTP profile name and the exported keying material, once the handshake is done. */
  result: Promise<{ profile: string; material: Buffer }>;
  output(): string;
  close(): void;
}

function run(args: string[], exportLen: number, fixedPort = 0): OpensslPeer {
  const proc = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let onPort: (p: number) => void = () => {};
  let onResult: (r: { profile: string; material: Buffer }) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const port = new Promise<number>((r) => { onPort = r; });
  const result = new Promise<{ profile: string; material: Buffer }>((resolve, reject) => { onResult = resolve; onFail = reject; });
  result.catch(() => {});
  const look = (): void => {
    // With -accept 0 openssl names the port it got; with a fixed port it prints a bare ACCEPT.
    const a = /ACCEPT(?: .*:(\d+))?/.exec(out);
    if (a) onPort(a[1] !== undefined ? Number(a[1]) : fixedPort);
    const k = /Keying material: ([0-9A-F]+)/.exec(out);
    const p = /SRTP Extension negotiated, profile=(\S+)/.exec(out);
    if (k && p && k[1]!.length >= exportLen * 2) onResult({ profile: p[1]!, material: Buffer.from(k[1]!.slice(0, exportLen * 2), 'hex') });
  };
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); look(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); look(); });
  proc.on('exit', () => onFail(new Error(`openssl ended before the handshake finished:\n${out}`)));
  return {
    proc, port, result,
    output: () => out,
    close: () => { if (proc.exitCode === null) proc.kill('SIGKILL'); },
  };
}

/** `openssl s_server -dtls1_2` on `port` (0: an OS-chosen one), asking for the client's certificate. */
export function opensslServer(cert: PeerCert, profile = 'SRTP_AES128_CM_SHA1_80', exportLen = 60, port = 0): OpensslPeer {
  return run(['s_server', '-dtls1_2', '-accept', String(port), '-cert', cert.certFile, '-key', cert.keyFile, '-verify', '1',
    '-use_srtp', profile, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(exportLen), '-naccept', '1'], exportLen, port);
}

/** `openssl s_client -dtls1_2` connecting to 127.0.0.1:port with its certificate. */
export function opensslClient(cert: PeerCert, port: number, profile = 'SRTP_AES128_CM_SHA1_80', exportLen = 60): OpensslPeer {
  return run(['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-cert', cert.certFile, '-key', cert.keyFile,
    '-use_srtp', profile, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(exportLen)], exportLen);
}

/** RFC 5764 §4.2: client key | server key | client salt | server salt. */
export function splitMaterial(m: Buffer, keyLen = 16, saltLen = 14): { clientKey: Buffer; serverKey: Buffer; clientSalt: Buffer; serverSalt: Buffer } {
  return {
    clientKey: m.subarray(0, keyLen), serverKey: m.subarray(keyLen, 2 * keyLen),
    clientSalt: m.subarray(2 * keyLen, 2 * keyLen + saltLen), serverSalt: m.subarray(2 * keyLen + saltLen, 2 * keyLen + 2 * saltLen),
  };
}
