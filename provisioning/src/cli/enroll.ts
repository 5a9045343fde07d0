import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DeviceConfig, validate } from '@evalroom/contracts';
import { CloudApiClient, CloudApiError } from '../api-client';
import { enrollAppliance } from '../enroll';

const USAGE = `usage: evalroom enroll --cloud URL --appliance ID --room ID --data-dir DIR
                       [--token-file FILE] [--mqtt-url URL] [--devices FILE]

Registers a room appliance with the cloud (technician or admin token from --token-file or
EVALROOM_API_TOKEN) and writes <data-dir>/edge.json and its secrets (<data-dir>/secrets, 0700).
--devices names a JSON array of {deviceId, kind, driver, options}.`;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        cloud: { type: 'string' },
        appliance: { type: 'string' },
        room: { type: 'string' },
        'data-dir': { type: 'string' },
        'token-file': { type: 'string' },
        'mqtt-url': { type: 'string' },
        devices: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`evalroom enroll: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const missing = (['cloud', 'appliance', 'room', 'data-dir'] as const).filter((k) => !values[k]);
  if (missing.length) {
    process.stderr.write(`evalroom enroll: missing --${missing.join(', --')}\n${USAGE}\n`);
    return 2;
  }
  const token = values['token-file'] ? (await readFile(values['token-file'], 'utf8')).trim() : process.env.EVALROOM_API_TOKEN;
  if (!token) {
    process.stderr.write('evalroom enroll: give an API token with --token-file or EVALROOM_API_TOKEN\n');
    return 2;
  }
  let devices: DeviceConfig[] = [];
  if (values.devices) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(values.devices, 'utf8'));
    } catch (err) {
      process.stderr.write(`evalroom enroll: ${values.devices}: ${(err as Error).message}\n`);
      return 2;
    }
    const parsed = validate(z.array(DeviceConfig).max(64), raw);
    if (!parsed.ok) {
      process.stderr.write(`evalroom enroll: ${values.devices}: ${parsed.reason}\n`);
      return 2;
    }
    devices = parsed.value;
  }
  try {
    const enrolled = await enrollAppliance({
      api: new CloudApiClient(values.cloud!, token),
      applianceId: values.appliance!,
      roomId: values.room!,
      dataDir: path.resolve(values['data-dir']!),
      config: { devices },
      mqttUrl: values['mqtt-url'],
      cloudHttpUrl: values.cloud,
    });
    process.stdout.write(`enrolled ${values.appliance}: config ${enrolled.configPath}, secrets ${enrolled.secretsDir}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`evalroom enroll: ${err instanceof CloudApiError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
