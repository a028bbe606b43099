// Event subscriptions for `GET /v1/events` and `tether receive`: a subscriber first gets what the
// log holds after its Last-Event-ID, then live events, in id order with no gap and no repeat.
// Each has a bounded queue: one that cannot keep up is closed (it resumes with Last-Event-ID) and
// never slows the daemon or the backend. How events are framed on the wire is the sink's business.
import { RingBuffer } from '@tether/core';
import type { EventName } from '../protocol/index.js';
import type { Disposer } from '@tether/core';
import type { EventLog } from './event-log.js';
import type { LoggedEvent } from './ports.js';

const REPLAY_PAGE = 500;

/** Where a subscriber's events go (an HTTP response, in the daemon). */
export interface FeedSink {
  /** The position the stream starts from, before any event. */
  start(lastId: number): void;
  /** Writes one event; false when the consumer's buffer is full (then wait for `onDrain`). */
  write(event: LoggedEvent): boolean;
  onDrain(listener: () => void): void;
  onClose(listener: () => void): void;
  close(): void;
  readonly closed: boolean;
}

export interface SubscribeOptions {
  /** Replay events after this id; undefined = live only. */
  readonly after?: number;
  /** Only these kinds. */
  readonly kinds?: ReadonlySet<EventName>;
}

interface Subscriber {
  readonly sink: FeedSink;
  readonly kinds: ReadonlySet<EventName> | undefined;
  /** Last id written (or skipped by the filter); undefined until the start is known. */
  lastId: number | undefined;
  /** Live events that arrived while the replay or the sink was busy. */
  readonly backlog: RingBuffer<LoggedEvent>;
  replaying: boolean;
  pumping: boolean;
  /** The sink said it is full: nothing more is written until it drains, so live events wait in the bounded backlog. */
  full: boolean;
}

export class EventFeed {
  readonly #log: EventLog;
  readonly #maxQueued: number;
  readonly #subscribers = new Set<Subscriber>();
  readonly #unsubscribe: Disposer;
  #overflows = 0;

  constructor(log: EventLog, options: { readonly maxQueued?: number } = {}) {
    this.#log = log;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#unsubscribe = log.logged((event) => this.#publish(event));
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Subscribers closed for falling behind. */
  get overflows(): number {
    return this.#overflows;
  }

  async subscribe(sink: FeedSink, options: SubscribeOptions): Promise<void> {
    const subscriber: Subscriber = {
      sink,
      kinds: options.kinds,
      lastId: options.after,
      backlog: new RingBuffer<LoggedEvent>(this.#maxQueued, 'reject'),
      replaying: options.after !== undefined,
      pumping: false,
      full: false,
    };
    // Registered before the start is read, so nothing committed meanwhile is missed.
    this.#subscribers.add(subscriber);
    sink.onClose(() => this.#subscribers.delete(subscriber));
    sink.onDrain(() => {
      subscriber.full = false;
      void this.#pump(subscriber);
    });
    subscriber.lastId ??= await this.#log.lastId();
    sink.start(subscriber.lastId);
    await this.#pump(subscriber);
  }

  /** Closes every subscription (shutdown). */
  close(): void {
    this.#unsubscribe();
    for (const subscriber of this.#subscribers) subscriber.sink.close();
    this.#subscribers.clear();
  }

  #publish(event: LoggedEvent): void {
    for (const subscriber of this.#subscribers) {
      if (subscriber.backlog.push(event).outcome !== 'added') {
        this.#overflows++;
        this.#subscribers.delete(subscriber);
        subscriber.sink.close();
        continue;
      }
      void this.#pump(subscriber);
    }
  }

  /** Writes what the subscriber is owed: replay pages first, then the live backlog. One pump at a time. */
  async #pump(subscriber: Subscriber): Promise<void> {
    if (subscriber.pumping || subscriber.full || subscriber.lastId === undefined) return;
    subscriber.pumping = true;
    try {
      const { sink } = subscriber;
      while (subscriber.replaying && !sink.closed) {
        const page = await this.#log.after(subscriber.lastId, REPLAY_PAGE);
        // a full sink stops the pump mid-page; on drain it reads on from the last id written
        for (const event of page) if (!this.#write(subscriber, event)) return;
        if (page.length < REPLAY_PAGE) subscriber.replaying = false;
      }
      while (subscriber.backlog.length > 0 && !sink.closed) {
        if (!this.#write(subscriber, subscriber.backlog.shift() as LoggedEvent)) return;
      }
    } finally {
      subscriber.pumping = false;
    }
  }

  /** False when the sink is full: the pump stops and `onDrain` resumes it. */
  #write(subscriber: Subscriber, event: LoggedEvent): boolean {
    if (event.id <= subscriber.lastId!) return true;
    subscriber.lastId = event.id;
    if (subscriber.kinds && !subscriber.kinds.has(event.kind)) return true;
    if (subscriber.sink.write(event)) return true;
    subscriber.full = true;
    return false;
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
