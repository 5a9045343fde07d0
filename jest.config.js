// One Jest run over every workspace. Tests are TypeScript compiled on the fly by SWC
// (with decorator metadata, which NestJS dependency injection needs).
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];

const project = (name, extra = {}) => ({
  displayName: name,
  rootDir: `<rootDir>/${name}`,
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': swc },
  moduleNameMapper: { '^@evalroom/([a-z-]+)$': '<rootDir>/../$1/src' },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Integration tests start real processes and brokers; on a loaded 2-core machine Jest's 5 s
  // default fails them for being slow, not wrong. Tests that need longer set their own.
  testTimeout: 30_000,
  ...extra,
});

module.exports = {
  rootDir: __dirname,
  projects: ['contracts', 'device-drivers', 'edge', 'cloud', 'provisioning', 'flows', 'test'].map((n) => project(n)),
};
