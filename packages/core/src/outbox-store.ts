// What the outbox keeps per message, and the port through which it keeps it. The daemon plugs in
// SQLite; `MemoryOutboxStore` serves tests and embedders that need no durability. Order is the
// store's job: `head()` is always the oldest queued message, and a retried message goes to the back.
import { ConflictError, OutboxFullError } from './errors.js';
import { RingBuffer } from './ring-buffer.js';

export type MessageState = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown';

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
  readonly signalTimestamp?: number;
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
  readonly signalTimestamp?: number | undefined;
  readonly error?: string | undefined;
};

export interface OutboxCounts {
  readonly queued: number;
  readonly sending: number;
  readonly failed: number;
  readonly unknown: number;
  readonly oldestQueuedAt?: number;
}

export interface OutboxStore<M> {
  /** Commits a new queued message at the back. Throws OutboxFullError when the queue is at its limit. */
  add(payload: M, options: { readonly now: number; readonly expiresAt?: number }): OutboxRecord<M>;
  /** The oldest queued message. */
  head(): OutboxRecord<M> | undefined;
  get(id: string): OutboxRecord<M> | undefined;
  /** Applies the patch and stamps `updatedAt`. Throws when the id is unknown. */
  update(id: string, patch: RecordPatch, now: number): OutboxRecord<M>;
  /** Queues the message again, at the back. */
  requeue(id: string, now: number): OutboxRecord<M>;
  /** Every message in a state, oldest first (used for crash recovery). */
  inState(state: MessageState): OutboxRecord<M>[];
  counts(): OutboxCounts;
}

export interface MemoryOutboxStoreOptions {
  /** Most queued messages at once. @default 100_000 */
  readonly maxQueued?: number;
}

/** Keeps everything in memory. The queue is a RingBuffer with `reject` overflow: back-pressure, never a drop. */
export class MemoryOutboxStore<M> implements OutboxStore<M> {
  readonly #records = new Map<string, OutboxRecord<M> & { readonly sequence: number }>();
  readonly #queue: RingBuffer<{ id: string; sequence: number }>;
  readonly #maxQueued: number;
  #nextId = 1;
  #nextSequence = 1;
  #queued = 0;

  constructor(options: MemoryOutboxStoreOptions = {}) {
    this.#maxQueued = options.maxQueued ?? 100_000;
    // one slot more than the limit: the message being sent keeps its entry (it may come back)
    this.#queue = new RingBuffer(this.#maxQueued + 1, 'reject');
  }

  add(payload: M, options: { readonly now: number; readonly expiresAt?: number }): OutboxRecord<M> {
    const id = `m${this.#nextId++}`;
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
    return strip(next);
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

function applyPatch<R extends OutboxRecord<unknown>>(record: R, patch: RecordPatch, now: number): R {
  const next: Record<string, unknown> = { updatedAt: now };
  Object.assign(next, record, { updatedAt: now });
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as R;
}

function strip<M>(record: OutboxRecord<M> & { readonly sequence: number }): OutboxRecord<M> {
  const { sequence: _sequence, ...rest } = record;
  return rest;
}
