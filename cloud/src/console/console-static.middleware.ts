import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleAssets } from './console-assets';

/**
 * Headers for every console response. The CSP keeps the page to its own origin: no CDN, no
 * inline script, no framing; data calls go to this origin's /v1 API with the bearer token.
 */
export const CONSOLE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
  'x-frame-options': 'DENY',
};

/**
 * Serves `/console/…` from the preloaded assets before Nest's routing (and so before the auth
 * guard): the files are public; every data call the page makes carries the caller's token.
 */
export function consoleStatic(assets: ConsoleAssets) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    // express mounts may strip the prefix from req.url; originalUrl keeps the full path
    const path = new URL((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://console.invalid').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (path === '/console') {
      res.writeHead(301, { location: '/console/' });
      res.end();
      return;
    }
    if (!path.startsWith('/console/')) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice('/console/'.length));
    } catch {
      rel = '\0';
    }
    const asset = assets.get(rel);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...CONSOLE_HEADERS });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'content-length': String(asset.body.length), ...CONSOLE_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}
