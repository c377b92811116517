import { defineConfig } from 'vitest/config';

// Tests that kill connections or restart the shared PostgreSQL and Redis: one file at a time,
// after the parallel suites have finished.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
