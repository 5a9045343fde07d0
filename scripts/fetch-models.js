#!/usr/bin/env node
// Fetches the face models into a cache outside git: <repo>/.cache/models (override with
// EVALROOM_MODEL_DIR). The ONNX files come from the MIT-licensed npm package
// faceplugin-face-recognition-js@0.0.1; only package/model/<file>.onnx is taken from its tarball
// (`npm pack`, never installed: its JavaScript does not run in Node and pulls 674 deps).
// Every file is pinned by SHA-256; a mismatch is an error and nothing is moved into place.
// Plain Node, no dependencies: it runs from scripts/setup.js before anything is built.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PACKAGE = 'faceplugin-face-recognition-js@0.0.1';
const MODELS = {
  'fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
  'fr_landmark.onnx': 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
  'fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
  'fr_liveness.onnx': 'afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d',
  'fr_eye.onnx': '1afcea006abc1ccac3c517022abde0aa092bed74ff3c9fe6878483ef9e6e38de',
};

const root = path.resolve(__dirname, '..');
const modelDir = path.resolve(process.env.EVALROOM_MODEL_DIR || path.join(root, '.cache', 'models'));

function log(msg) {
  process.stdout.write(`[fetch-models] ${msg}\n`);
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function missingOrWrong(dir) {
  return Object.entries(MODELS)
    .filter(([name, hash]) => {
      const file = path.join(dir, name);
      return !fs.existsSync(file) || sha256(file) !== hash;
    })
    .map(([name]) => name);
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.error || '').toString().trim()}`);
  }
  return r.stdout;
}

function main() {
  const todo = missingOrWrong(modelDir);
  if (todo.length === 0) return 0;
  log(`fetching ${todo.join(', ')} from npm package ${PACKAGE} into ${modelDir}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalroom-models-'));
  try {
    run('npm', ['pack', PACKAGE, '--silent', '--pack-destination', tmp], tmp);
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    const members = todo.map((name) => `package/model/${name}`);
    run('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp, ...members], tmp);
    for (const name of todo) {
      const got = sha256(path.join(tmp, 'package', 'model', name));
      if (got !== MODELS[name]) {
        throw new Error(`SHA-256 mismatch for ${name}: expected ${MODELS[name]}, got ${got}; refusing to install it`);
      }
    }
    fs.mkdirSync(modelDir, { recursive: true });
    for (const name of todo) {
      const dest = path.join(modelDir, name);
      const part = `${dest}.part`;
      fs.copyFileSync(path.join(tmp, 'package', 'model', name), part);
      fs.renameSync(part, dest);
    }
    log(`ok: ${todo.length} model file(s) verified`);
    return 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`[fetch-models] error: ${err.message}\n`);
  process.exitCode = 1;
}
