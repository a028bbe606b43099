// One HTTP request to the REST backend, on node:http so that we know whether the request was
// written before it failed: a failure before the write means "certainly not sent", one after it
// means "unknown" (DECISIONS.md §2). fetch cannot tell the two apart. A streamed body is written
// as it drains; one that cannot be read whole destroys the request, which then was never written.
import http from 'node:http';
import https from 'node:https';
import { writePieces } from './blob-body.js';

export type HttpResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly written: boolean; readonly error: string };

/** A JSON body written piece by piece; `byteLength` is its `content-length`. */
export interface StreamedBody {
  readonly byteLength: number;
  pieces(): AsyncIterable<string>;
}

export interface HttpRequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: string | StreamedBody;
  readonly signal: AbortSignal;
  readonly agent?: http.Agent;
}

export function httpRequest(url: URL, options: HttpRequestOptions): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve) => {
    if (options.signal.aborted) return resolve({ ok: false, written: false, error: 'aborted before the request was written' });
    let written = false;
    let settled = false;
    const settle = (result: HttpResult): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: options.method,
      ...(options.agent ? { agent: options.agent } : {}),
      headers: body ? { 'content-type': 'application/json', 'content-length': body.byteLength } : {},
    });
    const onAbort = (): void => {
      settle({ ok: false, written, error: written ? 'no answer before the deadline' : 'aborted before the request was written' });
      request.destroy();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.on('finish', () => (written = true));
    request.on('error', (error: NodeJS.ErrnoException) => {
      settle({ ok: false, written, error: error.code ? `${error.code}: ${error.message}` : error.message });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => settle({ ok: false, written: true, error: `response broke off: ${error.message}` }));
      response.on('end', () => settle({ ok: true, status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    if (body === undefined || Buffer.isBuffer(body)) return void request.end(body);
    void writePieces(request, body.pieces(), options.signal).then((result) => {
      if (result.kind === 'written') return void request.end();
      // A stop was settled by the abort or the request's error; this covers a close without one.
      settle({ ok: false, written: false, error: result.kind === 'failed' ? `the request body could not be read: ${result.error}` : result.error });
      request.destroy();
    });
  });
}
