// Accepts messages into the durable outbox with group commit: every request that arrives in the
// same turn of the event loop is committed in one SQLite transaction, then each is answered.
// An Idempotency-Key seen before returns the existing message (same body) or a conflict.
import { OutboxFullError, type Outbox, type OutboxRecord } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import type { Db } from './store/database.js';
import type { SqliteOutboxStore } from './store/sqlite-outbox-store.js';
import { ApiError } from './api/http-util.js';
import type { MessageInput } from './api/message-input.js';

export type IntakeResult = { readonly created: boolean; readonly record: OutboxRecord<OutgoingMessage> };

interface Pending {
  readonly input: MessageInput;
  readonly idempotencyKey: string | undefined;
  readonly resolve: (result: IntakeResult) => void;
  readonly reject: (error: Error) => void;
}

export class Intake {
  readonly #db: Db;
  readonly #store: SqliteOutboxStore;
  readonly #outbox: Outbox<OutgoingMessage>;
  readonly #now: () => number;
  #batch: Pending[] = [];
  #open = true;

  constructor(db: Db, store: SqliteOutboxStore, outbox: Outbox<OutgoingMessage>, now: () => number) {
    this.#db = db;
    this.#store = store;
    this.#outbox = outbox;
    this.#now = now;
  }

  /** Stops taking messages (shutdown): later submissions get 503. */
  close(): void {
    this.#open = false;
  }

  submit(input: MessageInput, idempotencyKey?: string): Promise<IntakeResult> {
    if (!this.#open) return Promise.reject(new ApiError(503, 'shutting-down', 'tetherd is shutting down; nothing was accepted'));
    return new Promise((resolve, reject) => {
      if (this.#batch.push({ input, idempotencyKey, resolve, reject }) === 1) setImmediate(() => this.#commit());
    });
  }

  #commit(): void {
    const batch = this.#batch;
    this.#batch = [];
    const now = this.#now();
    const outcomes: ({ ok: true; result: IntakeResult } | { ok: false; error: Error })[] = [];
    try {
      this.#db.transaction(() => {
        for (const pending of batch) outcomes.push(this.#accept(pending, now));
      })();
    } catch (error) {
      for (const pending of batch) pending.reject(new ApiError(500, 'storage-failed', `the outbox could not commit: ${(error as Error).message}`));
      return;
    }
    const created = outcomes.flatMap((outcome) => (outcome.ok && outcome.result.created ? [outcome.result.record] : []));
    if (created.length > 0) this.#outbox.adopt(created);
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
  }

  #accept(pending: Pending, now: number): { ok: true; result: IntakeResult } | { ok: false; error: Error } {
    const { input, idempotencyKey } = pending;
    if (idempotencyKey !== undefined) {
      const existing = this.#store.findByIdempotencyKey(idempotencyKey);
      if (existing) {
        if (existing.requestHash !== input.hash) {
          return { ok: false, error: new ApiError(409, 'idempotency-conflict', 'this Idempotency-Key was used for a different message') };
        }
        return { ok: true, result: { created: false, record: this.#store.get(existing.id)! } };
      }
    }
    try {
      const record = this.#store.add(input.message, {
        now,
        requestHash: input.hash,
        ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      return { ok: true, result: { created: true, record } };
    } catch (error) {
      if (OutboxFullError.isInstance(error)) return { ok: false, error: new ApiError(507, 'outbox-full', error.message) };
      throw error;
    }
  }
}
