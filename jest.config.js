/** Type-checking is done once by `tsc --noEmit`; jest only transpiles (fast, isolated). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // age-encryption and its @noble/@scure dependencies ship ES modules only: compiled to
    // CommonJS for jest's module system (node itself loads them with require(esm)).
    '/node_modules/(age-encryption|@noble|@scure)/.+\\.js$': [
      'ts-jest',
      { diagnostics: false, tsconfig: { allowJs: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(age-encryption|@noble|@scure)/)'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
