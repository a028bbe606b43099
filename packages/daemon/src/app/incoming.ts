// Incoming events from Signal: filtered by the allowlist, committed to the spool the moment they
// are read (duplicates refused by their key), then announced by the event log. Receipts are
// spooled like any event; moving our sent messages forward is core's work (the transport hands
// each receipt to the outbox, which finds the messages by backend id in the store).
// Nothing here blocks the transport's reader: it hands an event over and goes back to reading.
import type { Clock, Logger } from '@tether/core';
import { dedupeKey, type IncomingEvent } from '@tether/signal-transport';
import type { EventLog } from './event-log.js';
import type { MetricsPort } from './ports.js';

export interface IncomingOptions {
  readonly events: EventLog;
  readonly metrics: Pick<MetricsPort, 'incoming' | 'dropped'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Senders (E.164 or ACI) whose messages are kept; all when absent. */
  readonly allowFrom?: readonly string[];
}

export class IncomingHandler {
  readonly #options: IncomingOptions;
  readonly #allowFrom: ReadonlySet<string> | undefined;
  #work: Promise<void> = Promise.resolve();

  constructor(options: IncomingOptions) {
    this.#options = options;
    this.#allowFrom = options.allowFrom ? new Set(options.allowFrom.map((entry) => entry.toLowerCase())) : undefined;
  }

  /** Takes one event from the transport. Never throws and never waits. */
  readonly accept = (event: IncomingEvent): void => {
    const { metrics } = this.#options;
    // receipts (about our own messages) and messages from our own devices are never filtered
    const exempt = event.kind === 'receipt' || event.kind === 'sync-sent';
    if (this.#allowFrom && !exempt && !this.#allowed(event)) {
      metrics.dropped('not-allowed');
      return;
    }
    // Spooled with signal-cli's raw envelope: the compat WebSocket replays it verbatim (the event
    // stream leaves it out, see publicEventData).
    const spooled = this.#options.events.append('incoming', this.#options.clock.now(), event, dedupeKey(event));
    this.#work = this.#work.then(() => this.#after(event, spooled));
  };

  /** Resolves once every event accepted so far is spooled (or refused as a duplicate). */
  settled(): Promise<void> {
    return this.#work;
  }

  async #after(event: IncomingEvent, spooled: Promise<unknown>): Promise<void> {
    const { metrics, logger } = this.#options;
    let logged: unknown;
    try {
      logged = await spooled;
    } catch (error) {
      // The backend already handed it over: this is a real loss, and it must be loud.
      metrics.dropped('spool-failed');
      logger.error({ err: error, kind: event.kind }, 'incoming event could not be spooled and is lost');
      return;
    }
    if (!logged) {
      metrics.dropped('duplicate');
      logger.debug({ kind: event.kind }, 'duplicate incoming event dropped');
      return;
    }
    metrics.incoming(event.kind);
  }

  #allowed(event: IncomingEvent): boolean {
    const { number, uuid } = event.source;
    return (number !== null && this.#allowFrom!.has(number)) || (uuid !== null && this.#allowFrom!.has(uuid.toLowerCase()));
  }
}
