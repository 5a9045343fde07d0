// Every data call carries the caller's bearer token, which lives in sessionStorage only
// (gone when the tab closes; never in localStorage, cookies or the URL).

const KEY = 'evalroom.console.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.status = status;
    this.path = path;
  }
}

/** GET/POST the cloud's /v1 API with the stored token; throws ApiError with the server's reason. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const t = token.get();
  if (!t) throw new ApiError(401, 'no token', path);
  let res;
  try {
    res = await fetch(path, {
      method,
      signal,
      cache: 'no-store',
      headers: { authorization: `Bearer ${t}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, '无法连接控制平台 / cannot reach the control plane', path);
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, (data && (data.message || data.reason)) || res.statusText, path);
  return data;
}

/** A user-facing sentence for an API failure. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return `出错了 / Something went wrong: ${err.message}`;
  switch (err.status) {
    case 401:
      return '令牌无效或已撤销，请重新登录 / Invalid or revoked token — please sign in again';
    case 403:
      return '您的角色无权查看此内容 / Your role may not view this';
    case 404:
      return '未找到，或您无权查看 / Not found, or not visible to you';
    case 0:
      return err.message;
    default:
      return `请求失败 (${err.status}) / Request failed: ${err.message}`;
  }
}
