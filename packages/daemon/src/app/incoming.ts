// Incoming events from Signal: filtered by the allowlist, committed to the spool the moment they
// are read (duplicates refused by their key), then announced by the event log. Receipts move our
// sent messages forward (sent → delivered → read, never back), found by their Signal timestamp.
// Nothing here blocks the transport's reader: it hands an event over and goes back to reading.
import type { Clock, Logger } from '@tether/core';
import { dedupeKey, type IncomingEvent } from '@tether/signal-transport';
import type { MessageState } from '../protocol/index.js';
import type { EventLog } from './event-log.js';
import type { MessageStore, MetricsPort } from './ports.js';

const RANK: Partial<Record<MessageState, number>> = { sent: 0, delivered: 1, read: 2 };

export interface IncomingOptions {
  readonly events: EventLog;
  readonly messages: MessageStore;
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

  /** Resolves once every event accepted so far is spooled and its receipt applied. */
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
    if (event.kind !== 'receipt') return;
    try {
      await this.#receipt(event.receiptType === 'delivery' ? 'delivered' : 'read', event.timestamps);
    } catch (error) {
      logger.error({ err: error }, 'a receipt could not be applied');
    }
  }

  async #receipt(target: 'delivered' | 'read', timestamps: readonly number[]): Promise<void> {
    const { messages, clock, logger } = this.#options;
    const purged: string[] = [];
    for (const timestamp of timestamps) {
      for (const id of await messages.idsForTimestamp(timestamp)) {
        const record = await messages.get(id);
        if (!record) {
          purged.push(id);
          continue;
        }
        const from = RANK[record.state];
        if (from === undefined || from >= RANK[target]!) continue;
        // the store logs the change as a message event in the same transaction
        const moved = await messages.update(id, { state: target }, clock.now());
        logger.info({ id, state: moved.state }, `message ${moved.state}`);
      }
    }
    if (purged.length > 0) logger.info({ ids: purged, receipt: target }, 'receipt for messages past their retention');
  }

  #allowed(event: IncomingEvent): boolean {
    const { number, uuid } = event.source;
    return (number !== null && this.#allowFrom!.has(number)) || (uuid !== null && this.#allowFrom!.has(uuid.toLowerCase()));
  }
}
