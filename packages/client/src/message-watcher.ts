// Waits for messages to reach a terminal state. All waits of a client share one `message` event
// subscription, opened for the first wait and closed after the last. Each wait registers, makes
// sure the subscription is live, and only then reads the message: a change before the read shows
// in the read, a change after it arrives as an event, so no outcome can slip between the two.
import { TERMINAL_STATES, type Message } from '@tether/daemon/protocol';
import type { EventSubscription } from './event-subscription.js';
import type { EventOf } from './events.js';
import { untilAborted } from './abort.js';

export interface WatcherPorts {
  /** A live subscription to `message` events. */
  subscribe(): EventSubscription<EventOf<'message'>>;
  /** `GET /v1/messages/{id}`. */
  fetch(id: string, signal: AbortSignal): Promise<Message>;
}

export const isTerminal = (message: Message): boolean => TERMINAL_STATES.includes(message.state);

class Waiter {
  #best: Message | undefined;
  #read = false;
  readonly promise: Promise<Message>;
  resolve!: (message: Message) => void;
  reject!: (error: unknown) => void;

  constructor(readonly id: string) {
    this.promise = new Promise<Message>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined);
  }

  /** A state of the message, from the read or from an event: the newest one counts. */
  offer(message: Message, fromRead = false): void {
    // A stale event (published before the read, delivered after it) never overrides the read.
    if (this.#best === undefined || Date.parse(message.updatedAt) >= Date.parse(this.#best.updatedAt)) this.#best = message;
    if (fromRead) this.#read = true;
    if (this.#read && this.#best !== undefined && isTerminal(this.#best)) this.resolve(this.#best);
  }
}

export class MessageWatcher {
  readonly #ports: WatcherPorts;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #subscription: EventSubscription<EventOf<'message'>> | undefined;

  constructor(ports: WatcherPorts) {
    this.#ports = ports;
  }

  /** Resolves with the message once it is sent, delivered, read, failed or unknown. */
  async wait(id: string, signal: AbortSignal): Promise<Message> {
    const waiter = new Waiter(id);
    const waiters = this.#waiters.get(id) ?? new Set<Waiter>();
    this.#waiters.set(id, waiters.add(waiter));
    try {
      await untilAborted(this.#live().ready(), signal);
      waiter.offer(await this.#ports.fetch(id, signal), true);
      return await untilAborted(waiter.promise, signal);
    } finally {
      waiters.delete(waiter);
      if (waiters.size === 0) this.#waiters.delete(id);
      if (this.#waiters.size === 0) this.#stop();
    }
  }

  #live(): EventSubscription<EventOf<'message'>> {
    if (this.#subscription !== undefined) return this.#subscription;
    const subscription = this.#ports.subscribe();
    this.#subscription = subscription;
    void (async () => {
      try {
        for await (const event of subscription) {
          for (const waiter of this.#waiters.get(event.data.id) ?? []) waiter.offer(event.data);
        }
      } catch (error) {
        // Refused or unreadable (not a restart: those it survives); every wait learns why.
        if (this.#subscription === subscription) for (const waiters of this.#waiters.values()) for (const waiter of waiters) waiter.reject(error);
      } finally {
        if (this.#subscription === subscription) this.#subscription = undefined;
      }
    })();
    return subscription;
  }

  #stop(): void {
    this.#subscription?.close();
    this.#subscription = undefined;
  }
}
