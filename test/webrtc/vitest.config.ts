import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The real-browser tests (test/webrtc/run.sh runs them inside their network namespace).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/webrtc/**/*.test.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
    pool: 'forks',
    fileParallelism: false,
  },
});
