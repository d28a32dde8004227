/**
 * ng over HTTP and WebSocket on the `--listen-http` server, as rtpengine 10.5 answers them (checked
 * against the real daemon with curl and a `ws` client):
 *
 * * `POST /ng` (query string ignored) with `Content-Type: application/x-rtpengine-ng` (compared without
 *   case; parameters such as `; charset=…` make it not match): body = one `<cookie> SP <payload>`
 *   message, bencode or JSON. Reply `200`, `content-type: application/x-rtpengine-ng`, body = the ng
 *   reply with its cookie (error replies included). A body without a cookie (empty, no space, leading
 *   space) gets status `600` with an empty reason phrase and `text/plain` "error\n". Any other content
 *   type gets the server's `404` "not found\n".
 * * `GET /ping` → `200` `text/plain` "pong\n".
 * * WebSocket subprotocol `ng.rtpengine.com` on any path: every message (text or binary) is one ng
 *   message; every reply goes back as a *binary* message (the real daemon answers text frames with
 *   binary ones too); messages without a cookie get no reply; the connection stays open after errors.
 *
 * The cookie cache is the one shared with UDP and TCP.
 */
import type { WebSocket } from 'ws';
import type { HttpReply, HttpServer } from '../http/http-server.js';
import type { Logger } from '../log.js';
import type { NgProcessor } from './ng-processor.js';

export const NG_CONTENT_TYPE = 'application/x-rtpengine-ng';
export const NG_WS_PROTOCOL = 'ng.rtpengine.com';

const NOT_FOUND: HttpReply = { status: 404, contentType: 'text/plain', body: 'not found\n' };
const NO_COOKIE: HttpReply = { status: 600, statusMessage: '', contentType: 'text/plain', body: 'error\n' };

export function registerNgHttp(http: HttpServer, processor: NgProcessor, log: Logger): void {
  http.route('POST', '/ng', async (req) => {
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    if (ct !== NG_CONTENT_TYPE) {
      log.warn({ from: req.from, contentType: ct }, 'Unsupported content-type for POST /ng');
      return NOT_FOUND;
    }
    const reply = await processor.process(req.body, req.from);
    if (!reply) return NO_COOKIE;
    return { status: 200, contentType: NG_CONTENT_TYPE, body: reply };
  });

  http.route('GET', '/ping', () => ({ status: 200, contentType: 'text/plain', body: 'pong\n' }));

  http.websocket(NG_WS_PROTOCOL, (ws, _req, from) => handleNgWebSocket(ws, from, processor));
}

function handleNgWebSocket(ws: WebSocket, from: string, processor: NgProcessor): void {
  // Replies go out in request order, whatever order the commands finish in.
  let tail: Promise<void> = Promise.resolve();
  ws.on('message', (data, isBinary) => {
    void isBinary;
    const msg = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const reply = processor.process(msg, from);
    tail = tail.then(() => reply).then((r) => {
      if (r && ws.readyState === ws.OPEN) ws.send(r, { binary: true });
    });
  });
}
