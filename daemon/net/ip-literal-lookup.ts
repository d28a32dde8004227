import type { SocketOptions } from 'node:dgram';

/**
 * dgram resolves the destination of every unconnected send() through its `lookup` function; the
 * default, dns.lookup(), validates even an IP literal and defers the callback with process.nextTick.
 * For sockets that only ever send to IP literals (replies to rinfo addresses) answering at once is
 * exact and saves that turn per datagram. Signature as dgram calls it: (address, family, callback).
 */
export const ipLiteralLookup = ((address: string, family: unknown, callback: (err: null, address: string, family: number) => void): void => {
  callback(null, address, family === 6 ? 6 : 4);
}) as unknown as SocketOptions['lookup'];
