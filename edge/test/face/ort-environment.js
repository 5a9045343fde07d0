// Jest runs each test file in its own vm realm, whose typed-array constructors differ from the
// ones onnxruntime-node's native backend uses for outputs ("A float32 tensor's data must be type
// of Float32Array"). Test files that run models in-thread opt in with
// `@jest-environment ./test/face/ort-environment.js` to share the host realm's typed arrays.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array',
      'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray', 'ArrayBuffer']) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = OrtEnvironment;
