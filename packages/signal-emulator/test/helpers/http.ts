// Small fetch wrappers for the REST backend and the admin API.

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<HttpAnswer> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: parsed };
}

export function post(url: string, json: unknown, init: RequestInit = {}): Promise<HttpAnswer> {
  return request(url, { ...init, method: 'POST', json });
}

const readPaths = ['/state', '/stats', '/sent', '/dropped', '/challenges'];

/** Drives the admin API (GET for the read paths, POST otherwise) and fails on anything but 200. */
export async function admin(baseUrl: string, path: string, json?: unknown): Promise<unknown> {
  const read = json === undefined && readPaths.includes(path.split('?')[0] ?? path);
  const answer = await request(`${baseUrl}/_emulator${path}`, read ? {} : { method: 'POST', json: json ?? {} });
  if (answer.status !== 200) throw new Error(`admin ${path} answered ${answer.status}: ${answer.text}`);
  return answer.json;
}
