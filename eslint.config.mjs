import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'test-results/**', 'coverage/**', 'examples/**', '.dmgw-test/**', '.prof/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'vscode may only be imported in src/extension' }] }],
    },
  },
  {
    // plain Node scripts (bench helpers, build scripts) in CommonJS
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/extension/**/*.ts', 'test/e2e/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // the orchestrator runs in the agent and in the service: it may import src/common and itself, nothing else
    // (test/unit/orchestrator/boundary.test.ts checks the same, and that there is no import cycle)
    files: ['src/orchestrator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/agent/**', '**/service/**', '**/extension/**', '**/demo/**', 'vscode'], message: 'src/orchestrator imports only src/common: plug agent or service behaviour in through ActivityExecutor' },
            { regex: '^(?!\\.)', message: 'src/orchestrator imports only src/common (relative paths): no packages, no node: modules' },
          ],
        },
      ],
    },
  },
);
