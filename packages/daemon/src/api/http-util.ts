// Small HTTP helpers for the control API: JSON answers, the error shape of DECISIONS.md §8, and
// a body reader with a size limit (413 before the whole body is buffered).
import type { IncomingMessage, ServerResponse } from 'node:http';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
}

/** Reads the body as JSON; 413 past `limitBytes`, 400 when it is not JSON. */
export async function readJson(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      request.resume();
      throw tooLarge(limitBytes);
    }
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'invalid-json', 'the request body is not valid JSON');
  }
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError(413, 'too-large', `the request is larger than ${Math.floor(limitBytes / 1024 / 1024)} MiB (raise TETHER_MAX_ATTACHMENT_MB)`);
}
