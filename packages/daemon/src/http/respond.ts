// JSON answers of the control API and the error shape of DECISIONS.md §8:
// `{ "error": { "code", "message", "field"? } }`, with the status from the one table.
import type { ServerResponse } from 'node:http';
import type { AppError } from '../app/errors.js';
import { httpStatus } from './status-codes.js';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendError(response: ServerResponse, error: AppError, headers: Readonly<Record<string, string>> = {}): void {
  const retry = error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  sendJson(response, httpStatus(error.code), { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } }, { ...retry, ...headers });
}
