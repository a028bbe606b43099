// The ports the daemon's service depends on: what it needs of its durable store, of the Signal
// side and of the process around it. store/ implements the store ports (SQLite today, any
// database that keeps these promises tomorrow); compose.ts plugs everything in. Every method may
// answer synchronously or with a promise, so an embedded and a networked store fit the same port.
import type { Channel, Disposer, GateChange, LinkChange, OutboxRecord, OutboxStore, SendOutcomeEvent } from '@tether/core';
import type { IncomingEvent, OutgoingMessage } from '@tether/signal-transport';
import type { EventName, MessageState, Status } from '../protocol/index.js';
import type { AppError } from './errors.js';

export type MaybePromise<T> = T | Promise<T>;

export type MessageRecord = OutboxRecord<OutgoingMessage>;

/** One message to commit. */
export interface NewMessage {
  readonly message: OutgoingMessage;
  readonly expiresAt?: number;
}

/** One request's messages (one, or a batch): committed all together or not at all. */
export interface Submission {
  readonly messages: readonly NewMessage[];
  readonly idempotencyKey?: string;
  /** What the idempotency key is compared by: the hash of the whole request. */
  readonly requestHash: string;
}

export type SubmitResult =
  | { readonly ok: true; readonly created: boolean; readonly records: readonly MessageRecord[] }
  | { readonly ok: false; readonly error: AppError };

/** A message without its body, as lists show it. */
export interface MessageSummary {
  readonly id: string;
  readonly state: MessageState;
  readonly recipients: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly attempts: number;
  readonly ambiguous: boolean;
  readonly signalTimestamp?: number;
  readonly error?: string;
  readonly expiresAt?: number;
}

export interface ListQuery {
  readonly state?: MessageState;
  readonly limit: number;
  /** Only messages older than this one (paging, newest first). */
  readonly before?: string;
}

/** The outbox's store (core's port) plus what the daemon asks of it. */
export interface MessageStore extends OutboxStore<OutgoingMessage> {
  /**
   * Commits several requests at once (one transaction where the store has them); each is all or
   * nothing on its own: an idempotency conflict or a full outbox refuses that request only.
   */
  submit(submissions: readonly Submission[], now: number): MaybePromise<SubmitResult[]>;
  /** Newest first. */
  list(query: ListQuery): MaybePromise<MessageSummary[]>;
  /** Queued messages whose expiry has passed, oldest first, at most `limit`. */
  dueToExpire(now: number, limit: number): MaybePromise<string[]>;
  /** The earliest expiry among queued messages. */
  nextExpiry(): MaybePromise<number | undefined>;
  /** Deletes at most `limit` finished messages last changed before `before`; returns how many. */
  purgeFinished(before: number, limit: number): MaybePromise<number>;
  /**
   * The ids of the messages sent with this Signal timestamp (kept longer than the messages: a
   * change that sets a backend id remembers it in the same transaction).
   */
  idsForTimestamp(signalTimestamp: number): MaybePromise<string[]>;
  /** Forgets timestamps remembered before `before`. */
  purgeTimestamps(before: number, limit: number): MaybePromise<number>;
}

export interface NewEvent {
  readonly kind: EventName;
  readonly at: number;
  readonly data: unknown;
  /** Incoming events: (source, device, timestamp); a key seen before refuses the event. */
  readonly dedupeKey?: string;
}

export interface LoggedEvent {
  readonly id: number;
  readonly kind: EventName;
  readonly at: number;
  /** JSON text, ready to send. */
  readonly data: string;
}

/**
 * The durable event log: one monotonic id sequence for every event, so `Last-Event-ID` replays
 * exactly. Appends complete in call order.
 */
export interface EventStore {
  /** Commits the events together, in order; undefined for each whose dedupe key was seen before. */
  append(events: readonly NewEvent[]): MaybePromise<readonly (LoggedEvent | undefined)[]>;
  /** Events after `id`, oldest first, at most `limit`; only of `kind` when given. */
  after(id: number, limit: number, kind?: EventName): MaybePromise<LoggedEvent[]>;
  /** The newest id (of `kind` when given), 0 when none. */
  lastId(kind?: EventName): MaybePromise<number>;
  /** When the newest event was logged. */
  lastAt(): MaybePromise<number | undefined>;
  /** How many events of `kind` come after `id`. */
  countAfter(id: number, kind: EventName): MaybePromise<number>;
  /** Deletes at most `limit` incoming events older than `incomingBefore` and others older than `otherBefore`. */
  purge(incomingBefore: number, otherBefore: number, limit: number): MaybePromise<number>;
}

export interface LossWindowRecord {
  readonly from: number;
  readonly to: number;
}

export interface LossWindowStore {
  add(window: LossWindowRecord): MaybePromise<void>;
  /** The newest `limit` windows, oldest first. */
  recent(limit: number): MaybePromise<LossWindowRecord[]>;
}

/** Small named values that outlive a restart: the send gate's pause, delivery cursors. */
export interface MetaStore {
  get(key: string): MaybePromise<string | undefined>;
  set(key: string, value: string): MaybePromise<void>;
}

export interface DeadLetterStore {
  add(entry: { readonly eventId: number; readonly at: number; readonly status?: number; readonly error: string }): MaybePromise<void>;
  count(): MaybePromise<number>;
}

/**
 * Attachment bytes kept beside the messages, in chunks (DECISIONS: large bodies): written while a
 * request streams in, before its message exists; linked to the message by `submit` in the
 * message's own transaction (a submission naming a blob that is gone, partly swept or linked
 * already is refused whole with `storage-failed`); deleted once their message is purged. A blob that no committed
 * message names is an orphan: `discard` drops it at once, `purge` sweeps what a crash left.
 */
