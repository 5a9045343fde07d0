// Jest config for the tests that must run inside a private mount namespace over a fake sysfs
// (started by gate.sysfs.test.ts through `unshare -m`). Never run directly on a host.
const path = require('node:path');
const root = path.resolve(__dirname, '../../..');
module.exports = {
  rootDir: root,
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: { '^@evalroom/([a-z-]+)$': '<rootDir>/$1/src' },
  testMatch: ['<rootDir>/device-drivers/test/gate/*.sysfs-inner.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
