/**
 * The live dashboard on --listen-http: GET /dashboard serves the page, WebSocket /dashboard/ws
 * (subprotocol `dashboard.rtpengine-ts`) pushes a JSON snapshot on connect and then once a second.
 * The 1 s timer runs only while at least one dashboard client is connected; one snapshot is built
 * per tick and sent to every client.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import type { HttpReply, HttpServer } from '../http-server.js';
import { DASHBOARD_PAGE } from './page.js';
import type { DashboardSnapshot } from './snapshot.js';

export const DASHBOARD_PROTOCOL = 'dashboard.rtpengine-ts';
const PERIOD_MS = 1000;

/** Where snapshots come from (DashboardSnapshots in the daemon). */
export interface SnapshotSource {
  build(nowMs?: number): DashboardSnapshot;
}

/** The parts of HttpServer the dashboard registers with. */
type Routes = Pick<HttpServer, 'route' | 'websocket'>;

export class DashboardService {
  private readonly clients = new Set<WebSocket>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(http: Routes, private readonly snapshots: SnapshotSource, private readonly log: Logger) {
    const page = (): HttpReply => ({
      status: 200, contentType: 'text/html; charset=utf-8', headers: { 'cache-control': 'no-store' }, body: DASHBOARD_PAGE,
    });
    http.route('GET', '/dashboard', page);
    http.route('GET', '/dashboard/', page);
    http.websocket(DASHBOARD_PROTOCOL, (ws, req, from) => this.accept(ws, req.url ?? '', from));
  }

  /** Connected dashboard clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  private accept(ws: WebSocket, url: string, from: string): void {
    const path = url.split('?')[0];
    if (this.closed || path !== '/dashboard/ws') {
      ws.close(1008, 'not found');
      return;
    }
    this.clients.add(ws);
    ws.on('close', () => this.drop(ws));
    ws.on('error', () => this.drop(ws));
    this.log.debug({ from }, 'Dashboard client connected');
    this.timer ??= setInterval(() => this.tick(), PERIOD_MS);
    this.send([ws]);
  }

  private drop(ws: WebSocket): void {
    this.clients.delete(ws);
    if (this.clients.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    this.send(this.clients);
  }

  private send(to: Iterable<WebSocket>): void {
    let text: string;
    try {
      text = JSON.stringify(this.snapshots.build());
    } catch (err) {
      this.log.error({ err }, 'Dashboard snapshot failed');
      return;
    }
    for (const ws of to) if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 20) ws.send(text);
  }

  /** Stops the timer and closes the dashboard connections. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
  }
}
