/**
 * The service addon (daemon/media/native/src/service.c): a datagram to an AF_UNIX socket path, which
 * Node cannot send itself — syslog (/dev/log) and systemd readiness ($NOTIFY_SOCKET) need it.
 * Optional like the rest of the native package: without it the daemon logs to stderr and tells the
 * operator why (daemon/log.ts).
 */
import { createRequire } from 'node:module';

export interface ServiceNative {
  send(path: string, data: Buffer): boolean;
}

let cached: { native: ServiceNative | null; error: string } | null = null;

/** The addon, or null and why not (the installed package's build first, then the source tree's). */
export function loadServiceNative(): { native: ServiceNative | null; error: string } {
  if (cached !== null) return cached;
  const require = createRequire(import.meta.url);
  let error = '';
  for (const id of ['../../../daemon/media/native/service.cjs', '../media/native/service.cjs']) {
    try {
      cached = { native: require(id) as ServiceNative, error: '' };
      return cached;
    } catch (e) {
      if (error === '') error = (e as Error).message.split('\n')[0]!;
    }
  }
  cached = { native: null, error };
  return cached;
}

/**
 * Tells systemd (Type=notify) how we are: `READY=1` once the sockets are open, `STOPPING=1` on the
 * way out (sd_notify(3) protocol). False when not started by systemd or without the addon.
 */
export function notifySystemd(state: string): boolean {
  const path = process.env.NOTIFY_SOCKET;
  if (!path) return false;
  const { native } = loadServiceNative();
  return native !== null && native.send(path, Buffer.from(state));
}
