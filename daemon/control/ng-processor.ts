/**
 * One framed ng message (`<cookie> SP <payload>`, spec §1.1) in, reply bytes out — the code every ng
 * transport (UDP, TCP, HTTP `POST /ng`, WebSocket) shares.
 *
 * As in rtpengine 10.5 there is a single cookie cache for all transports and listeners (checked with the
 * real daemon: a cookie first used over UDP gets the cached UDP reply when it is reused over TCP, HTTP
 * or WebSocket).
 */
import { encodeNgReply, errorReply, parseNgDatagram } from '../../protocol/ng/message.js';
import type { Logger } from '../log.js';
import { CookieCache } from './cookie-cache.js';
import { recordUndecodable, type NgCommands } from './ng-commands.js';

export class NgProcessor {
  private readonly cache: CookieCache;
  private closed = false;

  constructor(private readonly commands: NgCommands, private readonly log: Logger, cache?: CookieCache) {
    this.cache = cache ?? new CookieCache();
  }

  /**
   * Handles one message. Resolves with the complete reply (`<cookie> SP <payload>`), or with `null` when
   * rtpengine sends nothing back (no cookie, or the request failed internally). Never rejects.
   * `from` is only used for logging.
   */
  process(msg: Buffer, from: string): Promise<Buffer | null> {
    try {
      const req = parseNgDatagram(msg);
      if (req.kind === 'no-cookie') {
        this.log.warn(`Received invalid data on NG port (no cookie) from ${from}: ${dumpBytes(msg)}`);
        return Promise.resolve(null);
      }
      const cached = this.cache.get(req.cookie);
      if (cached) {
        this.log.debug({ cookie: req.cookie, from }, 'Detected command from cookie cache');
        return cached.catch(() => null);
      }
      if (req.kind === 'error') {
        // rtpengine 10.5 logs what it could not decode with its source and the bytes (measured form).
        this.log.warn(`Protocol error in packet from ${from}: ${req.reason} [${dumpBytes(msg.subarray(msg.indexOf(0x20) + 1))}]`);
        recordUndecodable(this.commands, from);
      }
      const reply: Promise<Buffer> = req.kind === 'error'
        ? Promise.resolve(encodeNgReply(req.cookie, req.format, errorReply(req.reason)))
        : this.commands.handle(req.dict, from, msg.subarray(msg.indexOf(0x20) + 1)).then((d) => encodeNgReply(req.cookie, req.format, d));
      if (!this.closed) this.cache.set(req.cookie, reply);
      return reply.catch((err: unknown) => {
        this.log.error({ err, from }, 'ng reply failed');
        return null;
      });
    } catch (err) {
      // Last line of defence: a bad message must never take a control listener down.
      this.log.error({ err, from }, 'Failed to process ng message');
      return Promise.resolve(null);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.close();
  }
}

/** Request bytes for a log line: latin1 text, at most 1 KiB (rtpengine logs the packet, truncated). */
export function dumpBytes(b: Buffer): string {
  const t = b.subarray(0, 1024).toString('latin1');
  return b.length > 1024 ? `${t}...` : t;
}
