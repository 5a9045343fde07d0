import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { ADMIN_HASH_FILE, readAdminUser, startEmbeddedNodeRed, buildSettings } from '../../src/nodered';
import { startTestBroker } from '../../../device-drivers/test/helpers/broker';
import { startHttp } from './helpers';

describe('Node-RED editor behind credentials', () => {
  it('opens the editor only with an admin user from the secrets dir, and checks the password', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'evalroom-secrets-'));
    const userDir = mkdtempSync(join(tmpdir(), 'evalroom-nodered-'));
    const password = 'correct horse battery';
    writeFileSync(join(secrets, ADMIN_HASH_FILE), `venue-admin:${hashSync(password, 8)}\n`, { mode: 0o600 });
    const broker = await startTestBroker({ nodered: 'nr' });
    const http = await startHttp();
    const red = await startEmbeddedNodeRed({
      app: http.app,
      server: http.server,
      userDir,
      secretsDir: secrets,
      editor: true,
      broker: { url: broker.url, password: 'nr' },
      credentialSecret: 's',
      // Node-RED holds a timer until the last login expires: keep it short so the test process ends.
      editorSessionSeconds: 1,
    });
    try {
      expect(red.editorPath).toBe('/red');
      expect((await fetch(`${http.base}/red/`)).status).toBe(200);
      expect((await fetch(`${http.base}/red/flows`)).status).toBe(401);
      const token = (pw: string) =>
        fetch(`${http.base}/red/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'venue-admin', password: pw }),
        });
      expect((await token('wrong')).status).toBe(403);
      const ok = await token(password);
      expect(ok.status).toBe(200);
      const { access_token } = (await ok.json()) as { access_token: string };
      expect((await fetch(`${http.base}/red/flows`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200);
    } finally {
      await red.stop();
      await http.close();
      await broker.close();
      rmSync(secrets, { recursive: true, force: true });
      rmSync(userDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('keeps the editor closed when asked for without a hash, and rejects a malformed hash file', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'evalroom-secrets-'));
    expect(await readAdminUser(secrets)).toBeUndefined();
    expect(await readAdminUser(undefined)).toBeUndefined();
    const s = buildSettings({ userDir: '/x', nodesDir: '/n', flowFile: '/x/f.json', credentialSecret: 'c', broker: { url: 'mqtt://h', username: 'nodered', password: 'p' } });
    expect(s).toMatchObject({ httpAdminRoot: false, httpNodeRoot: false, disableEditor: true, functionExternalModules: false });
    writeFileSync(join(secrets, ADMIN_HASH_FILE), 'admin:plaintext-password\n');
    await expect(readAdminUser(secrets)).rejects.toThrow(/bcrypt/);
    rmSync(secrets, { recursive: true, force: true });
  });
});
