import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../app/logger';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Body parsed as JSON; throws HttpError 400 when it is not. */
  json(): unknown;
}

/** A Buffer body is sent as is with `headers` (static files); anything else as JSON. */
export type Handler = (req: Request) => Promise<{ status?: number; body: unknown; headers?: Record<string, string> }>;
interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  auth: boolean;
  handler: Handler;
}

const MAX_BODY = 8 * 1024 * 1024;

/** A tiny JSON HTTP router on node:http; every route but the public ones needs the bearer token. */
export class HttpApi {
  private readonly routes: Route[] = [];
  private server: Server | undefined;

  constructor(
    private readonly token: string,
    private readonly logger: Logger,
  ) {}

  route(method: string, path: string, handler: Handler, options: { public?: boolean } = {}): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/:([a-zA-Z]+)/g, (_m, k: string) => {
          keys.push(k);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method, pattern, keys, auth: !options.public, handler });
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m) return false;
    const a = Buffer.from(m[1]!);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      let matched: { route: Route; params: Record<string, string> } | undefined;
      let pathMatched = false;
      for (const route of this.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== method) continue;
        matched = { route, params: Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
        break;
      }
      if (!matched) throw pathMatched ? new HttpError(405, 'method_not_allowed', `${method} not allowed`) : new HttpError(404, 'not_found', 'no such route');
      if (matched.route.auth && !this.authorized(req)) throw new HttpError(401, 'unauthorized', 'bearer token required');
      const body = await readBody(req);
      const request: Request = {
        method,
        path: url.pathname,
        params: matched.params,
        headers: req.headers,
        body,
        json() {
          try {
            return JSON.parse(body.toString('utf8'));
          } catch (err) {
            throw new HttpError(400, 'bad_request', `body is not JSON: ${(err as Error).message}`);
          }
        },
      };
      const out = await matched.route.handler(request);
      if (Buffer.isBuffer(out.body)) {
        res.writeHead(out.status ?? 200, out.headers ?? {});
        res.end(out.body);
      } else send(out.status ?? 200, out.body);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status >= 400 && err.status !== 404) this.logger.warn('http request refused', { method: req.method, url: req.url, status: err.status, reason: err.message });
        send(err.status, { error: { code: err.code, message: err.message } });
      } else {
        this.logger.error('http handler failed', { method: req.method, url: req.url, err: (err as Error).message });
        send(500, { error: { code: 'internal', message: 'internal error' } });
      }
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'too_large', `body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
