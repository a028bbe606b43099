// Reads the daemon's event stream for the demo and keeps what it says (link state, each message's
// state, incoming messages), so each step of the demo waits for a fact the daemon reported.
import type { GateEvent, LinkStateKind, Message, StateEvent } from '@tether/daemon/protocol';
import type { ServerEvent } from '../client/sse-parser.js';
import type { IncomingData } from '../output/incoming-view.js';

export type TrackedEvent =
  | { readonly kind: 'state'; readonly data: StateEvent }
  | { readonly kind: 'gate'; readonly data: GateEvent }
  | { readonly kind: 'message'; readonly data: Message }
  | { readonly kind: 'incoming'; readonly id: string; readonly data: IncomingData };

export class EventTracker {
  link: LinkStateKind = 'connecting';
  readonly messages = new Map<string, Message>();
  readonly incoming: { readonly id: string; readonly data: IncomingData }[] = [];
  readonly #listeners = new Set<() => void>();
  #failure: Error | undefined;

  /** Starts reading; `onEvent` sees every event after the tracker has recorded it. */
  constructor(events: AsyncIterable<ServerEvent>, onEvent: (event: TrackedEvent) => void) {
    void (async () => {
      try {
        for await (const event of events) {
          const tracked = this.#record(event);
          if (tracked !== undefined) onEvent(tracked);
          for (const listener of this.#listeners) listener();
        }
      } catch (error) {
        this.#failure = error as Error;
        for (const listener of this.#listeners) listener();
      }
    })();
  }

  /** Resolves once `condition` holds (checked now and after every event). */
  waitFor(condition: () => boolean, options: { readonly what: string; readonly timeoutMs: number; readonly signal: AbortSignal }): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        this.#listeners.delete(check);
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (this.#failure) finish(new Error(`the event stream failed while waiting for ${options.what}: ${this.#failure.message}`));
        else if (condition()) finish();
      };
      const onAbort = (): void => finish(new Error('interrupted'));
      const timer = setTimeout(() => finish(new Error(`gave up after ${options.timeoutMs / 1000} s waiting for ${options.what}`)), options.timeoutMs);
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.#listeners.add(check);
      check();
    });
  }

  #record(event: ServerEvent): TrackedEvent | undefined {
    switch (event.event) {
      case 'state': {
        const data = JSON.parse(event.data) as StateEvent;
        this.link = data.to;
        return { kind: 'state', data };
      }
      case 'gate':
        return { kind: 'gate', data: JSON.parse(event.data) as GateEvent };
      case 'message': {
        const data = JSON.parse(event.data) as Message;
        this.messages.set(data.id, data);
        return { kind: 'message', data };
      }
      case 'incoming': {
        const data = JSON.parse(event.data) as IncomingData;
        this.incoming.push({ id: event.id ?? '?', data });
        return { kind: 'incoming', id: event.id ?? '?', data };
      }
      default:
        return undefined;
    }
  }
}
