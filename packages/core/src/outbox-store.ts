// What the outbox keeps per message, and the port through which it keeps it. Every method may
// answer with a value or a promise, so PostgreSQL, Redis or IndexedDB fit; the daemon plugs in
// SQLite; `MemoryOutboxStore` (synchronous inside) serves tests and embedders that need no
// durability. Order is the store's job: `head()` is always the oldest queued message.
import { ConflictError, OutboxFullError } from './errors.js';
import { RingBuffer } from './ring-buffer.js';
import type { MessageState } from './vocabulary.js';

export type { MessageState } from './vocabulary.js';

/** A value now, or later. */
export type MaybePromise<T> = T | Promise<T>;

export interface OutboxRecord<M> {
  readonly id: string;
  readonly payload: M;
  readonly state: MessageState;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Send requests made for this message. */
  readonly attempts: number;
  /** True once any outcome left it unclear whether the message was delivered. Never goes back. */
  readonly ambiguous: boolean;
  /** Times it was resent because an outcome was unknown (at most 1). */
  readonly unknownResends: number;
  /** Consecutive retriable failures. */
  readonly retriableFailures: number;
  /** The backend's id for the message, from its `sent` outcome; receipts name it. */
  readonly backendId?: string;
  readonly error?: string;
  readonly expiresAt?: number;
}

/** The fields the outbox changes. `undefined` clears an optional field. */
export type RecordPatch = {
  readonly state?: MessageState;
  readonly attempts?: number;
  readonly ambiguous?: boolean;
  readonly unknownResends?: number;
  readonly retriableFailures?: number;
  readonly backendId?: string | undefined;
  readonly error?: string | undefined;
};

/** One change the outbox makes: the record as the outbox last saw it and the fields that change. */
export interface RecordChange<M> {
  readonly record: OutboxRecord<M>;
  readonly patch: RecordPatch;
  /** Apply only while the stored state is still this one; otherwise refuse the whole batch. */
  readonly expect?: MessageState;
}

export interface OutboxCounts {
  readonly queued: number;
  readonly sending: number;
  readonly failed: number;
  readonly unknown: number;
  readonly oldestQueuedAt?: number;
}

/**
 * The outbox's port to storage. Each method may return its answer or a promise of it; a throw or
 * a rejection is retried by the outbox after a pause and never loses or reorders a message. The
 * outbox makes its changes one at a time, in order (reads such as `counts` for status may overlap
 * them). `outboxStoreContract` in `@tether/core/testing` checks a store.
 */
export interface OutboxStore<M> {
  /**
   * Commits a new queued message at the back. Fails with OutboxFullError (`code: 'outbox-full'`)
   * when the queue is at its limit. Ids are never reused, not even by a fresh store: the outbox
   * gives them to the backend as idempotency keys.
   */
  add(payload: M, options: { readonly now: number; readonly expiresAt?: number }): MaybePromise<OutboxRecord<M>>;
  /** The oldest queued message. */
  head(): MaybePromise<OutboxRecord<M> | undefined>;
  get(id: string): MaybePromise<OutboxRecord<M> | undefined>;
  /** Applies the patch and stamps `updatedAt`. Fails when the id is unknown. */
  update(id: string, patch: RecordPatch, now: number): MaybePromise<OutboxRecord<M>>;
  /** Queues the message again, at the back. */
  requeue(id: string, now: number): MaybePromise<OutboxRecord<M>>;
  /** Every message in a state, oldest first (used for crash recovery). */
  inState(state: MessageState): MaybePromise<readonly OutboxRecord<M>[]>;
  counts(): MaybePromise<OutboxCounts>;
  /**
   * The messages whose `backendId` is this one (receipts name messages by it). Optional: without
   * it, receipts are ignored (and a warning says so once).
   */
  findByBackendId?(backendId: string): MaybePromise<readonly OutboxRecord<M>[]>;
  /**
   * Optional: applies the changes together (one transaction where the store has them), in order,
   * stamping `updatedAt` with `now`. A change whose `expect` no longer holds refuses them all with
   * a ConflictError (`code: 'conflict'`) and changes nothing. The outbox computes the results
   * itself (`patchRecord`), so nothing is read back; it uses this to store one message's outcome
   * and mark the next one sending in one write. Without it the outbox calls `update` per change.
   */
  updateMany?(changes: readonly RecordChange<M>[], now: number): MaybePromise<void>;
}

export interface MemoryOutboxStoreOptions {
  /** Most queued messages at once. @default 100_000 */
  readonly maxQueued?: number;
}

/**
 * Keeps everything in memory, synchronously. The queue is a RingBuffer with `reject` overflow:
 * back-pressure, never a drop. Ids carry a random part per store, so a restarted process never
 * reuses one (they are idempotency keys).
 */
export class MemoryOutboxStore<M> implements OutboxStore<M> {
  readonly #records = new Map<string, OutboxRecord<M> & { readonly sequence: number }>();
  readonly #byBackendId = new Map<string, Set<string>>();
  readonly #queue: RingBuffer<{ id: string; sequence: number }>;
  readonly #maxQueued: number;
  readonly #idPrefix = `m${randomPart()}-`;
  #nextId = 1;
  #nextSequence = 1;
  #queued = 0;

  constructor(options: MemoryOutboxStoreOptions = {}) {
    this.#maxQueued = options.maxQueued ?? 100_000;
    // one slot more than the limit: the message being sent keeps its entry (it may come back)
    this.#queue = new RingBuffer(this.#maxQueued + 1, 'reject');
  }

