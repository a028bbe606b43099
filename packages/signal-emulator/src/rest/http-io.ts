// Reading requests and writing answers the way gin does: JSON with Go's HTML escaping and
// `application/json; charset=utf-8`, empty 204s, plain-text 404s.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Go's json.Marshal escapes <, > and & (and the JavaScript line separators) inside strings. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => {
    return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function writeJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!writable(response)) return;
  const text = goJson(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function writeText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (!writable(response)) return;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function writeEmpty(response: ServerResponse, status: number): void {
  if (!writable(response)) return;
  response.writeHead(status);
  response.end();
}

export function writeNotFound(response: ServerResponse): void {
  writeText(response, 404, '404 page not found');
}

/** A request dropped by a fault or a stop must not be answered later. */
function writable(response: ServerResponse): boolean {
  return !response.destroyed && !response.writableEnded && !response.headersSent;
}

/**
 * The request's URL. A target that is no URL path (`//`, which `new URL` reads as a host that is
 * missing) becomes one no route matches, answered 404 like any unknown path, never a crash.
 */
export function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1');
  } catch {
    return new URL('http://127.0.0.1/\u0000not-a-path');
  }
}
