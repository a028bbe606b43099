// One JSON call to the control API: the request and its whole answer through the pool, then either
// the typed body or the API's error as an ApiError. Also reads the error body of a refused stream.
import type http from 'node:http';
import { apiErrorFrom, ProtocolError } from './errors.js';
import type { HttpPool, RequestSpec } from './http-pool.js';

export function callJson<T>(pool: HttpPool, spec: RequestSpec): Promise<T> {
  return pool.fetch(spec).then(({ status, text }) => {
    if (status < 200 || status >= 300) throw apiErrorFrom(status, text);
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new ProtocolError(`tetherd on ${pool.where} answered HTTP ${status} with a body that is not JSON`, status, { cause: error });
    }
  });
}

/** Reads a whole answer; aborting destroys it, and a connection lost meanwhile is UnreachableError. */
export function readText(pool: HttpPool, response: http.IncomingMessage, spec: Pick<RequestSpec, 'signal' | 'method'>): Promise<string> {
  const { signal } = spec;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => void response.destroy(pool.stopped(signal));
    const finish = (settle: () => void): void => {
      signal?.removeEventListener('abort', onAbort);
      response.off('data', onData).off('end', onEnd).off('error', onError);
      settle();
    };
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    const onEnd = (): void => finish(() => resolve(Buffer.concat(chunks).toString('utf8')));
    const onError = (error: NodeJS.ErrnoException): void =>
      finish(() => reject(pool.stopped(signal) ?? pool.failure(error, { connected: true, ambiguous: spec.method !== 'GET' })));
    const stopped = pool.stopped(signal);
    if (stopped !== undefined) {
      response.destroy();
      return reject(stopped);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    response.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
