import { eslintPreset } from '@tether/config/eslint';

export default eslintPreset({ tsconfigRootDir: import.meta.dirname });
