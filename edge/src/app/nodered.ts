import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { EdgeConfig } from '@evalroom/contracts';
import type { EdgePaths } from '../config/load';
import { startEmbeddedNodeRed, type ExpressLike } from '../nodered';
import { atomicWriteFileSync } from '../store/atomic';
import type { Logger } from './logger';

export interface RoomNodeRed {
  /** Where the editor listens (loopback, ephemeral port) when it is open; undefined otherwise. */
  readonly editorUrl: string | undefined;
  stop(): Promise<void>;
}

const SECRET_FILE = 'nodered-credential-secret';

/** Encrypts flow credentials at rest; made once per appliance, kept in the secrets dir. */
function credentialSecret(secretsDir: string): string {
  const file = join(secretsDir, SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  atomicWriteFileSync(file, secret + '\n', 0o600);
  return secret;
}

/**
 * Node-RED on the appliance (config `nodeRed.enabled`), on the room broker as its own `nodered`
 * identity. Its runtime needs an HTTP server of its own: with the editor closed that server never
 * listens; with `nodeRed.editor` (and an admin user in the secrets dir) it listens on loopback at
 * an ephemeral port, for a technician's SSH tunnel.
 */
export async function startRoomNodeRed(o: { config: EdgeConfig; paths: EdgePaths; brokerUrl: string; password: string; logger: Logger }): Promise<RoomNodeRed> {
  const log = o.logger.child({ part: 'nodered' });
  const wantEditor = o.config.nodeRed.editor;
  let server: Server;
  let app: ExpressLike & ((req: unknown, res: unknown) => void);
  if (wantEditor) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = require('express') as () => typeof app;
    app = express();
    server = createServer(app);
  } else {
    app = Object.assign(() => undefined, { use: () => undefined });
    server = createServer();
  }
  const red = await startEmbeddedNodeRed({
    app,
    server,
    userDir: join(o.paths.dataDir, 'nodered'),
    secretsDir: o.paths.secretsDir,
    editor: wantEditor,
    ...(o.config.nodeRed.flowsFile ? { defaultFlows: o.config.nodeRed.flowsFile } : {}),
    broker: { url: o.brokerUrl, username: 'nodered', password: o.password },
    credentialSecret: credentialSecret(o.paths.secretsDir),
  });
  let editorUrl: string | undefined;
  if (red.editorPath) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    editorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${red.editorPath}`;
    log.info('Node-RED editor open on loopback', { url: editorUrl });
  } else if (wantEditor) {
    log.warn('Node-RED editor asked for but no admin user in the secrets dir: it stays closed');
  }
  log.info('Node-RED running', { flowFile: red.flowFile });
  return {
    editorUrl,
    async stop() {
      await red.stop();
      if (server.listening) {
        server.closeAllConnections?.();
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
  };
}
