/** Jest runs the TypeScript sources directly; Temporal needs the plain node environment. */
module.exports = {
  testEnvironment: 'node',
  preset: 'ts-jest',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  // ONE Temporal dev server for the whole run (or TEMPORAL_ADDRESS); exported to tests as TEMPORAL_ADDRESS.
  // See test/fixtures/temporal-env.ts for the contract. Requires --runInBand (npm test passes it).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The Temporal SDK's native bridge (Rust core runtime behind NativeConnection/Worker) keeps handles open after
  // workers and connections are shut down, so jest would otherwise never exit. Tests still close what they open.
  forceExit: true,
};
