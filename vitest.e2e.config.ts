import { defineConfig } from 'vitest/config';

// Heavier end-to-end stages: run by `RUNNERGUARD_E2E=1 npm test` (and so by .ci/run).
export default defineConfig({
  test: {
    include: ['test/e2e-heavy/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
