/**
 * rtpproxy control-protocol replies, byte for byte as rtpengine 10.5 writes them (each ends in `\n`;
 * checked against the real daemon, see test/integration/rtpproxy.test.ts).
 */

/** rtpengine's only error code: E8 ("internal error" in rtpproxy's numbering) for every failure. */
export const ERROR_CODE = 'E8';

/** The version rtpengine reports for `V`: the rtpproxy protocol base version it implements. */
export const PROTOCOL_VERSION = '20040107';

/**
 * `VF <date>` capabilities rtpengine 10.5 answers 1 for: the base protocol, multiple media per
 * session (`;N` media numbers) and the TTL in `Q` replies. Everything else (repacketizing,
 * recording, notifications, ...) is 0.
 */
export const CAPABILITIES: ReadonlySet<string> = new Set(['20040107', '20050322', '20060704']);

export function errorReply(cookie: string): string {
  return `${cookie} ${ERROR_CODE}\n`;
}

export function versionReply(cookie: string): string {
  return `${cookie} ${PROTOCOL_VERSION}\n`;
}

/** `VF`: 1 when supported. rtpengine 10.5 crashes on `VF` without a date; we answer 0. */
export function capabilityReply(cookie: string, param: string | undefined): string {
  return `${cookie} ${param !== undefined && CAPABILITIES.has(param) ? 1 : 0}\n`;
}

/** U/L success: the local port and address the other side is to send to, and its family. */
export function portReply(cookie: string, port: number, address: string): string {
  return `${cookie} ${port} ${address} ${address.includes(':') ? 6 : 4}\n`;
}

/** L for a call-id rtpengine does not know. */
export function unknownCallReply(cookie: string): string {
  return `${cookie} 0 0.0.0.0\n`;
}

/** D success. */
export function deletedReply(cookie: string): string {
  return `${cookie} 0\n`;
}

/**
 * Q: seconds left before the silent timeout, then RTP and RTCP packets received, then two
 * counters rtpengine 10.5 always reports as 0 (its "relayed" totals are not filled for Q).
 */
export function queryReply(cookie: string, ttl: number, rtpPackets: number, rtcpPackets: number): string {
  return `${cookie} ${ttl} ${rtpPackets} ${rtcpPackets} 0 0\n`;
}

/** The answer to a line rtpengine could only half parse (see RtpproxyRequest `fallback`). */
export function fallbackReply(cookie: string, echo: string | undefined): string {
  return echo !== undefined ? `${cookie}${echo}\n` : errorReply(cookie);
}
