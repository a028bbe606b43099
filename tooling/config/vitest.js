// The one vitest preset. Unit tests sit beside the code (src/**/*.test.ts), slow integration and
// end-to-end tests in test/. Results go to test-results/ so .ci/run can add up the totals.
import { defineConfig } from 'vitest/config';

/**
 * @param {{ coverage?: number, testTimeout?: number, include?: string[] }} [options]
 *   coverage: minimum line/statement/function/branch percentage enforced with --coverage.
 */
export function vitestPreset(options = {}) {
  const threshold = options.coverage;
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts'],
        reporter: ['text-summary', 'json-summary'],
        ...(threshold === undefined
          ? {}
          : { thresholds: { lines: threshold, statements: threshold, functions: threshold, branches: threshold - 5 } }),
      },
    },
  });
}
