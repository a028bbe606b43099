import { tsupPreset } from '@tether/config/tsup';

export default { ...tsupPreset({ entry: { main: 'src/main.ts', 'echo-bot': 'src/echo-bot.ts' } }), dts: false };
