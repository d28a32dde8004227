/** A LoadEnv for config tests that touches nothing on the machine: no files, no interfaces, no DNS. */
import type { LoadEnv } from '../../daemon/config/options.js';

export const isolatedEnv: LoadEnv = {
  defaultConfigFile: '/nonexistent/rtpengine.conf',
  readFile: async (p) => {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
  },
  networkInterfaces: () => ({}),
  lookup: async (host) => {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  },
  availableParallelism: () => 2,
};
