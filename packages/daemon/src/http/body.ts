// Request bodies with a size limit: refused as soon as they pass it (by Content-Length, or while
// reading), never buffered whole first.
import type { IncomingMessage } from 'node:http';
import { AppError } from '../app/errors.js';

/** The whole body; `too-large` past `limitBytes`. */
export async function readBody(request: IncomingMessage, limitBytes: number, tooLarge: () => AppError): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON (`{}` when empty); `invalid-body` when it is not UTF-8, `invalid-json` when it is not JSON. */
export async function readJson(request: IncomingMessage, limitBytes: number, tooLarge: () => AppError): Promise<unknown> {
  const body = await readBody(request, limitBytes, tooLarge);
  if (body.length === 0) return {};
  let text: string;
  try {
    // Invalid bytes are refused, never replaced: a message must arrive as it was written.
    text = UTF8.decode(body);
  } catch {
    throw new AppError('invalid-body', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid-json', 'the request body is not valid JSON');
  }
}
