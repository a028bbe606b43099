import { vitestPreset } from '@tether/config/vitest';
import { mergeConfig } from 'vitest/config';

// --expose-gc: the deadline tests force garbage collection while a request waits (nodejs/node#57736).
export default mergeConfig(vitestPreset({ testTimeout: 60_000 }), { test: { pool: 'forks', poolOptions: { forks: { execArgv: ['--expose-gc'] } } } });
