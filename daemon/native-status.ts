/**
 * Start-up notice when the native addons (daemon/media/native, built by the package's install script)
 * do not load: the daemon still runs, on node:dgram media I/O, the JS SRTP primitives and stderr
 * logging, but an operator should know why it costs more CPU (and that syslog/sd_notify are off).
 * Nothing is said for a fallback asked for with RTPENGINE_TS_IO=dgram or RTPENGINE_TS_SRTP=js.
 */
import { loadBatchNative } from './media/io.js';
import { loadNativeSrtpPrimitives } from './media/srtp-native.js';
import { loadServiceNative } from './service/native.js';

export function nativeAddonNotices(): string[] {
  const missing: string[] = [];
  if (process.env.RTPENGINE_TS_IO !== 'dgram') {
    const { native, error } = loadBatchNative();
    if (native === null) missing.push(`batch_io (media I/O falls back to node:dgram: ${error})`);
  }
  if (process.env.RTPENGINE_TS_SRTP !== 'js') {
    const { primitives, error } = loadNativeSrtpPrimitives();
    if (primitives === null) missing.push(`srtp_crypto (SRTP uses the JS primitives: ${error})`);
  }
  const { native, error } = loadServiceNative();
  if (native === null) missing.push(`service (no syslog, no sd_notify: ${error})`);
  if (missing.length === 0) return [];
  return [
    `Native addons not loaded, running on fallbacks: ${missing.join('; ')}. ` +
      'Rebuild them (needs a C compiler, python3 and Node\'s headers) with `npm rebuild -g rtpengine-ts` after a global ' +
      'install, `npm rebuild rtpengine-ts` in the directory it was installed into, `npm install` in a checkout.',
  ];
}
