// The emulator's own calls for tests: POST a JSON body, and drive the admin API in one call.
// Plain requests go through @tether/test-helpers' `request`.
import { request, type HttpReply, type RequestOptions } from '@tether/test-helpers';

export function post(url: string, json: unknown, options: RequestOptions = {}): Promise<HttpReply> {
  return request(url, { ...options, method: 'POST', json });
}

const readPaths = ['/state', '/stats', '/sent', '/dropped', '/challenges'];

/** Drives the admin API (GET for the read paths, POST otherwise) and fails on anything but 200. */
export async function admin(baseUrl: string, path: string, json?: unknown): Promise<unknown> {
  const read = json === undefined && readPaths.includes(path.split('?')[0] ?? path);
  const answer = await request(`${baseUrl}/_emulator${path}`, read ? {} : { method: 'POST', json: json ?? {} });
  if (answer.status !== 200) throw new Error(`admin ${path} answered ${answer.status}: ${answer.text}`);
  return answer.json;
}
