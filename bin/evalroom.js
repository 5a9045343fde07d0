#!/usr/bin/env node
// The `evalroom` command: a thin dispatcher to the subcommands each workspace provides.
// Each subcommand module exports `main(argv): Promise<number>` (the exit code).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');

// onnxruntime-node reports usage and writes device ids under HOME and TMPDIR unless told not to;
// face data and appliance identities stay on the box, so every subcommand starts with it off.
if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1';

const COMMANDS = {
  up: { module: 'provisioning/dist/cli/up.js', help: 'run the whole system on this machine: cloud + one simulated room' },
  flash: { module: 'provisioning/dist/cli/flash.js', help: 'write an appliance image to a disk and verify it by reading it back' },
  enroll: { module: 'provisioning/dist/cli/enroll.js', help: 'enroll an appliance with the cloud and write its config and secrets' },
  face: { module: 'edge/dist/cli/face.js', help: 'face verify | face eval — on-device face verification' },
  footage: { module: 'edge/dist/cli/footage.js', help: 'footage verify | footage export — evidence bundles' },
};

function usage() {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.help}`);
  return `usage: evalroom <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

function ensureBuilt(modulePath) {
  if (fs.existsSync(modulePath)) return;
  process.stderr.write('evalroom: building the workspaces first (tsc -b)…\n');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const r = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function run() {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`evalroom: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const modulePath = path.join(root, command.module);
  ensureBuilt(modulePath);
  if (!fs.existsSync(modulePath)) {
    process.stderr.write(`evalroom: '${name}' is not available in this build (${command.module} missing)\n`);
    return 1;
  }
  return require(modulePath).main(argv);
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`evalroom: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
