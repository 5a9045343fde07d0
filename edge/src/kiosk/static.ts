import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The page may talk only to its own origin: no CDN, no inline script, no framing. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Where the page's files live: edge/kiosk-ui next to src/ (tests) and dist/ (built). */
export const DEFAULT_UI_DIR = join(__dirname, '..', '..', 'kiosk-ui');

/**
 * The kiosk page's static files. Only files present in the directory at start with a known type
 * are served (a fixed list: no path from the request ever reaches the filesystem).
 */
export class StaticFiles {
  private readonly files: Map<string, string>;

  constructor(private readonly dir: string | undefined) {
    const entries = dir === undefined ? [] : readdirSync(dir, { withFileTypes: true });
    this.files = new Map(entries.filter((d) => d.isFile() && TYPES[extname(d.name)] !== undefined).map((d) => [d.name, TYPES[extname(d.name)]!]));
  }

  /** Like the constructor, but a missing directory gives an empty set (the room runs without the page). */
  static tryOpen(dir: string): { files: StaticFiles; error?: string } {
    try {
      return { files: new StaticFiles(dir) };
    } catch (err) {
      return { files: new StaticFiles(undefined), error: (err as Error).message };
    }
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  async get(name: string): Promise<{ body: Buffer; headers: Record<string, string> } | undefined> {
    const type = this.files.get(name);
    if (!type || this.dir === undefined) return undefined;
    return { body: await readFile(join(this.dir, name)), headers: { 'content-type': type, ...SECURITY_HEADERS } };
  }
}
