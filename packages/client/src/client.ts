// The client bots and the CLI use: one method per control-API call, returning the API's typed
// shapes, and event subscriptions that survive daemon restarts. It owns one connection pool; close()
// (or `await using`) aborts what is in flight, ends every subscription and destroys the pool.
import { backoffDelay, sleep } from '@tether/core';
import type { EventName, Message, MessageState, SendBatchRequest, SendBatchResponse, SendRequest, Status } from '@tether/daemon/protocol';
import { CallScopes, type CallOptions } from './abort.js';
import { ClosedError, isDaemonAway } from './errors.js';
import { openEventConnection } from './event-connection.js';
import { Subscription, type EventSubscription, type SubscribeOptions } from './event-subscription.js';
import { toTetherEvent, type EventOf, type TetherEvent } from './events.js';
import { HttpPool } from './http-pool.js';
import { callJson } from './json-call.js';
import { MessageWatcher } from './message-watcher.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { sentMessages, type SendResult, type SentMessage } from './sent-message.js';

export interface SendOptions extends CallOptions {
  /**
   * The same key with the same request returns the message committed first, never a second one.
   * @default a fresh random key per call, so the client itself may resend safely
   */
  readonly idempotencyKey?: string | undefined;
  /** While tetherd is unreachable or restarting, keep trying with backoff instead of failing. @default false */
  readonly waitForDaemon?: boolean | undefined;
}

export interface MessageQuery extends CallOptions {
  /** Only messages in this state. @default every state */
  readonly state?: MessageState | undefined;
  /** At most this many, newest first (1 to 10,000). @default 100 (tetherd's default) */
  readonly limit?: number | undefined;
  /** Only messages older than this message id (the next page). @default none */
  readonly before?: string | undefined;
}

export interface EventsOptions extends SubscribeOptions {
  /** Only these kinds of event. @default every kind */
  readonly kinds?: readonly EventName[] | undefined;
}

export class TetherClient implements AsyncDisposable {
  readonly #options: ResolvedOptions;
  readonly #pool: HttpPool;
  readonly #calls = new CallScopes();
  readonly #subscriptions = new Set<EventSubscription<unknown>>();
  readonly #watcher: MessageWatcher;
  readonly #sent = sentMessages((id, options) => this.waitFor(id, options));
  #closed = false;

