/**
 * The one way a control or HTTP listener starts: `server` listens on address:port (exclusive, so a
 * port taken by another process is an error rather than shared; IPv6-only for the `::` half of a
 * port-only specification) and the promise settles once it listens, or rejects with the bind error.
 */
import type { Server } from 'node:net';

export function listenServer(server: Server, address: string, port: number, ipv6Only = false): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, ipv6Only, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
