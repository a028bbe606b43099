import { vitestPreset } from '@tether/config/vitest';

export default vitestPreset({ coverage: 90 });
