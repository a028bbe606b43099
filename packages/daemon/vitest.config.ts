import { vitestPreset } from '@tether/config/vitest';
import { mergeConfig } from 'vitest/config';

// --expose-gc: the deadline tests force garbage collection while a request waits (nodejs/node#57736).
// Timing tests (*.timing.test.ts) run afterwards, alone, with vitest.timing.config.ts.
export default mergeConfig(vitestPreset({ testTimeout: 60_000 }), {
  test: { exclude: ['**/node_modules/**', '**/*.timing.test.ts'], pool: 'forks', poolOptions: { forks: { execArgv: ['--expose-gc'] } } },
});
