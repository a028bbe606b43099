// Reads the daemon's event stream for the demo and keeps what it says (link state, each message's
// state, incoming messages), so each step of the demo waits for a fact the daemon reported.
import type { GateEvent, LinkStateKind, Message, StateEvent, TetherEvent } from '@tether/client';
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
  constructor(events: AsyncIterable<TetherEvent>, onEvent: (event: TrackedEvent) => void) {
    void (async () => {
      try {
        for await (const event of events) {
          onEvent(this.#record(event));
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

  #record(event: TetherEvent): TrackedEvent {
    switch (event.kind) {
      case 'state':
        this.link = event.data.to;
        return { kind: 'state', data: event.data };
      case 'gate':
        return { kind: 'gate', data: event.data };
      case 'message':
        this.messages.set(event.data.id, event.data);
        return { kind: 'message', data: event.data };
      case 'incoming':
        this.incoming.push({ id: event.id, data: event.data });
        return { kind: 'incoming', id: event.id, data: event.data };
    }
  }
}
