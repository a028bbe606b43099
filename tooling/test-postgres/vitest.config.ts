import { vitestPreset } from '@tether/config/vitest';

export default vitestPreset({ testTimeout: 60_000 });