  add(payload: M, options: { readonly now: number; readonly expiresAt?: number }): OutboxRecord<M> {
    const id = `${this.#idPrefix}${this.#nextId++}`;
    const record = {
      id,
      payload,
      state: 'queued' as const,
      createdAt: options.now,
      updatedAt: options.now,
      attempts: 0,
      ambiguous: false,
      unknownResends: 0,
      retriableFailures: 0,
      sequence: 0,
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    };
    this.#enqueue(record, () => this.#records.delete(id));
    return strip(this.#records.get(id)!);
  }

  head(): OutboxRecord<M> | undefined {
    // Entries of messages that left the queue for good (sent, failed, requeued elsewhere) are
    // dropped from the front; a `sending` message may come back to `queued` in its place, so its
    // entry stays and is looked past.
    while (this.#queue.length > 0 && this.#isStale(this.#queue.peek()!)) this.#queue.shift();
    for (const entry of this.#queue) {
      const record = this.#records.get(entry.id)!;
      if (record.sequence === entry.sequence && record.state === 'queued') return strip(record);
    }
    return undefined;
  }

  #isStale(entry: { id: string; sequence: number }): boolean {
    const record = this.#records.get(entry.id);
    return !record || record.sequence !== entry.sequence || (record.state !== 'queued' && record.state !== 'sending');
  }

  get(id: string): OutboxRecord<M> | undefined {
    const record = this.#records.get(id);
    return record && strip(record);
  }

  update(id: string, patch: RecordPatch, now: number): OutboxRecord<M> {
    const record = this.#records.get(id);
    if (!record) throw new ConflictError(`no message ${id}`);
    const next = applyPatch(record, patch, now);
    this.#countState(record.state, -1);
    this.#countState(next.state, +1);
    this.#records.set(id, next);
    if (record.backendId !== next.backendId) {
      if (record.backendId !== undefined) this.#byBackendId.get(record.backendId)?.delete(id);
      if (next.backendId !== undefined) this.#byBackendId.set(next.backendId, (this.#byBackendId.get(next.backendId) ?? new Set()).add(id));
    }
    return strip(next);
  }

  updateMany(changes: readonly RecordChange<M>[], now: number): void {
    for (const { record, expect } of changes) {
      const stored = this.#records.get(record.id);
      if (!stored) throw new ConflictError(`no message ${record.id}`);
      if (expect !== undefined && stored.state !== expect) throw new ConflictError(`message ${record.id} is ${stored.state}, not ${expect}`);
    }
    for (const { record, patch } of changes) this.update(record.id, patch, now);
  }

  findByBackendId(backendId: string): OutboxRecord<M>[] {
    return [...(this.#byBackendId.get(backendId) ?? [])].map((id) => strip(this.#records.get(id)!));
  }

  requeue(id: string, now: number): OutboxRecord<M> {
    const record = this.#records.get(id);
    if (!record) throw new ConflictError(`no message ${id}`);
    this.#countState(record.state, -1);
    this.#enqueue({ ...record, state: 'queued', updatedAt: now }, () => {
      this.#records.set(id, record);
      this.#countState(record.state, +1);
    });
    return strip(this.#records.get(id)!);
  }

  inState(state: MessageState): OutboxRecord<M>[] {
    return [...this.#records.values()].filter((record) => record.state === state).sort((a, b) => a.sequence - b.sequence).map(strip);
  }

  counts(): OutboxCounts {
    const counts = { queued: 0, sending: 0, failed: 0, unknown: 0 };
    for (const record of this.#records.values()) if (record.state in counts) counts[record.state as keyof typeof counts]++;
    const head = this.head();
    return head ? { ...counts, oldestQueuedAt: head.createdAt } : counts;
  }

  #enqueue(record: OutboxRecord<M> & { sequence: number }, undo: () => void): void {
    const full = (): OutboxFullError => {
      undo();
      return new OutboxFullError(`the outbox holds ${this.#maxQueued} queued messages, its limit`);
    };
    if (this.#queued >= this.#maxQueued) throw full();
    const sequence = this.#nextSequence++;
    if (this.#queue.push({ id: record.id, sequence }).outcome !== 'added') {
      this.#compact();
      if (this.#queue.push({ id: record.id, sequence }).outcome !== 'added') throw full();
    }
    this.#records.set(record.id, { ...record, sequence });
    this.#queued++;
  }

  /** Removes entries of messages that left the queue, making room (stale entries are rare: cancel, retry). */
  #compact(): void {
    for (const entry of this.#queue.drain()) {
      if (!this.#isStale(entry)) this.#queue.push(entry);
    }
  }

  #countState(state: MessageState, delta: number): void {
    if (state === 'queued') this.#queued += delta;
  }
}

/** The record after `patch`, stamped `now` (an `undefined` in the patch clears the field). */
export function patchRecord<R extends OutboxRecord<unknown>>(record: R, patch: RecordPatch, now: number): R {
  return applyPatch(record, patch, now);
}

function applyPatch<R extends OutboxRecord<unknown>>(record: R, patch: RecordPatch, now: number): R {
  const next: Record<string, unknown> = { updatedAt: now };
  Object.assign(next, record, { updatedAt: now });
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as R;
}

/** Eight hex digits from the platform's CSPRNG where there is one (every runtime core targets has). */
function randomPart(): string {
  const crypto = (globalThis as { crypto?: { getRandomValues?(array: Uint32Array): Uint32Array } }).crypto;
  const value = crypto?.getRandomValues ? crypto.getRandomValues(new Uint32Array(1))[0]! : Math.floor(Math.random() * 2 ** 32);
  return value.toString(16).padStart(8, '0');
}

function strip<M>(record: OutboxRecord<M> & { readonly sequence: number }): OutboxRecord<M> {
  const { sequence: _sequence, ...rest } = record;
  return rest;
}
