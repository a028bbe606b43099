// The control-API client: typed requests to tetherd over its Unix socket or loopback TCP, and its
// event stream. Transport failures become exit 3 with a hint, API errors keep the daemon's code.
import http from 'node:http';
import net from 'node:net';
import type { EventName, Message, MessageState, SendRequest, Status } from '@tether/daemon/protocol';
import { EXIT, ExitError, type ExitCode } from '../exit-error.js';
import { describeConnection, unreachableHint, type Connection } from './connection.js';
import { SseParser, type ServerEvent } from './sse-parser.js';

/** Connect errors that mean "no daemon there", as opposed to one that broke mid-request. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EADDRNOTAVAIL', 'EHOSTUNREACH']);
const REQUEST_TIMEOUT_MS = 30_000;

export interface EventStream extends AsyncIterable<ServerEvent> {
  /** The last event id the stream announced, to resume from after it breaks. */
  readonly lastEventId: string | undefined;
  close(): void;
}

export interface EventQuery {
  readonly kinds?: readonly EventName[];
  /** Replay after this event id (sent as Last-Event-ID), or `all`; absent = live events only. */
  readonly since?: string;
  readonly signal?: AbortSignal;
}

export class ControlClient {
  constructor(readonly connection: Connection) {}

  status(): Promise<Status> {
    return this.#json<Status>('GET', '/v1/status');
  }

  send(request: SendRequest, idempotencyKey?: string): Promise<Message> {
    return this.#json<Message>('POST', '/v1/messages', request, idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey });
  }

  message(id: string): Promise<Message> {
    return this.#json<Message>('GET', `/v1/messages/${encodeURIComponent(id)}`);
  }

  messages(query: { readonly state?: MessageState; readonly limit?: number } = {}): Promise<Message[]> {
    const search = new URLSearchParams();
    if (query.state !== undefined) search.set('state', query.state);
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    const text = search.toString();
    return this.#json<Message[]>('GET', `/v1/messages${text === '' ? '' : `?${text}`}`);
  }

  retry(id: string): Promise<Message> {
    return this.#json<Message>('POST', `/v1/messages/${encodeURIComponent(id)}/retry`);
  }

  cancel(id: string): Promise<Message> {
    return this.#json<Message>('POST', `/v1/messages/${encodeURIComponent(id)}/cancel`);
  }

  challenge(token: string, captcha: string): Promise<Status['gate']> {
    return this.#json<Status['gate']>('POST', '/v1/challenge', { token, captcha });
  }

  /** Opens `GET /v1/events`; resolves once the daemon has registered the subscription. */
  async events(query: EventQuery = {}): Promise<EventStream> {
    const search = new URLSearchParams();
    if (query.kinds !== undefined) search.set('kinds', query.kinds.join(','));
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (query.since === 'all') search.set('since', 'all');
    else if (query.since !== undefined) headers['last-event-id'] = query.since;
    const text = search.toString();
    const response = await this.#request('GET', `/v1/events${text === '' ? '' : `?${text}`}`, undefined, headers, query.signal, false);
    if (response.statusCode !== 200) throw apiError(response.statusCode ?? 0, await readBody(response));
    response.setEncoding('utf8');
    let closed = false;
    const parser = new SseParser();
    return {
      get lastEventId() {
        return parser.lastEventId;
      },
      close: () => {
        closed = true;
        response.destroy();
      },
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of response as AsyncIterable<string>) yield* parser.push(chunk);
        } catch (error) {
          // A stream we closed or aborted simply ends; anything else is the daemon going away.
          if (!closed && !query.signal?.aborted) throw error;
        }
      },
    };
  }

  async #json<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.#request(method, path, body, headers, undefined, true);
    const text = await readBody(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(status, text);
    return JSON.parse(text) as T;
  }

  #request(method: string, path: string, body: unknown, headers: Record<string, string>, signal: AbortSignal | undefined, timeout: boolean): Promise<http.IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const connection = this.connection;
    const target: http.RequestOptions =
      connection.kind === 'socket'
        ? // Our own connection instead of an Agent: an Agent checks whether the host is an IP address,
          // and compiling that IPv6 regex costs ~5 ms of a short-lived command (status-vs-node).
          { path, host: 'tetherd', createConnection: () => net.connect({ path: connection.socketPath }) }
        : { host: connection.url.hostname, port: connection.url.port || 80, path: `${connection.url.pathname.replace(/\/$/, '')}${path}`, agent: false };
    const allHeaders: http.OutgoingHttpHeaders = { ...headers, connection: 'close' };
    if (connection.kind === 'tcp') allHeaders['authorization'] = `Bearer ${connection.token}`;
    if (payload !== undefined) Object.assign(allHeaders, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    return new Promise((resolve, reject) => {
      const request = http.request({ ...target, method, headers: allHeaders, ...(signal ? { signal } : {}) });
      let connected = false;
      request.on('socket', (socket) => socket.once('connect', () => (connected = true)));
      if (timeout) request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('tetherd did not answer in time'), { code: 'ETIMEDOUT' })));
      request.on('response', resolve);
      request.on('error', (error: NodeJS.ErrnoException) => reject(this.#transportError(error, connected, method)));
      request.end(payload);
    });
  }

  #transportError(error: NodeJS.ErrnoException, connected: boolean, method: string): Error {
    if (error.name === 'AbortError') return error;
    const where = describeConnection(this.connection);
    if (!connected && error.code !== undefined && UNREACHABLE.has(error.code)) return new ExitError(EXIT.unreachable, unreachableHint(this.connection), 'unreachable', { cause: error });
    if (!connected && error.code === 'EACCES') {
      return new ExitError(EXIT.unreachable, `permission denied on ${where}: run tether as the user that runs tetherd (the socket is 0600)`, 'unreachable', { cause: error });
    }
    const maybe = method === 'POST' ? ' It may or may not have acted on the request: check with `tether outbox`.' : '';
    return new ExitError(EXIT.failed, `the connection to tetherd on ${where} broke: ${error.message}.${maybe}`, 'connection-lost', { cause: error });
  }
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** The daemon's `{ error: { code, message, field? } }` as an ExitError: input errors exit 2. */
function apiError(status: number, text: string): ExitError {
  let error: { code?: unknown; message?: unknown; field?: unknown } = {};
  try {
    error = ((JSON.parse(text) as { error?: typeof error }).error ?? {});
  } catch {
    // not the API's shape (a proxy?): fall back to the status line below
  }
  const code = typeof error.code === 'string' ? error.code : `http-${status}`;
  let message = typeof error.message === 'string' ? error.message : `tetherd answered HTTP ${status}`;
  if (status === 401) message = `tetherd refused TETHER_TOKEN: ${message}`;
  const exit: ExitCode = status === 400 || status === 401 || status === 413 ? EXIT.usage : EXIT.failed;
  return new ExitError(exit, message, code, { field: typeof error.field === 'string' ? error.field : undefined });
}
