// A server-sent-events reader for tests: opens the stream (TCP or Unix socket, optionally resuming
// with Last-Event-ID), collects every event, and lets a test await the moment a predicate over
// everything received so far holds, bounded by `within` and failing early if the stream ends.
import http from 'node:http';
import { toHeaders } from './http-request.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { within } from './within.js';

export interface EventStreamOptions {
  /** The Unix socket to reach the URL's server by. @default TCP */
  readonly socketPath?: string;
  /** Sent as `Last-Event-ID`. */
  readonly lastEventId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export class EventStream<T = unknown> {
  /** Every event received, in order. */
  readonly events: SseEvent<T>[] = [];
  /** The response's status and headers, once they arrive. */
  readonly opened: Promise<{ readonly status: number; readonly headers: Headers }>;
  /** Settles when the stream ends: closed by the server, by `close()`, or failed. */
  readonly ended: Promise<void>;
  readonly #parser = new SseParser<T>();
  readonly #request: http.ClientRequest;
  readonly #waiters = new Set<() => void>();
  #done = false;

  constructor(url: string | URL, options: EventStreamOptions = {}) {
    let opened!: (value: { status: number; headers: Headers }) => void;
    let failed!: (error: Error) => void;
    let ended!: () => void;
    this.opened = new Promise((resolve, reject) => ((opened = resolve), (failed = reject)));
    this.opened.catch(() => undefined);
    this.ended = new Promise((resolve) => (ended = resolve));
    const finish = (): void => {
      if (this.#done) return;
      this.#done = true;
      ended();
      this.#notify();
    };
    const headers = { accept: 'text/event-stream', ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }), ...options.headers };
    this.#request = http.get(new URL(url), { headers, agent: false, ...(options.socketPath ? { socketPath: options.socketPath } : {}) }, (response) => {
      opened({ status: response.statusCode ?? 0, headers: toHeaders(response.headers) });
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        this.events.push(...this.#parser.push(text));
        this.#notify();
      });
      response.on('close', finish);
      response.on('error', finish);
    });
    this.#request.on('error', (error) => {
      failed(error);
      finish();
    });
  }

  /** The stream's last event id, including one set by a block without data (a start position). */
  get lastEventId(): string {
    return this.#parser.lastEventId;
  }

  /** Resolves with every event so far once `predicate` holds; rejects if the stream ends first or after `ms`. */
  until(predicate: (events: readonly SseEvent<T>[]) => boolean, what: string, ms?: number): Promise<SseEvent<T>[]> {
    let check!: () => void;
    const waiting = new Promise<SseEvent<T>[]>((resolve, reject) => {
      check = () => {
        if (predicate(this.events)) resolve(this.events);
        else if (this.#done) reject(new Error(`the event stream ended before ${what} (${this.events.length} events received)`));
      };
    });
    this.#waiters.add(check);
    check();
    return within(waiting, what, ms).finally(() => this.#waiters.delete(check));
  }

  /** Closes the stream from the client's side. */
  close(): void {
    this.#request.destroy();
  }

  #notify(): void {
    for (const check of [...this.#waiters]) check();
  }
}
