/** The dashboard's page route and WebSocket push (daemon/http/dashboard/dashboard-service.ts), with fake sockets and timers. */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { DASHBOARD_PROTOCOL, DashboardService } from '../../daemon/http/dashboard/dashboard-service.js';
import type { DashboardSnapshot } from '../../daemon/http/dashboard/snapshot.js';
import type { HttpHandler, HttpReply, WebSocketHandler } from '../../daemon/http/http-server.js';

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  send(text: string): void { this.sent.push(text); }
  close(code: number): void { this.closedWith = code; this.readyState = 3; this.emit('close'); }
  terminate(): void { this.readyState = 3; this.emit('close'); }
}

let routes: Map<string, HttpHandler>;
let wsHandler: WebSocketHandler | undefined;
let builds: number;
let service: DashboardService;

function connect(url = '/dashboard/ws'): FakeWs {
  const ws = new FakeWs();
  wsHandler!(ws as unknown as WebSocket, { url } as never, '127.0.0.1:1');
  return ws;
}

beforeEach(() => {
  vi.useFakeTimers();
  routes = new Map();
  wsHandler = undefined;
  builds = 0;
  const http = {
    route(method: string, path: string, h: HttpHandler) { routes.set(`${method} ${path}`, h); return this as never; },
    websocket(protocol: string, h: WebSocketHandler) { expect(protocol).toBe(DASHBOARD_PROTOCOL); wsHandler = h; return this as never; },
  };
  const snapshots = { build: (): DashboardSnapshot => ({ now: ++builds, uptimeS: 0, sessions: 0, packetRate: 0, workers: [], calls: [] }) };
  service = new DashboardService(http, snapshots, pino({ level: 'silent' }));
});

afterEach(() => {
  service.close();
  vi.useRealTimers();
});

describe('dashboard service', () => {
  it('serves the self-contained page at /dashboard', async () => {
    const r = (await routes.get('GET /dashboard')!({} as never)) as HttpReply;
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/html/);
    const html = String(r.body);
    expect(html).toContain('/dashboard/ws');
    expect(html).toContain(DASHBOARD_PROTOCOL);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/); // nothing fetched from elsewhere
  });

  it('builds no snapshot without a client, one on connect, then one per second shared by all clients', () => {
    vi.advanceTimersByTime(5000);
    expect(builds).toBe(0);
    const a = connect();
    expect(builds).toBe(1);
    expect(JSON.parse(a.sent[0]!).now).toBe(1);
    const b = connect();
    expect(builds).toBe(2);
    vi.advanceTimersByTime(3000);
    expect(builds).toBe(5);
    expect(a.sent).toHaveLength(4);
    expect(b.sent).toHaveLength(4);
    expect(JSON.parse(b.sent[3]!).now).toBe(5);
    a.emit('close');
    vi.advanceTimersByTime(1000);
    expect(builds).toBe(6);
    b.emit('close');
    expect(service.clientCount).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(builds).toBe(6);
  });

  it('closes WebSockets on other paths and all clients on close()', () => {
    const wrong = connect('/elsewhere');
    expect(wrong.closedWith).toBe(1008);
    expect(builds).toBe(0);
    const a = connect('/dashboard/ws?x=1');
    expect(service.clientCount).toBe(1);
    service.close();
    expect(a.readyState).toBe(3);
    expect(service.clientCount).toBe(0);
    vi.advanceTimersByTime(3000);
    expect(builds).toBe(1);
  });
});
