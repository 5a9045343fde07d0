import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

/** The console's static files (`cloud/console-ui/`), from both `src/console` and `dist/console`. */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '..', '..', 'console-ui');

/**
 * The console's static files, read once into memory: a request can only ever name one of these
 * (no path is joined from the URL, so no traversal), and serving costs no disk access.
 */
export class ConsoleAssets {
  private constructor(private readonly files: ReadonlyMap<string, Asset>) {}

  static load(dir: string = DEFAULT_CONSOLE_DIR): ConsoleAssets {
    const files = new Map<string, Asset>();
    const walk = (sub: string) => {
      for (const name of readdirSync(join(dir, sub))) {
        if (name.startsWith('.')) continue;
        const rel = sub ? `${sub}/${name}` : name;
        const full = join(dir, rel);
        if (statSync(full).isDirectory()) walk(rel);
        else if (TYPES[extname(name)]) files.set(rel, { body: readFileSync(full), type: TYPES[extname(name)]! });
      }
    };
    walk('');
    return new ConsoleAssets(files);
  }

  /** The asset for a path below `/console/` ('' → index.html). */
  get(relPath: string): Asset | undefined {
    return this.files.get(relPath === '' ? 'index.html' : relPath);
  }

  get names(): string[] {
    return [...this.files.keys()].sort();
  }
}
