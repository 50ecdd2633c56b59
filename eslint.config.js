import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'src/gen/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only src/kube talks to the Kubernetes client library; everything else goes through its ports.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@kubernetes/client-node', message: 'Import through src/kube/ only.' }] },
      ],
    },
  },
  { files: ['src/kube/**', 'test/**'], rules: { 'no-restricted-imports': 'off' } },
  // Tests poke at rendered JSON; typing every nested Kubernetes field there would obscure what they check.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Layout is prettier's (npm run format); eslint checks only what prettier does not.
  prettier,
);
