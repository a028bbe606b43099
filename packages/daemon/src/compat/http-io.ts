// Answers shaped like gin's: JSON with Go's HTML escaping and `application/json; charset=utf-8`,
// bodiless 204s, the plain-text 404 for unknown routes, and a body reader with a size cap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, type Reservation } from '../http/body.js';

export interface Answer {
  readonly status: number;
  /** undefined = no body (204). A string is sent as it is (a backend's JSON passed through). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const noContent: Answer = { status: 204 };

export function errorAnswer(status: number, error: string): Answer {
  return { status, body: { error } };
}

/** Go's json.Marshal escapes <, > and & (and U+2028/2029) inside strings. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function writeAnswer(response: ServerResponse, answer: Answer): void {
  if (response.headersSent || response.destroyed) return;
  if (answer.body === undefined) {
    response.writeHead(answer.status, { ...answer.headers });
    response.end();
    return;
  }
  const text = typeof answer.body === 'string' ? answer.body : goJson(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...answer.headers });
  response.end(text);
}

export function writeText(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function writeNotFound(response: ServerResponse): void {
  writeText(response, 404, '404 page not found');
}

export class BodyTooLarge extends Error {}

/** The whole body as text, read as gin reads it (invalid UTF-8 becomes U+FFFD, as Go's decoder does); BodyTooLarge past `limitBytes`, `busy` when the shared budget has no room. */
export async function readText(request: IncomingMessage, limitBytes: number, reservation: Reservation): Promise<string> {
  return (await readBody(request, limitBytes, () => new BodyTooLarge(), reservation)).toString('utf8');
}
