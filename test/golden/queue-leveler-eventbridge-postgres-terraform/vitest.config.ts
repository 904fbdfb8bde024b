import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Keep test output readable: no EMF blobs or JSON log lines unless asked for.
    env: {
      POWERTOOLS_SERVICE_NAME: 'queue-leveler-test',
      POWERTOOLS_METRICS_NAMESPACE: 'Test',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    },
  },
});
