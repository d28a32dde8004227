/**
 * The line protocol rtpengine 10.5 serves on `--listen-tcp` (its own old "TCP control" protocol of
 * the SER/Kamailio mediaproxy-ng era, not rtpproxy's): one command per `\n`-terminated line,
 * case-sensitive, and the connection is closed after each command rtpengine understood:
 *
 *   request|lookup CALLID STREAMS IP FROMDOM FROMTYPE TODOM TOTYPE AGENT info=INFO
 *   delete CALLID info=INFO
 *   build | version | controls | status | quit | exit
 *
 * A line that matches none of these is logged and the connection closed without a reply.
 */

export type TcpControlLine =
  | { kind: 'request' | 'lookup'; callId: string; streams: string; info: string }
  | { kind: 'delete'; callId: string; info: string }
  | { kind: 'version' | 'controls' | 'status' | 'quit' }
  | { kind: 'invalid' };

const REQUEST = /^(request|lookup)\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+info=(\S*)$/;
const DELETE = /^delete\s+(\S+)\s+info=(\S*)$/;

/** Longest line (without its newline) kept while waiting for the newline, as rtpengine's 1024. */
export const MAX_TCP_LINE = 1024;

export function parseTcpControlLine(line: string): TcpControlLine {
  const l = line.endsWith('\r') ? line.slice(0, -1) : line;
  switch (l) {
    case 'build': case 'version': return { kind: 'version' };
    case 'controls': return { kind: 'controls' };
    case 'status': return { kind: 'status' };
    case 'quit': case 'exit': return { kind: 'quit' };
    default: break;
  }
  let m = REQUEST.exec(l);
  if (m) return { kind: m[1] as 'request' | 'lookup', callId: m[2]!, streams: m[3]!, info: m[4]! };
  m = DELETE.exec(l);
  if (m) return { kind: 'delete', callId: m[1]!, info: m[2]! };
  return { kind: 'invalid' };
}
