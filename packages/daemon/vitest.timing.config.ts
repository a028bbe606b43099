import { defineConfig } from 'vitest/config';

// Tests that measure the event loop (a purge must never hold it for 20 ms) run after the others,
// one file at a time, so that no other test shares the machine's cores with them.
export default defineConfig({
  test: {
    include: ['src/**/*.timing.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-timing.json' }]],
  },
});
