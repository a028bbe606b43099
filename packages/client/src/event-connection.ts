// One connection to `GET /v1/events`. It is open once tetherd has registered the subscription and
// announced where the stream starts (its first `id:` line), and it reads the socket only while the
// consumer asks for events, so a slow consumer holds no more than one chunk in memory.
import type http from 'node:http';
import type { EventName } from '@tether/daemon/protocol';
import { apiErrorFrom } from './errors.js';
import type { EventCursor } from './events.js';
import type { HttpPool } from './http-pool.js';
import { readText } from './json-call.js';
import { SseParser, type ServerEvent } from './sse-parser.js';

export interface EventQuery {
  readonly kinds?: readonly EventName[] | undefined;
  readonly since?: EventCursor | undefined;
}

export interface EventConnection {
  /** The id of the last event handed out, else the position tetherd announced on connect. */
  readonly lastEventId: string | undefined;
  /** Events as they are read; ends when the connection ends, throws UnreachableError when it breaks. */
  events(): AsyncGenerator<ServerEvent, void, undefined>;
  /** Destroys the connection (the socket does not go back to the pool). */
  close(): void;
}

export async function openEventConnection(pool: HttpPool, query: EventQuery, signal: AbortSignal, timeoutMs: number): Promise<EventConnection> {
  const search = new URLSearchParams();
  if (query.kinds !== undefined) search.set('kinds', query.kinds.join(','));
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (query.since === 'all') search.set('since', 'all');
  else if (query.since !== undefined) headers['last-event-id'] = String(query.since);
  const text = search.toString();
  const spec = { method: 'GET', path: `/v1/events${text === '' ? '' : `?${text}`}`, headers, signal, timeoutMs, retryStale: true, stream: true } as const;
  const response = await pool.open(spec);
  if (response.statusCode !== 200) throw apiErrorFrom(response.statusCode ?? 0, await readText(pool, response, spec));
  const connection = new Connection(pool, response, signal);
  try {
    await connection.start();
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}

class Connection implements EventConnection {
  readonly #pool: HttpPool;
  readonly #response: http.IncomingMessage;
  readonly #chunks: AsyncIterator<string>;
  readonly #signal: AbortSignal;
  readonly #parser = new SseParser();
  /** Parsed, not yet handed out: at most one chunk's worth. */
  readonly #queue: ServerEvent[] = [];
  #lastEventId: string | undefined;
  #closed = false;
  readonly #onAbort = (): void => this.close();

  constructor(pool: HttpPool, response: http.IncomingMessage, signal: AbortSignal) {
    this.#pool = pool;
    this.#response = response;
    this.#signal = signal;
    response.setEncoding('utf8');
    this.#chunks = (response as AsyncIterable<string>)[Symbol.asyncIterator]();
    signal.addEventListener('abort', this.#onAbort, { once: true });
    if (signal.aborted) this.close();
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Reads until tetherd has said where the stream starts. */
  async start(): Promise<void> {
    while (this.#parser.lastEventId === undefined) {
      if (!(await this.#read())) throw this.#pool.failure(Object.assign(new Error('the event stream ended before it started'), { code: 'ECONNRESET' }), { connected: true, ambiguous: false });
    }
  }

  async *events(): AsyncGenerator<ServerEvent, void, undefined> {
    while (!this.#closed) {
      const next = this.#queue.shift();
      if (next === undefined) {
        if (!(await this.#read())) return;
        continue;
      }
      // The id an event carries becomes the resume point the moment it is handed out; after the
      // last one of a chunk, the parser's id also covers id-only blocks that followed it.
      this.#lastEventId = this.#queue.length === 0 ? (this.#parser.lastEventId ?? next.id) : (next.id ?? this.#lastEventId);
      yield next;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#response.destroy();
  }

  /** One more chunk into the queue; false once the stream has ended or was closed. */
  async #read(): Promise<boolean> {
    let chunk: IteratorResult<string>;
    try {
      chunk = await this.#chunks.next();
    } catch (error) {
      if (this.#closed) return false;
      throw this.#pool.failure(error as NodeJS.ErrnoException, { connected: true, ambiguous: false });
    }
    if (chunk.done === true || this.#closed) return false;
    this.#queue.push(...this.#parser.push(chunk.value));
    if (this.#queue.length === 0) this.#lastEventId = this.#parser.lastEventId ?? this.#lastEventId;
    return true;
  }
}
