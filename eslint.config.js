// ESLint flat config: type-aware typescript-eslint rules plus the import
// boundaries of docs/architecture (shared <- pulsar <- gateway, shared <- operator;
// areas meet only through their index.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const AREAS = ['shared', 'pulsar', 'gateway', 'operator'];

/** Imports an area may never make, and "deep" imports into another area. */
function boundaries(area, forbidden) {
  const patterns = [];
  for (const other of forbidden) {
    patterns.push({
      group: [`**/${other}/**`, `**/${other}`],
      message: `src/${area} must not depend on src/${other} (see docs/architecture.md).`,
    });
  }
  for (const other of AREAS.filter((a) => a !== area && !forbidden.includes(a))) {
    patterns.push({
      group: [`**/${other}/*`, `!**/${other}/index.ts`],
      message: `Import src/${other} only through its index.ts.`,
    });
  }
  return {
    files: [`src/${area}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      // @kubernetes/client-node models are data-only classes meant to be written as object literals.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      complexity: ['warn', 25],
      'max-depth': ['warn', 5],
    },
  },
  boundaries('shared', ['pulsar', 'gateway', 'operator']),
  boundaries('pulsar', ['gateway', 'operator']),
  boundaries('gateway', ['operator']),
  boundaries('operator', ['gateway', 'pulsar']),
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner tracks itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
);
