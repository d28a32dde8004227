/**
 * HTTP `GET /cli/<command>` on `--listen-http`, as rtpengine 10.5 serves it (checked against it): the
 * path is URL-decoded and canonicalized as its HTTP library (libwebsockets) does it (runs of `/` become
 * one, `.` and `..` segments resolved), and what follows `/cli/` is the CLI command *as it is*: the
 * slashes stay. They work as separators because every CLI level skips one character after a word;
 * a Call-ID or a tag ends at a blank only, so `/cli/call/x/y` asks for call `x/y` in 10.5 too.
 * The reply is the `text/plain` body with status 200 (also for unknown commands).
 */
import type { HttpServer } from '../../http/http-server.js';
import type { Logger } from '../../log.js';

/**
 * Collapses `//`, drops `/./` and resolves `/seg/../` in an absolute path, as libwebsockets does
 * (measured: a trailing `/.` leaves a slash, a trailing `/..` none).
 */
export function canonicalPath(path: string): string {
  const segs = path.split('/').slice(1);
  const out: string[] = [];
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === '..') out.pop();
    else if (seg !== '.' && (seg !== '' || last)) out.push(seg);
    if (last && seg === '.') out.push('');
  });
  return `/${out.join('/')}`;
}

/** The CLI command of a `/cli/…` request path, or null when the canonical path is outside `/cli/`. */
export function cliCommandOfPath(rawPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    path = rawPath;
  }
  path = canonicalPath(path);
  return path.startsWith('/cli/') ? path.slice('/cli/'.length) : null;
}

export function registerCliHttp(http: HttpServer, run: (line: string) => Promise<string>, log: Logger): void {
  http.prefixRoute('GET', '/cli/', async (req) => {
    const line = cliCommandOfPath(req.path);
    // `/cli/..` is `/`: no CLI request, the server's plain 404 (as the HTTP server answers unknown paths).
    if (line === null) return { status: 404, contentType: 'text/plain', body: 'not found\n' };
    log.info(`Got CLI command: ${line}`);
    return { status: 200, contentType: 'text/plain', body: await run(line) };
  });
}
