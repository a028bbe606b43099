import { tsupPreset } from '@tether/config/tsup';

export default tsupPreset({ entry: { index: 'src/index.ts' } });
