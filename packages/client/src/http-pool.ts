// The one HTTP path to tetherd: a keep-alive pool (one node:http Agent per client) over the Unix
// socket or loopback TCP. Each request honours an AbortSignal and a deadline, and every failure
// becomes one of the client's errors, telling "nobody there" from "broke off after writing".
import http from 'node:http';
import { AbortedError } from '@tether/core';
import { abortedError } from './abort.js';
import { ClosedError, UnreachableError } from './errors.js';
import { describeTarget, type Target } from './options.js';

/** Connect errors that mean nothing listens there. */
const NOBODY_THERE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH']);
/** How a pooled connection the daemon has already closed shows up on reuse. */
const STALE = new Set(['ECONNRESET', 'EPIPE']);
/** A pool can hold this many stale connections after a daemon restart; each costs one retry. */
const MAX_STALE_RETRIES = 8;

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/messages?limit=5`. */
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The caller's signal, if any (listened to only while the request is open). */
  readonly signal?: AbortSignal | undefined;
  /** How long the answer may take (the head only, for a stream); 0 = no deadline. */
  readonly timeoutMs: number;
  /** Safe to send again when a pooled connection turns out to be dead before any answer. */
  readonly retryStale: boolean;
  /** An event stream: once its head has arrived, it may stay silent for as long as it likes. */
  readonly stream?: boolean;
}

/** A whole answer: its status and its body as text. */
export interface Answer {
  readonly status: number;
  readonly text: string;
}

export class HttpPool {
  readonly #agent: http.Agent;
  readonly #target: Target;
  readonly #base: http.RequestOptions;
  readonly #authorization: string | undefined;
  /** A path prefix of the TCP URL (a proxy's), without its trailing slash. */
  readonly #prefix: string;
  #closed: ClosedError | undefined;

  constructor(target: Target, keepAliveMs: number) {
    this.#target = target;
    // `servername: ''` skips the Agent's check whether the host is an IP address, which compiles a
    // large IPv6 regex on first use: a few ms of every short-lived `tether` command.
    this.#agent = new http.Agent({ keepAlive: true, timeout: keepAliveMs, servername: '' } as http.AgentOptions);
    this.#base = target.kind === 'socket' ? { socketPath: target.path } : { host: target.url.hostname, port: target.url.port || 80 };
    this.#prefix = target.kind === 'tcp' ? target.url.pathname.replace(/\/$/, '') : '';
    this.#authorization = target.kind === 'tcp' ? `Bearer ${target.token}` : undefined;
  }

  get where(): string {
    return describeTarget(this.#target);
  }

  /** Sends the request; resolves with the response once its head has arrived (event streams). */
  open(spec: RequestSpec): Promise<http.IncomingMessage> {
    return this.#retried(spec, () => this.#once(spec, undefined));
  }

  /** Sends the request and reads the whole answer: one promise per call, for the JSON calls. */
  fetch(spec: RequestSpec): Promise<Answer> {
    return this.#retried(spec, () => this.#once(spec, []));
  }

  /**
   * Closes every connection, pooled or in use: the requests and streams on them fail with
   * AbortedError (its cause a ClosedError). Nothing per request listens for this, so a call costs
   * no AbortController unless its caller brings a signal.
   */
  destroy(): void {
    this.#closed ??= new ClosedError('the client was closed');
    this.#agent.destroy();
  }

  /** The error for a request that ended because its signal aborted or the pool was destroyed. */
  stopped(signal: AbortSignal | undefined): AbortedError | undefined {
    if (signal?.aborted === true) return abortedError(signal);
    return this.#closed === undefined ? undefined : new AbortedError('the client was closed', { cause: this.#closed });
  }

  #retried<T>(spec: RequestSpec, attempt: () => Promise<T>, retries = 0): Promise<T> {
    return attempt().catch((error: unknown) => {
      if (!(error instanceof StaleConnection)) throw error;
      if (!spec.retryStale || retries >= MAX_STALE_RETRIES) throw error.unreachable;
      return this.#retried(spec, attempt, retries + 1);
    });
  }

  /** With `body` (chunks to fill) it resolves with the whole answer, else with the response head. */
  #once(spec: RequestSpec, body: undefined): Promise<http.IncomingMessage>;
  #once(spec: RequestSpec, body: Buffer[]): Promise<Answer>;
  #once(spec: RequestSpec, body: Buffer[] | undefined): Promise<http.IncomingMessage | Answer> {
    const { signal } = spec;
    const stopped = this.stopped(signal);
    if (stopped !== undefined) return Promise.reject(stopped);
    const headers: http.OutgoingHttpHeaders = spec.body === undefined ? { ...spec.headers } : { ...spec.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) };
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization;
    const options: http.RequestOptions = { ...this.#base, method: spec.method, path: `${this.#prefix}${spec.path}`, headers, agent: this.#agent };
    return new Promise<http.IncomingMessage | Answer>((resolve, reject) => {
      const request = http.request(options);
      let connected = false;
      let written = false;
      const onAbort = (): void => void request.destroy(this.stopped(signal));
      // A plain timer, not the request's `timeout` option: that would re-arm the pooled socket's
      // own timer twice per call, which costs more than the whole rest of a call.
      const deadline = spec.timeoutMs > 0 ? setTimeout(() => request.destroy(new DeadlineError(spec.timeoutMs)), spec.timeoutMs) : undefined;
      const settle = (): void => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('socket', (socket) => {
        if (request.reusedSocket || !socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      request.on('finish', () => (written = true));
      request.on('response', (response) => {
        if (body === undefined) {
          settle();
          // A stream may stay silent for as long as it likes: not even the pool's idle timer applies.
          if (spec.stream === true) request.setTimeout(0);
          return resolve(response);
        }
        // The deadline and the abort cover the whole answer; a connection lost meanwhile ends it.
        response.on('data', (chunk: Buffer) => body.push(chunk));
        response.on('end', () => {
          settle();
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(body).toString('utf8') });
        });
        response.on('error', (error: NodeJS.ErrnoException) => {
          settle();
          reject(this.stopped(signal) ?? this.failure(error, { connected: true, ambiguous: spec.method !== 'GET' }));
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        settle();
        // Once stopped, whatever the request fails with is the stop (a socket destroyed with it, say).
        const stop = this.stopped(signal);
        if (stop !== undefined) return reject(stop);
        const unreachable = this.failure(error, { connected, ambiguous: written && spec.method !== 'GET' });
        reject(request.reusedSocket && error.code !== undefined && STALE.has(error.code) ? new StaleConnection(unreachable) : unreachable);
      });
      request.end(spec.body);
    });
  }

  /** The UnreachableError for a failure: nobody there, a deadline, or a connection that broke. */
  failure(error: NodeJS.ErrnoException, state: { readonly connected: boolean; readonly ambiguous: boolean }): UnreachableError {
    const details = { target: this.where, ...state, cause: error };
    if (error instanceof DeadlineError) return new UnreachableError(`tetherd on ${this.where} did not answer within ${error.ms} ms`, details);
    if (!state.connected && error.code !== undefined && NOBODY_THERE.has(error.code)) return new UnreachableError(`tetherd is not reachable on ${this.where} (${error.code})`, details);
    const verb = state.connected ? 'broke' : 'failed';
    return new UnreachableError(`the connection to tetherd on ${this.where} ${verb}: ${error.message}`, details);
  }
}

class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** A pooled connection that was already dead: the request never reached tetherd. */
class StaleConnection extends Error {
  constructor(readonly unreachable: UnreachableError) {
    super(unreachable.message);
  }
}
