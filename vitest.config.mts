import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share the real PostgreSQL/MariaDB/Azurite; files run in parallel but each uses its own schema/container.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
