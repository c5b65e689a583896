/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (swc): type checking is `npm run typecheck`'s job, which keeps the suite fast.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  // The one global synth of every environment (as committed and as deployed), reused while the sources are unchanged.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/unit-synth.ts'],
  testTimeout: 120000,
  // How long a worker may take to exit after the last test before jest kills it and warns "failed to exit
  // gracefully". Jest's 500 ms is too short on a loaded two-core machine: a worker that has built CDK apps
  // tears down a heap of several hundred MB. A real leak (open handle) still hits this limit and warns.
  workerGracefulExitTimeout: 5000,
  maxWorkers: 2,
};
