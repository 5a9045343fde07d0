#!/usr/bin/env node
// Runs every test tier with Jest. Integration tests use the machine's PostgreSQL and Mosquitto
// when present (EVALROOM_TEST_PG_URL, EVALROOM_TEST_MQTT_URL override), and create/drop their
// own databases.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = {
  ...process.env,
  UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16',
  EVALROOM_TEST_PG_URL: process.env.EVALROOM_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  EVALROOM_TEST_MQTT_URL: process.env.EVALROOM_TEST_MQTT_URL || 'mqtt://127.0.0.1:1883',
};
const jest = require.resolve('jest/bin/jest', { paths: [root] });
const args = [jest, '--maxWorkers=2', ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
