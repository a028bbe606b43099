// Timed upkeep, on the injected clock: queued messages expire on time even while the link is
// down (one timer for the earliest expiry), and retention purges old messages, events and
// Signal timestamps every hour. Both work in bounded chunks and yield between them, so a purge
// of a million rows never holds the event loop for long.
import type { Clock, Logger, TimerHandle } from '@tether/core';
import { ORPHAN_AFTER_MS } from './attachment-upload.js';
import type { BlobStore, EventStore, MessageStore } from './ports.js';

const HOUR_MS = 3_600_000;
/** Rows per chunk: a chunk of SQLite deletes takes a millisecond or two. */
export const CHUNK = 250;
/** Attachment chunks (about 1 MiB each) deleted per step. */
export const BLOB_CHUNKS = 8;

export interface HousekeepingOptions {
  readonly messages: MessageStore;
  readonly events: Pick<EventStore, 'purge'>;
  /** Attachment bytes: orphans are swept with the rest. */
  readonly blobs: Pick<BlobStore, 'purge'>;
  /** Fails a queued message whose expiry has passed (the outbox's own rule). */
  readonly expire: (id: string) => Promise<unknown>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sentRetentionHours: number;
  readonly inboundRetentionHours: number;
}

export class Housekeeping {
  readonly #options: HousekeepingOptions;
  #expiryTimer: TimerHandle | undefined;
  #retentionTimer: TimerHandle | undefined;
  #closed = false;
  #running: Promise<void> = Promise.resolve();

  constructor(options: HousekeepingOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedulePurge(0);
    this.scheduleExpiry();
  }

  /** Re-arms the expiry timer (after a message with an expiry was accepted). */
  scheduleExpiry(): void {
    this.#run(async () => {
      const { clock, messages } = this.#options;
      if (this.#expiryTimer !== undefined) clock.clearTimeout(this.#expiryTimer);
      this.#expiryTimer = undefined;
      const next = await messages.nextExpiry();
      if (next === undefined || this.#closed) return;
      this.#expiryTimer = clock.setTimeout(() => {
        this.#expiryTimer = undefined;
        this.#run(() => this.#expireDue());
      }, Math.min(Math.max(0, next - clock.now()), HOUR_MS));
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const { clock } = this.#options;
    if (this.#expiryTimer !== undefined) clock.clearTimeout(this.#expiryTimer);
    if (this.#retentionTimer !== undefined) clock.clearTimeout(this.#retentionTimer);
    await this.#running;
  }

  /** One purge pass now (also what the hourly timer runs). */
  async purge(): Promise<void> {
    const { clock, messages, events, blobs, logger, sentRetentionHours, inboundRetentionHours } = this.#options;
    const now = clock.now();
    const sentBefore = now - sentRetentionHours * HOUR_MS;
    const eventsBefore = now - inboundRetentionHours * HOUR_MS;
    // the timestamp map outlives sent rows: four times their retention, at least 30 days
    const timestampsBefore = now - Math.max(4 * sentRetentionHours, 30 * 24) * HOUR_MS;
    const removed = { messages: 0, events: 0, timestamps: 0, attachmentChunks: 0 };
    removed.messages = await this.#chunked(() => messages.purgeFinished(sentBefore, CHUNK));
    removed.events = await this.#chunked(() => events.purge(eventsBefore, eventsBefore, CHUNK));
    removed.timestamps = await this.#chunked(() => messages.purgeTimestamps(timestampsBefore, CHUNK));
    // after the messages: a purged message's attachments are orphans now
    removed.attachmentChunks = await this.#chunked(() => blobs.purge(now - ORPHAN_AFTER_MS, BLOB_CHUNKS), BLOB_CHUNKS);
    if (removed.messages + removed.events + removed.attachmentChunks > 0) logger.info(removed, 'retention purge');
  }

  async #expireDue(): Promise<void> {
    const { messages, clock, expire } = this.#options;
    for (;;) {
      const due = await messages.dueToExpire(clock.now(), CHUNK);
      for (const id of due) await expire(id);
      if (due.length < CHUNK || this.#closed) break;
      await this.#yield();
    }
    this.scheduleExpiry();
  }

  async #chunked(step: () => number | Promise<number>, chunk = CHUNK): Promise<number> {
    let total = 0;
    while (!this.#closed) {
      const removed = await step();
      total += removed;
      if (removed < chunk) break;
      await this.#yield();
    }
    return total;
  }

  #schedulePurge(delayMs: number): void {
    if (this.#closed) return;
    this.#retentionTimer = this.#options.clock.setTimeout(() => {
      this.#run(() => this.purge());
      this.#schedulePurge(HOUR_MS);
    }, delayMs);
  }

  /** Lets other work (requests, frames) run between chunks. */
  #yield(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Runs one piece of upkeep after the previous one; a failure is logged, never thrown. */
  #run(work: () => Promise<void>): void {
    this.#running = this.#running.then(work).catch((error: unknown) => this.#options.logger.error({ err: error }, 'housekeeping failed; it runs again on its next timer'));
  }
}
