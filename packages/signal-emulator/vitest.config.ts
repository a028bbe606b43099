import { vitestPreset } from '@tether/config/vitest';

export default vitestPreset();
