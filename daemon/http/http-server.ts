/**
 * The `--listen-http` / `--listen-https` server: HTTP/1.1 routes plus WebSocket subprotocols on the same
 * port, as rtpengine's built-in HTTP/WS listener; `--listen-https` serves the same routes and
 * subprotocols over TLS (HTTPS and WSS) with the `--https-cert`/`--https-key` PEM pair. It knows nothing about ng; features register themselves:
 *
 *   http.route('GET', '/metrics', (req) => ({ status: 200, contentType: 'text/plain', body: '…' }));
 *   http.websocket('ng.rtpengine.com', (ws, req) => { … });
 *
 * Routes match the exact path (query string ignored). Like rtpengine 10.5 (checked against the real
 * daemon): an unknown GET/POST path gets `404` `text/plain` "not found\n"; a request with another
 * method and no route is dropped without an answer (the real daemon closes or never answers it); a
 * WebSocket upgrade on any path is accepted if the client offers a registered subprotocol, and otherwise
 * the connection is closed without a response.
 *
 * Bodies are read completely before the handler runs, up to `maxBodyBytes` (413 and close beyond).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ListenAddress } from '../config/options.js';
import type { Logger } from '../log.js';
import { listenServer } from '../net/listen-server.js';

export interface HttpRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without `?` ('' if none). */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** `address:port` of the client. */
  from: string;
}

export interface HttpReply {
  status: number;
  /** Reason phrase; defaults to the standard one ('' for non-standard codes). */
  statusMessage?: string;
  contentType?: string;
  headers?: Record<string, string>;
  body: Buffer | string;
}

export type HttpHandler = (req: HttpRequest) => HttpReply | Promise<HttpReply>;
export type WebSocketHandler = (ws: WebSocket, req: http.IncomingMessage, from: string) => void;

export interface HttpServerOptions {
  /** Largest request body and WebSocket message accepted. */
  maxBodyBytes?: number;
  /** TLS listeners (`--listen-https`), served with `tls`. */
  httpsListeners?: ListenAddress[];
  /** PEM certificate (chain) and private key for the TLS listeners. */
  tls?: { cert: Buffer; key: Buffer };
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The --https-cert / --https-key PEM files; a missing or unreadable file stops the start, as in rtpengine. */
export async function readTlsPair(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (what: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new Error(`Failed to start websocket listener: cannot read HTTPS ${what} '${file}': ${(e as Error).message}`);
    }
  };
  return { cert: await read('certificate', certFile), key: await read('key', keyFile) };
}

const NOT_FOUND: HttpReply = { status: 404, contentType: 'text/plain', body: 'not found\n' };

export class HttpServer {
  private readonly routes = new Map<string, HttpHandler>();
  /** `METHOD` + path prefix handlers (e.g. `/cli/…`), tried after the exact routes. */
  private readonly prefixRoutes: { method: string; prefix: string; handler: HttpHandler }[] = [];
  private readonly wsProtocols = new Map<string, WebSocketHandler>();
  private readonly servers: http.Server[] = [];
  private readonly wss: WebSocketServer;
  private readonly maxBody: number;
  private readonly httpsListeners: ListenAddress[];
  private readonly tls: { cert: Buffer; key: Buffer } | undefined;
  private closed = false;

