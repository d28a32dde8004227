/**
 * Log lines to the local syslog daemon: RFC 3164 §4.1 framing (`<PRI>Mmm dd hh:mm:ss ident[pid]: msg`,
 * PRI = facility | severity) as one datagram to /dev/log, as syslog(3) sends it. The path can be
 * moved with RTPENGINE_TS_SYSLOG_SOCKET (tests; a chroot). A message the socket refuses (no syslog
 * daemon, its queue full) is lost, as with syslog(3) without LOG_CONS.
 */
import type { ServiceNative } from './native.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 §4.1.2 TIMESTAMP in local time: the day of month space-padded. */
function timestamp(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export class SyslogWriter {
  private readonly path = process.env.RTPENGINE_TS_SYSLOG_SOCKET ?? '/dev/log';

  constructor(private readonly native: ServiceNative, private readonly ident: string) {}

  /** `priority`: facility code (already shifted) | severity 0..7. */
  write(priority: number, message: string, at = new Date()): boolean {
    return this.native.send(this.path, Buffer.from(`<${priority}>${timestamp(at)} ${this.ident}[${process.pid}]: ${message}`));
  }
}
