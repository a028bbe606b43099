// Server-sent events for `GET /v1/events`. A subscriber first gets what the log holds after its
// Last-Event-ID, then live events, in id order with no gap and no repeat. Each subscriber has a
// bounded queue: one that cannot keep up is disconnected (it resumes with Last-Event-ID) and never
// slows the daemon or the backend.
import type { ServerResponse } from 'node:http';
import { RingBuffer } from '@tether/core';
import type { EventKind, EventLog, LoggedEvent } from '../store/event-log.js';

const REPLAY_PAGE = 500;

export interface SubscribeOptions {
  /** Replay events after this id; undefined = live only. */
  readonly after?: number;
  /** Only these kinds. */
  readonly kinds?: ReadonlySet<EventKind>;
}

interface Subscriber {
  readonly response: ServerResponse;
  readonly kinds: ReadonlySet<EventKind> | undefined;
  /** Last id written (or skipped by filter). */
  lastId: number;
  /** Live events that arrived while the replay or the socket was busy. */
  readonly backlog: RingBuffer<LoggedEvent>;
  replaying: boolean;
}

export class EventHub {
  readonly #log: EventLog;
  readonly #maxQueued: number;
  readonly #subscribers = new Set<Subscriber>();
  #overflows = 0;

  constructor(log: EventLog, options: { readonly maxQueued?: number } = {}) {
    this.#log = log;
    this.#maxQueued = options.maxQueued ?? 10_000;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Subscribers disconnected for falling behind. */
  get overflows(): number {
    return this.#overflows;
  }

  subscribe(response: ServerResponse, options: SubscribeOptions): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const subscriber: Subscriber = {
      response,
      kinds: options.kinds,
      lastId: options.after ?? this.#log.lastId(),
      backlog: new RingBuffer<LoggedEvent>(this.#maxQueued, 'reject'),
      replaying: options.after !== undefined,
    };
    // the id line gives a client a position to resume from even before its first event arrives
    response.write(`: tether events\nid: ${subscriber.lastId}\n\n`);
    this.#subscribers.add(subscriber);
    response.on('close', () => this.#subscribers.delete(subscriber));
    response.on('drain', () => this.#flush(subscriber));
    if (subscriber.replaying) this.#replay(subscriber);
  }

  /** A new committed event, for every subscriber. */
  publish(event: LoggedEvent): void {
    for (const subscriber of this.#subscribers) {
      if (subscriber.backlog.push(event).outcome !== 'added') {
        this.#overflows++;
        this.#subscribers.delete(subscriber);
        subscriber.response.destroy();
        continue;
      }
      this.#flush(subscriber);
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    // destroy, not end: a subscriber that stopped reading would never drain, and shutdown waits on it
    for (const subscriber of this.#subscribers) subscriber.response.destroy();
    this.#subscribers.clear();
  }

  #replay(subscriber: Subscriber): void {
    // Pages are read synchronously; the socket's own buffer absorbs them, and `drain` resumes.
    while (subscriber.replaying && !subscriber.response.writableNeedDrain && !subscriber.response.destroyed) {
      const page = this.#log.after(subscriber.lastId, REPLAY_PAGE);
      for (const event of page) this.#write(subscriber, event);
      if (page.length < REPLAY_PAGE) subscriber.replaying = false;
    }
    if (!subscriber.replaying) this.#flush(subscriber);
  }

  #flush(subscriber: Subscriber): void {
    if (subscriber.replaying) return this.#replay(subscriber);
    while (subscriber.backlog.length > 0 && !subscriber.response.writableNeedDrain && !subscriber.response.destroyed) {
      this.#write(subscriber, subscriber.backlog.shift() as LoggedEvent);
    }
  }

  #write(subscriber: Subscriber, event: LoggedEvent): void {
    if (event.id <= subscriber.lastId) return;
    subscriber.lastId = event.id;
    if (subscriber.kinds && !subscriber.kinds.has(event.kind)) return;
    subscriber.response.write(`id: ${event.id}\nevent: ${event.kind}\ndata: ${publicEventData(event)}\n\n`);
  }
}

/**
 * The spool keeps signal-cli's raw envelope for the compat endpoint; the event stream never
 * carried it (the typed event is its contract), so it is left out, with the key order unchanged.
 */
export function publicEventData(event: LoggedEvent): string {
  if (event.kind !== 'incoming' || !event.data.includes('"raw":')) return event.data;
  const { raw: _raw, ...typed } = JSON.parse(event.data) as Record<string, unknown>;
  return JSON.stringify(typed);
}
