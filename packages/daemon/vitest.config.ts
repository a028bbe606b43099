import { vitestPreset } from '@tether/config/vitest';
import { mergeConfig } from 'vitest/config';

// --expose-gc: the deadline tests force garbage collection while a request waits (nodejs/node#57736).
// Timing tests (*.timing.test.ts) run afterwards, alone, with vitest.timing.config.ts.
// Test files share their worker processes (isolate: false): loading the daemon's modules once per
// worker instead of once per file halves the run. Each test builds and closes its own harness,
// stores, sockets and processes, and one that changes process-wide state puts it back.
// Coverage (`test` runs with --coverage): at least 85 % of the lines of src/ from the tests that
// run in vitest's processes; the end-to-end tests spawn tetherd, whose lines are not measured. The
// in-process harness (src/**/testing/) is test support, and bin/tetherd.ts only parses argv.
export default mergeConfig(vitestPreset({ testTimeout: 60_000 }), {
  test: {
    exclude: ['**/node_modules/**', '**/*.timing.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'], isolate: false } },
    coverage: {
      exclude: ['src/**/*.test.ts', 'src/**/testing/**', 'src/bin/tetherd.ts'],
      thresholds: { lines: 85 },
    },
  },
});
