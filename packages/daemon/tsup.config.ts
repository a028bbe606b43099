import { tsupPreset } from '@tether/config/tsup';

export default tsupPreset({ entry: { index: 'src/index.ts', protocol: 'src/protocol/index.ts', tetherd: 'src/bin/tetherd.ts' } });
