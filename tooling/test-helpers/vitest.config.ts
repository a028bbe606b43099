import { vitestPreset } from '@tether/config/vitest';

export default vitestPreset({ include: ['src/**/*.test.ts'] });
