import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Generous: these time out only on a hang; a loaded 2-core machine can make a PFX export or a CLI spawn slow.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Integration suites share the real PostgreSQL/MariaDB/Azurite; files run in parallel but each uses its own schema/container.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