export interface BlobStore {
  /** Writes chunk `seq` (0, 1, 2, … in order) of a blob no message names yet; chunk 0 creates it. */
  append(id: string, seq: number, bytes: Uint8Array, now: number): MaybePromise<void>;
  /** The bytes in order, chunk by chunk; rejects with an error whose `code` is `blob-missing` when the blob is gone. */
  read(id: string): AsyncIterable<Uint8Array>;
  /** Deletes a blob unless a message names it (a refused or repeated request). */
  discard(id: string): MaybePromise<void>;
  /**
   * Deletes at most `limit` chunks of orphans: blobs never linked and started before
   * `unlinkedBefore`, and blobs whose message was deleted. Returns how many chunks went.
   */
  purge(unlinkedBefore: number, limit: number): MaybePromise<number>;
}

export interface Store {
  readonly messages: MessageStore;
  readonly blobs: BlobStore;
  readonly events: EventStore;
  readonly lossWindows: LossWindowStore;
  readonly meta: MetaStore;
  readonly deadLetters: DeadLetterStore;
  /** Writes a heartbeat row: true when the database takes writes. */
  writable(now: number): MaybePromise<boolean>;
  close(): MaybePromise<void>;
}

/** Who leads an account's link, as the lease says. Times are milliseconds since the epoch. */
export interface LeaderRecord {
  readonly instance: string;
  readonly host: string;
  /** The fencing epoch: one more at every change of leader. */
  readonly epoch: number;
  /** When this holder took the lead. */
  readonly since: number;
  /** When the lease lapses unless renewed (the database's clock). */
  readonly expiresAt: number;
  /** The holder's last taking or renewal: its last sign of life (the database's clock). */
  readonly renewedAt: number;
}

export type LeaseResult =
  /** `previous`: on an acquire, the lease row as it was before (another holder's, or this one's own earlier term). */
  | { readonly held: true; readonly lease: LeaderRecord; readonly previous?: LeaderRecord }
  | { readonly held: false; readonly holder: LeaderRecord | undefined };

/**
 * The leader lease of an account in a shared database, timed by the database's clock so that
 * hosts' clocks do not matter. One row per account; the epoch grows with every new holder.
 */
export interface LeaseStore {
  /** Takes the lease when nobody holds it, it lapsed, or this instance holds it already (then renews it). */
  acquire(request: { readonly account: string; readonly instance: string; readonly host: string; readonly leaseMs: number }): Promise<LeaseResult>;
  /** Extends the lease this instance holds under `epoch`; `held: false` once another took it. */
  renew(request: { readonly account: string; readonly instance: string; readonly epoch: number; readonly leaseMs: number }): Promise<LeaseResult>;
  /** Gives the lease up at once (a clean shutdown), so a standby need not wait for it to lapse. */
  release(request: { readonly account: string; readonly instance: string; readonly epoch: number }): Promise<void>;
  current(account: string): Promise<LeaderRecord | undefined>;
}

/** What another instance changed in a shared database. */
export type StoreChange = 'events' | 'messages';

/**
 * A store several tetherds share (PostgreSQL). Beyond the Store ports: the lease; notifications of
 * what any instance committed; and fencing: the leader's outbox works on `fenced(epoch)`, a view
 * of the message store whose state changes (`update`, `updateMany`, `requeue`) commit only while
 * the account's lease still has that epoch and has not lapsed; otherwise they fail with an error
 * whose `code` is `'fenced'` and change nothing, so a leader that was paused past its lease cannot
 * write beside the new one. Intake (`submit`), reads and the plain `messages` view are never
 * fenced (standbys cancel and retry through it, conditionally with `updateMany`'s `expect`).
 * Event appends from all instances are serialised so that ids become visible in order: a reader
 * paging `after(id)` never skips one.
 */
export interface SharedStore extends Store {
  readonly kind: 'shared';
  readonly leases: LeaseStore;
  /** The message store whose state changes need the lease at `epoch`. */
  fenced(epoch: number): MessageStore;
  /**
   * Called after any instance (this one too) committed events or messages; for events, `upTo` is
   * the highest id the commit wrote when known (undefined after a reconnect: read to catch up).
   */
  onChange(listener: (change: StoreChange, upTo?: number) => void): Disposer;
}

/** The Signal side of the daemon: the channel (link, gate, outbox) and what only the backend can do. */
export interface SignalSide {
  readonly channel: Channel<OutgoingMessage, IncomingEvent>;
  /** The backend as status shows it. */
  backend(): Status['backend'];
  /** Loss windows still open; closed ones are in the store. */
  openLossWindows(): readonly { readonly from: number }[];
  /** Submits a solved captcha; resolves with the backend's refusal, or undefined when accepted. */
  submitChallenge(token: string, captcha: string, signal: AbortSignal): Promise<string | undefined>;
  close(options: { readonly graceMs: number }): Promise<void>;
}

export type DropReason = 'duplicate' | 'not-allowed' | 'spool-failed';

/** What the daemon counts (Prometheus, in runtime/metrics.ts). */
export interface MetricsPort {
  link(change: LinkChange): void;
  gate(change: GateChange): void;
  outcome(event: SendOutcomeEvent): void;
  lossWindow(window: LossWindowRecord): void;
  incoming(kind: string): void;
  dropped(reason: DropReason): void;
  webhook(result: 'delivered' | 'failed' | 'dead-letter'): void;
}
