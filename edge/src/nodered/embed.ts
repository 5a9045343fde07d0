import { copyFile, mkdir, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { buildSettings, readAdminUser } from './settings';

/** The part of an express 4 app the embed needs. */
export interface ExpressLike {
  use(path: string, handler: unknown): unknown;
}

export interface EmbeddedNodeRedOptions {
  app: ExpressLike;
  server: Server;
  /** Node-RED's own directory (flows.json, credentials, context) under the appliance's data dir. */
  userDir: string;
  secretsDir?: string;
  /** Open the editor when an admin user exists in the secrets dir. */
  editor: boolean;
  /** Flows loaded at first start; defaults to the shipped flows/default-flows.json. */
  defaultFlows?: string;
  /** Directory of the custom nodes; defaults to the shipped flows/nodes. */
  nodesDir?: string;
  broker: { url: string; password: string; username?: string };
  /** Encrypts flow credentials at rest. */
  credentialSecret: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
  /** Editor login lifetime (default 8 h). Node-RED keeps a timer until the last session expires. */
  editorSessionSeconds?: number;
}

export interface EmbeddedNodeRed {
  /** Path of the editor when open, e.g. '/red'. */
  editorPath?: string;
  flowFile: string;
  stop(): Promise<void>;
}

type RedRuntime = {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: unknown;
};

/** Where the flows workspace lives (a sibling workspace, found through its package.json). */
export function shippedFlowsDir(): string {
  return dirname(require.resolve('@evalroom/flows/package.json'));
}

const exists = (p: string) => stat(p).then(() => true, () => false);

// Node-RED's runtime is a process-wide singleton; this guard makes a second embed an error.
let active = false;

/**
 * Node-RED 4 inside the appliance's express 4 app. The editor is mounted only when asked for
 * and an admin user (bcrypt hash) is present in the secrets dir; otherwise neither the editor
 * nor the admin API exists. The shipped flows are copied into userDir at first start; later
 * starts keep what the venue deployed.
 */
export async function startEmbeddedNodeRed(o: EmbeddedNodeRedOptions): Promise<EmbeddedNodeRed> {
  if (active) throw new Error('Node-RED is already running in this process');
  active = true;
  try {
    const flowsDir = o.defaultFlows && o.nodesDir ? undefined : shippedFlowsDir();
    const nodesDir = o.nodesDir ?? join(flowsDir!, 'nodes');
    const defaultFlows = o.defaultFlows ?? join(flowsDir!, 'default-flows.json');
    await mkdir(o.userDir, { recursive: true });
    const flowFile = join(o.userDir, 'flows.json');
    if (!(await exists(flowFile))) await copyFile(defaultFlows, flowFile);
    const admin = o.editor ? await readAdminUser(o.secretsDir) : undefined;
    const settings = buildSettings({
      userDir: o.userDir,
      nodesDir,
      flowFile,
      credentialSecret: o.credentialSecret,
      broker: { url: o.broker.url, username: o.broker.username ?? 'nodered', password: o.broker.password },
      admin,
      editorSessionSeconds: o.editorSessionSeconds,
      log: { level: o.logLevel ?? 'warn' },
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RED = require('node-red') as RedRuntime;
    RED.init(o.server, settings);
    if (admin) o.app.use(settings.httpAdminRoot as string, RED.httpAdmin as never);
    await RED.start();
    let stopped = false;
    return {
      editorPath: admin ? (settings.httpAdminRoot as string) : undefined,
      flowFile,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await RED.stop();
        active = false;
      },
    };
  } catch (err) {
    active = false;
    throw err;
  }
}
