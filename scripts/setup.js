#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh Debian/Ubuntu machine with Node 20:
// Debian packages (when root; otherwise prints the exact command), npm dependencies, and the
// face models (from the npm registry, SHA-256 pinned). Plain JavaScript: it runs before any
// dependency exists. Re-running is cheap: everything is checked before it is installed.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

const APT_PACKAGES = [
  // GStreamer: recording pipelines and the gstreamer-superficial binding (headers to build it)
  'libgstreamer1.0-dev', 'libgstreamer-plugins-base1.0-dev', 'gstreamer1.0-plugins-base',
  'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-plugins-ugly',
  'gstreamer1.0-libav', 'gstreamer1.0-tools', 'gstreamer1.0-rtsp', 'libgstrtspserver-1.0-dev',
  'gstreamer1.0-plugins-base-apps', 'pkg-config', 'ffmpeg',
  // RTSP test camera on loopback
  'python3-gi', 'gir1.2-gst-rtsp-server-1.0',
  // PC/SC with a virtual reader and card
  'libpcsclite-dev', 'pcscd', 'pcsc-tools', 'vsmartcard-vpcd', 'vsmartcard-vpicc', 'python3-pycryptodome',
  // serial devices over pseudo-terminals
  'socat',
  // page tests
  'chromium',
];

function log(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function missingAptPackages() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...APT_PACKAGES], { encoding: 'utf8' });
  const installed = new Set(
    (r.stdout || '').split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return APT_PACKAGES.filter((p) => !installed.has(p));
}

function ensureAptPackages() {
  if (process.platform !== 'linux' || spawnSync('which', ['dpkg-query']).status !== 0) {
    log('not a Debian/Ubuntu system: install GStreamer 1.22, pcscd, socat and chromium by hand');
    return;
  }
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log('missing Debian packages; install them with:');
    process.stdout.write(`  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n`);
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  const fresh = fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh) return;
  // `npm install` rather than `npm ci`: the lock names every platform's optional native builds
  // (e.g. @swc/core-darwin-arm64), and `npm ci` refuses to run when a registry mirror serves
  // only this platform's; `npm install` follows the lock and skips the optional ones it lacks.
  log('installing npm dependencies (npm install, following package-lock.json)');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
}

function ensureModels() {
  const fetcher = path.join(root, 'scripts', 'fetch-models.js');
  if (fs.existsSync(fetcher)) execFileSync(process.execPath, [fetcher], { cwd: root, stdio: 'inherit' });
}

ensureAptPackages();
ensureNodeModules();
ensureModels();
