// The one HTTP path to tetherd: a keep-alive pool (one node:http Agent per client) over the Unix
// socket or loopback TCP. Each request honours an AbortSignal and a deadline, and every failure
// becomes one of the client's errors, telling "nobody there" from "broke off after writing".
import http from 'node:http';
import { AbortedError, ClosedError } from '@tether/core';
import { abortedError } from './abort.js';
import { UnreachableError } from './errors.js';
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
  /** Inactivity deadline before the answer starts; 0 = none (event streams). */
  readonly timeoutMs: number;
  /** Safe to send again when a pooled connection turns out to be dead before any answer. */
  readonly retryStale: boolean;
  /** An event stream: once its head has arrived, it may stay silent for as long as it likes. */
  readonly stream?: boolean;
}

export class HttpPool {
  readonly #agent: http.Agent;
  readonly #target: Target;
  readonly #base: http.RequestOptions;
  readonly #authorization: string | undefined;
  #closed: ClosedError | undefined;

  constructor(target: Target, keepAliveMs: number) {
    this.#target = target;
    // `servername: ''` skips the Agent's check whether the host is an IP address, which compiles a
    // large IPv6 regex on first use: a few ms of every short-lived `tether` command.
    this.#agent = new http.Agent({ keepAlive: true, timeout: keepAliveMs, servername: '' } as http.AgentOptions);
    this.#base = target.kind === 'socket' ? { socketPath: target.path, host: 'tetherd' } : { host: target.url.hostname, port: target.url.port || 80 };
    this.#authorization = target.kind === 'tcp' ? `Bearer ${target.token}` : undefined;
  }

  get where(): string {
    return describeTarget(this.#target);
  }

  /** Sends the request; resolves with the response once its head has arrived. */
  open(spec: RequestSpec, retries = 0): Promise<http.IncomingMessage> {
    return this.#once(spec).catch((error: unknown) => {
      if (!(error instanceof StaleConnection)) throw error;
      if (!spec.retryStale || retries >= MAX_STALE_RETRIES) throw error.unreachable;
      return this.open(spec, retries + 1);
    });
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

  #once(spec: RequestSpec): Promise<http.IncomingMessage> {
    const { signal } = spec;
    const stopped = this.stopped(signal);
    if (stopped !== undefined) return Promise.reject(stopped);
    const prefix = this.#target.kind === 'tcp' ? this.#target.url.pathname.replace(/\/$/, '') : '';
    const headers: http.OutgoingHttpHeaders = { ...spec.headers };
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization;
    if (spec.body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(spec.body) });
    return new Promise((resolve, reject) => {
      const request = http.request({ ...this.#base, method: spec.method, path: `${prefix}${spec.path}`, headers, agent: this.#agent, timeout: spec.timeoutMs });
      let connected = false;
      let written = false;
      const onAbort = (): void => void request.destroy(this.stopped(signal));
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('socket', (socket) => {
        if (request.reusedSocket || !socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      request.on('finish', () => (written = true));
      request.on('timeout', () => request.destroy(new DeadlineError(spec.timeoutMs)));
      request.on('response', (response) => {
        settle();
        if (spec.stream === true) request.setTimeout(0);
        resolve(response);
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
