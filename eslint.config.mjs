// Lint rules that catch bugs, not style: typescript-eslint's recommended set on every .ts file.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'cdktf.out/**', '.test-synth/**', '.gen/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
