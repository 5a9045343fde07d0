#!/usr/bin/env node
// `npm run bench`: runs every compiled benchmark module (<workspace>/dist/bench/*.js, each
// exporting `run(): Promise<Record<string, number>>`) in its own child process, merges the
// metrics into bench-results.json at the repository root (one flat object, name → number) and
// prints a table. Ratios are measured by each benchmark against a baseline in the same run.
// A benchmark never fails the run: an error is reported and the others go on.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const WORKSPACES = ['edge', 'cloud', 'device-drivers', 'provisioning'];
const only = process.argv.slice(2);

function discover() {
  const found = [];
  for (const ws of WORKSPACES) {
    const dir = path.join(root, ws, 'dist', 'bench');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.js')) continue;
      const name = `${ws}/${f.replace(/\.js$/, '')}`;
      if (only.length && !only.some((o) => name.includes(o))) continue;
      found.push({ name, file: path.join(dir, f) });
    }
  }
  return found;
}

const CHILD = `
const mod = require(process.argv[1]);
Promise.resolve(mod.run()).then(
  (m) => { process.send({ ok: true, metrics: m }, () => process.exit(0)); },
  (e) => { process.send({ ok: false, error: String(e && e.stack || e) }, () => process.exit(1)); });
`;

function runOne(file, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, file], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16' },
    });
    let result = { ok: false, error: 'exited without a result' };
    const timer = setTimeout(() => {
      result = { ok: false, error: `timed out after ${timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m) => (result = m));
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

async function main() {
  const benches = discover();
  if (benches.length === 0) {
    console.log('no benchmarks found: run `npm run build` first');
  }
  const out = path.join(root, 'bench-results.json');
  const results = fs.existsSync(out) && only.length ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
  const failures = [];
  for (const b of benches) {
    console.log(`\n▶ ${b.name}`);
    const t0 = Date.now();
    const r = await runOne(b.file, 20 * 60 * 1000);
    if (r.ok) {
      for (const [k, v] of Object.entries(r.metrics)) if (typeof v === 'number' && Number.isFinite(v)) results[k] = v;
      console.log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } else {
      failures.push(b.name);
      console.log(`  FAILED: ${r.error}`);
    }
  }
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  const width = Math.max(10, ...Object.keys(results).map((k) => k.length));
  console.log(`\n${'metric'.padEnd(width)}  value`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(12)}`);
  for (const k of Object.keys(results).sort()) {
    const v = results[k];
    console.log(`${k.padEnd(width)}  ${Number.isInteger(v) ? v : v.toFixed(3)}`);
  }
  console.log(`\nwrote ${path.relative(process.cwd(), out) || out}${failures.length ? `; failed: ${failures.join(', ')}` : ''}`);
}

main();
