/**
 * jest for `npm run mutate` (StrykerJS): only the table tests of the pure core and of the reconcile
 * transition, no build step, no type check per mutant (a mutant that does not typecheck is still run).
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/manifest/**/*.test.ts',
    '<rootDir>/test/model/**/*.test.ts',
    '<rootDir>/test/diff/**/*.test.ts',
    '<rootDir>/test/balance/**/*.test.ts',
    '<rootDir>/test/reconcile/status*.test.ts',
    '<rootDir>/test/reconcile/advance*.test.ts',
    '<rootDir>/test/rollout/*.test.ts',
    '<rootDir>/test/reconcile/reconciler.test.ts',
  ],
  testTimeout: 20000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false, isolatedModules: true }] },
};
