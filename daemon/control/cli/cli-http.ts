/**
 * HTTP `GET /cli/<words separated by />` on `--listen-http`, as rtpengine 10.5 serves it: the path
 * after `/cli/` is URL-decoded, its slashes become spaces, and the CLI reply is the `text/plain` body
 * with status 200 (also for unknown commands). Checked against rtpengine 10.5.
 */
import type { HttpServer } from '../../http/http-server.js';
import type { Logger } from '../../log.js';

export function registerCliHttp(http: HttpServer, run: (line: string) => Promise<string>, log: Logger): void {
  http.prefixRoute('GET', '/cli/', async (req) => {
    let words: string;
    try {
      words = decodeURIComponent(req.path.slice('/cli/'.length));
    } catch {
      words = req.path.slice('/cli/'.length);
    }
    const line = words.replace(/\//g, ' ');
    log.info(`Got CLI command: ${line}`);
    return { status: 200, contentType: 'text/plain', body: await run(line) };
  });
}