  constructor(options?: ClientOptions) {
    this.#options = resolveOptions(options);
    this.#pool = new HttpPool(this.#options.target, this.#options.keepAliveMs);
    this.#watcher = new MessageWatcher({
      // A wait outlasts tetherd restarting at any moment: its stream and its read both wait for it.
      subscribe: () => this.#subscribe<EventOf<'message'>>({ kinds: ['message'], waitForDaemon: true }),
      fetch: (id, signal) => this.#persist(() => this.message(id, { signal }), signal),
    });
  }

  /** The socket path or URL origin this client talks to. */
  get where(): string {
    return this.#pool.where;
  }

  /** `GET /v1/status`: the link, the send gate, the outbox, loss windows and more. */
  status(options: CallOptions = {}): Promise<Status> {
    return this.#call('GET', '/v1/status', options);
  }

  /**
   * `POST /v1/messages`: resolves with the committed message. `await client.send(…).settled()`
   * (or `message.settled()`) then waits for its terminal state.
   */
  send(request: SendRequest, options: SendOptions = {}): SendResult {
    const idempotencyKey = options.idempotencyKey ?? globalThis.crypto.randomUUID();
    const committed: Promise<SentMessage> = this.#submit(request, idempotencyKey, options).then(this.#sent);
    return Object.assign(committed, { settled: (waitOptions?: CallOptions) => committed.then((message) => message.settled(waitOptions)) });
  }

  /**
   * `POST /v1/messages` with `{ messages }` (at most 1,000): all committed in one transaction, or
   * none (an ApiError whose `field` names the refused item, e.g. `messages[3].recipients`).
   * Resolves with every message, in order, each with its own `settled()`. The idempotency key
   * covers the whole batch.
   */
  async sendBatch(requests: readonly SendRequest[], options: SendOptions = {}): Promise<SentMessage[]> {
    const idempotencyKey = options.idempotencyKey ?? globalThis.crypto.randomUUID();
    const body = JSON.stringify({ messages: requests } satisfies SendBatchRequest);
    const post = (): Promise<SendBatchResponse> => this.#call<SendBatchResponse>('POST', '/v1/messages', options, body, { 'idempotency-key': idempotencyKey });
    const answer = options.waitForDaemon === true ? await this.#persist(post, options.signal) : await post();
    return answer.messages.map(this.#sent);
  }

  /** `GET /v1/messages/{id}`, with the text and attachment summaries. */
  message(id: string, options: CallOptions = {}): Promise<Message> {
    return this.#call('GET', `/v1/messages/${encodeURIComponent(id)}`, options);
  }

  /** `GET /v1/messages`: newest first. */
  messages(query: MessageQuery = {}): Promise<Message[]> {
    const search = new URLSearchParams();
    if (query.state !== undefined) search.set('state', query.state);
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    if (query.before !== undefined) search.set('before', query.before);
    const text = search.toString();
    return this.#call('GET', `/v1/messages${text === '' ? '' : `?${text}`}`, query);
  }

  /** Queues a failed or unknown message again, at the back of the queue. */
  retry(id: string, options: CallOptions = {}): Promise<Message> {
    return this.#call('POST', `/v1/messages/${encodeURIComponent(id)}/retry`, options);
  }

  /** Cancels a queued or unknown message (it becomes `failed` with error `cancelled`). */
  cancel(id: string, options: CallOptions = {}): Promise<Message> {
    return this.#call('POST', `/v1/messages/${encodeURIComponent(id)}/cancel`, options);
  }

  /** Submits a solved captcha for a `captcha-required` pause; resolves with the send gate after it. */
  challenge(token: string, captcha: string, options: CallOptions = {}): Promise<Status['gate']> {
    return this.#call('POST', '/v1/challenge', options, JSON.stringify({ token, captcha }));
  }

  /**
   * Resolves with the message once it is sent, delivered, read, failed or unknown. It waits through
   * tetherd restarts (even for a tetherd that never comes back): give it a signal with a deadline.
   */
  async waitFor(id: string, options: CallOptions = {}): Promise<Message> {
    const scope = this.#scope(options.signal);
    try {
      return await this.#watcher.wait(id, scope.signal);
    } finally {
      scope.dispose();
    }
  }

  /** `GET /v1/events` as an async iterable that reconnects and resumes by itself. */
  events(options: EventsOptions = {}): EventSubscription<TetherEvent> {
    return this.#subscribe(options);
  }

  /** Incoming Signal events only; `since` an event id resumes after it. */
  incoming(options: SubscribeOptions = {}): EventSubscription<EventOf<'incoming'>> {
    return this.#subscribe({ ...options, kinds: ['incoming'] });
  }

  /** Aborts every call in flight, ends every subscription and closes the pool's connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Waits and backoff sleeps hold a scope; requests end with the pool, which fails them as aborted.
    this.#calls.abortAll(new ClosedError('the client was closed'));
    for (const subscription of [...this.#subscriptions]) subscription.close();
    this.#pool.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #call<T>(method: 'GET' | 'POST', path: string, options: CallOptions, body?: string, headers?: Record<string, string>): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError('the client is closed'));
    // Reads are safe to repeat on a pooled connection that turned out dead; changes are not.
    const retryStale = method === 'GET' || headers?.['idempotency-key'] !== undefined;
    return callJson<T>(this.#pool, { method, path, signal: options.signal, timeoutMs: this.#options.requestTimeoutMs, retryStale, ...(body === undefined ? {} : { body }), ...(headers === undefined ? {} : { headers }) });
  }

  #submit(request: SendRequest, idempotencyKey: string, options: SendOptions): Promise<Message> {
    const body = JSON.stringify(request);
    // The key makes a resend safe: tetherd answers with the message it committed, if it did.
    const post = (): Promise<Message> => this.#call<Message>('POST', '/v1/messages', options, body, { 'idempotency-key': idempotencyKey });
    return options.waitForDaemon === true ? this.#persist(post, options.signal) : post();
  }

  /** Runs `operation` until tetherd answers it, waiting with backoff while it is away or restarting. */
  async #persist<T>(operation: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const { clock, random, reconnectBackoff } = this.#options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isDaemonAway(error)) throw error;
        const scope = this.#scope(signal);
        try {
          await sleep(clock, backoffDelay(reconnectBackoff, attempt, random), scope.signal);
        } finally {
          scope.dispose();
        }
      }
    }
  }

  #scope(signal: AbortSignal | undefined): ReturnType<CallScopes['open']> {
    if (this.#closed) throw new ClosedError('the client is closed');
    return this.#calls.open(signal);
  }

  #subscribe<Event extends TetherEvent>(options: EventsOptions): EventSubscription<Event> {
    if (this.#closed) throw new ClosedError('the client is closed');
    const { clock, random, reconnectBackoff, requestTimeoutMs } = this.#options;
    const subscription = new Subscription<Event>(
      {
        open: (since, signal) => openEventConnection(this.#pool, { kinds: options.kinds, since }, signal, requestTimeoutMs),
        map: (event) => toTetherEvent(event) as Event | undefined,
        clock,
        random,
        backoff: reconnectBackoff,
        where: this.#pool.where,
        released: (ended) => this.#subscriptions.delete(ended),
      },
      options,
    );
    if (!subscription.closed) this.#subscriptions.add(subscription);
    return subscription;
  }
}

/** A client for tetherd: `createClient()` finds it as `tether` does; `{ socket }` or `{ url, token }` say where. */
export function createClient(options?: ClientOptions): TetherClient {
  return new TetherClient(options);
}
