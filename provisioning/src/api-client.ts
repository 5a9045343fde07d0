import type { z } from 'zod';

/** A failed call to the cloud API, with the HTTP status and the server's message. */
export class CloudApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: HTTP ${status}: ${message}`);
    this.name = 'CloudApiError';
  }
}

/** Minimal authenticated client of the cloud HTTP API; responses are validated when a schema is given. */
export class CloudApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<S extends z.ZodType>(method: string, path: string, body?: unknown, schema?: S): Promise<z.infer<S>> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: reported below if the status says it failed */
    }
    if (!res.ok) {
      const message = (json as { message?: unknown } | undefined)?.message;
      throw new CloudApiError(res.status, path, typeof message === 'string' ? message : text.slice(0, 300));
    }
    if (!schema) return json as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CloudApiError(res.status, path, `unexpected response: ${parsed.error.message}`);
    return parsed.data;
  }
}
