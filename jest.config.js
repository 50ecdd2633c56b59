// ts-jest in ESM mode: client-node 1.x is ESM-only, so the whole project is ESM.
// Type checking is `npm run typecheck`; here tests are only transpiled, which keeps the suite fast.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }],
  },
  testTimeout: 30000,
  // One local control plane per run for the suites that need it (test/support/cluster.ts starts it on first use).
  globalSetup: '<rootDir>/test/support/cluster-global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/cluster-global-teardown.mjs',
};
