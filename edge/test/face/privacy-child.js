// Child process of the privacy test: one check-in's verification through the worker-backed
// FaceVerifier, printing only the FaceCheck.
'use strict';
const { readFileSync } = require('node:fs');
const { createFaceVerifier } = require(process.env.FACE_DIST);

(async () => {
  const probe = readFileSync(process.env.PROBE);
  const reference = readFileSync(process.env.REFERENCE);
  const verifier = await createFaceVerifier({ livenessRequired: true });
  const check = await verifier.verify({ probe, reference });
  await verifier.close();
  process.stdout.write(JSON.stringify(check));
})().catch((err) => {
  process.stderr.write(`ERROR ${err.stack}\n`);
  process.exitCode = 1;
});
