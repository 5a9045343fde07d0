import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Runs the gate contract against the real onoff driver on a fake sysfs. The fake lives in a
 * private mount namespace (`unshare -m`, tmpfs on /sys/class), so the host's /sys is untouched.
 */
const root = resolve(__dirname, '../../..');
const setup = `
set -e
mount -t tmpfs evalroom-fake-sysfs /sys/class
mkdir -p /sys/class/gpio
: > /sys/class/gpio/export
: > /sys/class/gpio/unexport
for pin in 17 27; do
  d=/sys/class/gpio/gpio$pin
  mkdir -p $d
  echo 0 > $d/value; echo in > $d/direction; echo none > $d/edge; echo 0 > $d/active_low
done
exec "$NODE" "$JEST" --config device-drivers/test/gate/sysfs.jest.config.js --ci --json --outputFile="$OUT"
`;

it('passes the GatePort contract with onoff on a fake sysfs in a private mount namespace', () => {
  const out = `/tmp/evalroom-gate-sysfs-${process.pid}-${Date.now()}.json`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', setup], {
    cwd: root,
    env: { ...process.env, EVALROOM_FAKE_SYSFS: '1', NODE: process.execPath, JEST: require.resolve('jest/bin/jest', { paths: [root] }), OUT: out },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`inner run failed (${r.status}):\n${(r.stderr ?? '').slice(-4000)}`);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number };
  rmSync(out, { force: true });
  expect(report.numFailedTests).toBe(0);
  expect(report.numPassedTests).toBe(7);
  // The host's sysfs was never touched.
  expect(existsSync('/sys/class/gpio/gpio17')).toBe(false);
}, 90_000);
