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

/** The body as JSON (`{}` when empty); `invalid-json` when it is not. */
export async function readJson(request: IncomingMessage, limitBytes: number, tooLarge: () => AppError): Promise<unknown> {
  const body = await readBody(request, limitBytes, tooLarge);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new AppError('invalid-json', 'the request body is not valid JSON');
  }
}
