// The one eslint preset: recommended JS and type-aware TypeScript rules, plus the habits in
// STYLE.md that a linter can check.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** @param {{ tsconfigRootDir: string, noNodeImports?: boolean }} options */
export function eslintPreset(options) {
  return tseslint.config(
    { ignores: ['dist/**', 'coverage/**', 'test-results/**', '*.config.ts', '*.config.js'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      languageOptions: { parserOptions: { tsconfigRootDir: options.tsconfigRootDir } },
      rules: {
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        'no-restricted-syntax': [
          'error',
          { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip|todo)$/]", message: 'No focused or skipped tests.' },
        ],
        ...(options.noNodeImports
          ? { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'ws', 'pino', 'better-sqlite3'], message: 'core stays free of runtime-specific imports.' }] }] }
          : {}),
      },
    },
    {
      files: ['**/*.test.ts', 'test/**', 'bench/**', 'src/testing/**'],
      rules: { 'no-restricted-imports': 'off' },
    },
  );
}
