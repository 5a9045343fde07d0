import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DeviceConfig, validate } from '@evalroom/contracts';
import { CloudApiClient, CloudApiError } from '../api-client';
import { enrollAppliance } from '../enroll';
import { obtainApplianceCertificate } from '../keys/enrollment';

const USAGE = `usage: evalroom enroll --cloud URL --appliance ID --room ID --data-dir DIR
                       [--token-file FILE] [--mqtt-url URL] [--devices FILE]
       evalroom enroll --renew-certificate [--new-key] --cloud URL --appliance ID --room ID --data-dir DIR

Registers a room appliance with the cloud (technician or admin token from --token-file or
EVALROOM_API_TOKEN) and writes <data-dir>/edge.json and its secrets (<data-dir>/secrets, 0700).
--devices names a JSON array of {deviceId, kind, driver, options}.
Run it on the appliance: its key pair is made there (secrets/appliance-key.pem, 0600, never
sent) and the cloud CA signs a client certificate for it (secrets/appliance-cert.pem, ca.pem).
--renew-certificate gets a new certificate for an enrolled appliance (same key unless --new-key);
the cloud revokes the previous one.`;

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
        'renew-certificate': { type: 'boolean', default: false },
        'new-key': { type: 'boolean', default: false },
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
  if (values['renew-certificate']) {
    try {
      const cert = await obtainApplianceCertificate({
        api: new CloudApiClient(values.cloud!, token),
        applianceId: values.appliance!,
        roomId: values.room!,
        secretsDir: path.join(path.resolve(values['data-dir']!), 'secrets'),
        reuseKey: !values['new-key'],
      });
      process.stdout.write(`certificate ${cert.serial} for ${values.appliance}, valid until ${cert.notAfter}: ${cert.certificateFile}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`evalroom enroll: ${(err as Error).message}\n`);
      return 1;
    }
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
    if (enrolled.certificate) process.stdout.write(`certificate ${enrolled.certificate.serial}, valid until ${enrolled.certificate.notAfter}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`evalroom enroll: ${err instanceof CloudApiError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