  constructor(private readonly listeners: ListenAddress[], private readonly log: Logger, opts: HttpServerOptions = {}) {
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.httpsListeners = opts.httpsListeners ?? [];
    this.tls = opts.tls;
    if (this.httpsListeners.length > 0 && !this.tls) throw new Error('HTTPS/WSS listener requested, but no certificate given');
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxBody,
      // ng payloads are bytes (SDP may carry any octets), not necessarily UTF-8, even in text frames.
      skipUTF8Validation: true,
      perMessageDeflate: false,
      handleProtocols: (offered) => this.pickProtocol(offered) ?? false,
    });
    this.wss.on('error', (err) => this.log.error({ err }, 'WebSocket server error'));
  }

  /** Registers (or replaces) the handler for `METHOD path`. */
  route(method: string, path: string, handler: HttpHandler): this {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** Registers the handler for every `METHOD` request whose path starts with `prefix`. */
  prefixRoute(method: string, prefix: string, handler: HttpHandler): this {
    this.prefixRoutes.push({ method: method.toUpperCase(), prefix, handler });
    return this;
  }

  /** Registers (or replaces) the handler for connections that negotiate WebSocket subprotocol `protocol`. */
  websocket(protocol: string, handler: WebSocketHandler): this {
    this.wsProtocols.set(protocol, handler);
    return this;
  }

  /** Opens every listener; rejects (e.g. EADDRINUSE, or an unusable certificate/key) on the first failure. */
  async listen(): Promise<void> {
    const options = { requestTimeout: 120_000, headersTimeout: 60_000 };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => this.onRequest(req, res);
    for (const l of this.listeners) await this.open(http.createServer(options, onRequest), l, 'HTTP and WebSocket');
    for (const l of this.httpsListeners) {
      let server: https.Server;
      try {
        server = https.createServer({ ...options, cert: this.tls!.cert, key: this.tls!.key }, onRequest);
      } catch (e) {
        // Not PEM, no key in the key file, or a key that does not match the certificate.
        throw new Error(`Failed to start websocket listener: unusable HTTPS certificate or key (${(e as Error).message})`);
      }
      // A failed handshake (e.g. a browser refusing the self-signed certificate) is the client's problem.
      server.on('tlsClientError', (err) => this.log.debug({ err }, 'TLS handshake failed'));
      await this.open(server, l, 'HTTPS and WSS');
    }
  }

  private async open(server: http.Server, l: ListenAddress, what: string): Promise<void> {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('clientError', (err, socket) => {
      this.log.debug({ err }, 'Bad HTTP request');
      if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      }
      socket.destroy();
    });
    server.on('error', (err) => this.log.error({ err }, 'HTTP listener error'));
    this.servers.push(server);
    await listenServer(server, l.address, l.port, l.ipv6Only);
    this.log.info({ address: l.address, port: l.port }, `Listening for ${what}`);
  }

  private pickProtocol(offered: Set<string>): string | undefined {
    for (const p of offered) if (this.wsProtocols.has(p)) return p;
    return undefined;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? '';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const handler = this.routes.get(`${method} ${path}`)
      ?? this.prefixRoutes.find((r) => r.method === method && path.startsWith(r.prefix))?.handler;
    this.log.debug({ method, path, from }, 'HTTP request');
    if (!handler && method !== 'GET' && method !== 'POST') {
      req.socket.destroy();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) {
      this.tooLarge(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (d: Buffer) => {
      if (aborted) return;
      size += d.length;
      if (size > this.maxBody) {
        aborted = true;
        this.tooLarge(res);
        return;
      }
      chunks.push(d);
    });
    req.on('error', () => { aborted = true; });
    req.on('end', () => {
      if (aborted) return;
      const body = Buffer.concat(chunks, size);
      if (!handler) {
        this.send(res, NOT_FOUND);
        return;
      }
      let reply: Promise<HttpReply>;
      try {
        reply = Promise.resolve(handler({ method, path, query, headers: req.headers, body, from }));
      } catch (e) {
        reply = Promise.reject(e);
      }
      reply.then(
        (r) => this.send(res, r),
        (err: unknown) => {
          this.log.error({ err, method, path }, 'HTTP handler failed');
          this.send(res, { status: 500, contentType: 'text/plain', body: 'internal error\n' });
        },
      );
    });
  }

  private tooLarge(res: http.ServerResponse): void {
    this.log.warn('HTTP request body too large');
    res.shouldKeepAlive = false;
    this.send(res, { status: 413, contentType: 'text/plain', body: 'request too large\n', headers: { connection: 'close' } });
    res.on('finish', () => res.socket?.destroy());
  }

  private send(res: http.ServerResponse, r: HttpReply): void {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const headers: Record<string, string | number> = {};
    if (r.contentType) headers['content-type'] = r.contentType;
    headers['content-length'] = body.length;
    Object.assign(headers, r.headers);
    if (r.statusMessage !== undefined) res.writeHead(r.status, r.statusMessage, headers);
    else res.writeHead(r.status, http.STATUS_CODES[r.status] ?? '', headers);
    res.end(body);
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.debug({ err }, 'WebSocket upgrade socket error'));
    const offered = new Set(
      String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    );
    const protocol = this.pickProtocol(offered);
    const isWs = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (this.closed || !isWs || !protocol) {
      this.log.debug({ offered: [...offered] }, 'WebSocket upgrade refused (no supported subprotocol)');
      socket.destroy();
      return;
    }
    const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => this.log.debug({ err, from }, 'WebSocket error'));
      const handler = this.wsProtocols.get(ws.protocol);
      if (!handler) {
        ws.terminate();
        return;
      }
      this.log.info({ from, protocol: ws.protocol }, 'New WebSocket connection');
      handler(ws, req, from);
    });
  }

  /** Stops listening and drops all HTTP and WebSocket connections. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) {
      s.close();
      s.closeAllConnections();
    }
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
