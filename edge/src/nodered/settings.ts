import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** Hash file in the secrets dir that opens the editor: `username:bcrypt-hash` on one line. */
export const ADMIN_HASH_FILE = 'nodered-admin.bcrypt';

const AdminLine = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,32}:\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, 'expected "username:<bcrypt hash>"');

export interface AdminUser {
  username: string;
  hash: string;
}

/** Reads the editor's admin user; undefined when the file is absent (editor stays closed). */
export async function readAdminUser(secretsDir: string | undefined): Promise<AdminUser | undefined> {
  if (!secretsDir) return undefined;
  let text: string;
  try {
    text = await readFile(join(secretsDir, ADMIN_HASH_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const line = AdminLine.safeParse(text);
  if (!line.success) throw new Error(`${ADMIN_HASH_FILE}: ${line.error.issues[0]?.message ?? 'malformed'}`);
  const at = line.data.indexOf(':');
  return { username: line.data.slice(0, at), hash: line.data.slice(at + 1) };
}

export interface NodeRedSettingsInput {
  userDir: string;
  nodesDir: string;
  flowFile: string;
  credentialSecret: string;
  broker: { url: string; username: string; password: string };
  admin?: AdminUser;
  /** Editor login lifetime; a shift, not Node-RED's default week. */
  editorSessionSeconds?: number;
  log?: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' };
}

/**
 * Node-RED settings for an appliance: editor and admin API only with an admin user, no HTTP-in
 * endpoints, no palette installs or external modules in function nodes, projects off.
 */
export function buildSettings(o: NodeRedSettingsInput): Record<string, unknown> {
  const editor = o.admin !== undefined;
  return {
    userDir: o.userDir,
    nodesDir: [o.nodesDir],
    flowFile: o.flowFile,
    flowFilePretty: true,
    credentialSecret: o.credentialSecret,
    httpAdminRoot: editor ? '/red' : false,
    httpNodeRoot: false,
    disableEditor: !editor,
    adminAuth: editor
      ? {
          type: 'credentials',
          sessionExpiryTime: o.editorSessionSeconds ?? 8 * 3600,
          users: [{ username: o.admin!.username, password: o.admin!.hash, permissions: '*' }],
        }
      : undefined,
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false, palette: { editable: false } },
    logging: { console: { level: o.log?.level ?? 'warn', metrics: false, audit: false } },
    evalroomBroker: o.broker,
  };
}
