// The outbox engine: takes the oldest queued message, sends it with a deadline, and applies the
// outcome exactly as DECISIONS.md §2 says. One send at a time, never pipelined; the head stays
// the head until its outcome is known, so order holds across failures, reconnects and restarts.
import { backoffPolicy, backoffDelay, type BackoffPolicy } from './backoff.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { ConflictError } from './errors.js';
import { noopLogger, type Logger } from './logger.js';
import type { OutboxRecord, OutboxStore, RecordPatch } from './outbox-store.js';
import { Pacer, type PacingOptions } from './pacer.js';
import type { SendGate } from './send-gate.js';
import type { SendOptions, SendOutcome } from './transport.js';

export type UnknownPolicy = 'at-least-once' | 'at-most-once';

export interface OutboxOptions<M> {
  readonly store: OutboxStore<M>;
  readonly send: (payload: M, options: SendOptions) => Promise<SendOutcome>;
  readonly gate: SendGate;
  /** Whether the link is up. */
  readonly canSend: () => boolean;
  /** Called when a drain finds the queue empty (the backlog is gone). */
  readonly onIdle?: () => void;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default noopLogger */
  readonly logger?: Logger;
  /** @default 'at-least-once' */
  readonly unknownPolicy?: UnknownPolicy;
  /** Deadline of one send. @default 30_000 */
  readonly sendTimeoutMs?: number;
  /** Retriable failures before a message fails. @default 3 */
  readonly maxRetriableAttempts?: number;
  /** Wait before resending after `not-sent` or `retriable`. @default 1 s, ×2, cap 30 s, equal jitter */
  readonly retryBackoff?: BackoffPolicy;
  /** Optional pacing of sends. @default unpaced */
  readonly pacing?: PacingOptions;
  /** Every send's outcome as the transport reported it, with its duration (metrics). */
  readonly onOutcome?: (event: SendOutcomeEvent) => void;
}

export interface SendOutcomeEvent {
  readonly id: string;
  readonly outcome: SendOutcome;
  readonly durationMs: number;
}

export const OUTBOX_DEFAULTS = Object.freeze({
  unknownPolicy: 'at-least-once' as UnknownPolicy,
  sendTimeoutMs: 30_000,
  maxRetriableAttempts: 3,
  retryBackoff: Object.freeze({ initialMs: 1_000, factor: 2, maxMs: 30_000, jitter: 'equal' }) as BackoffPolicy,
});

export class Outbox<M> {
  readonly #store: OutboxStore<M>;
  readonly #send: OutboxOptions<M>['send'];
  readonly #gate: SendGate;
  readonly #canSend: () => boolean;
  readonly #onIdle: () => void;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #unknownPolicy: UnknownPolicy;
  readonly #sendTimeoutMs: number;
  readonly #maxRetriable: number;
  readonly #retryBackoff: BackoffPolicy;
  readonly #listeners = new Set<(record: OutboxRecord<M>) => void>();
  readonly #closing = new AbortController();
  #draining: Promise<void> | undefined;
  #again = false;
  #inFlight: { id: string; deadline: AbortController } | undefined;
  #retryStreak = 0;
  readonly #pacer: Pacer | undefined;
  readonly #onOutcome: (event: SendOutcomeEvent) => void;
  readonly #unsubscribeGate: () => void;

  constructor(options: OutboxOptions<M>) {
    this.#store = options.store;
    this.#send = options.send;
    this.#gate = options.gate;
    this.#canSend = options.canSend;
    this.#onIdle = options.onIdle ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'outbox' });
    this.#unknownPolicy = options.unknownPolicy ?? OUTBOX_DEFAULTS.unknownPolicy;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? OUTBOX_DEFAULTS.sendTimeoutMs;
    this.#maxRetriable = options.maxRetriableAttempts ?? OUTBOX_DEFAULTS.maxRetriableAttempts;
    this.#retryBackoff = backoffPolicy(options.retryBackoff ?? OUTBOX_DEFAULTS.retryBackoff);
    this.#pacer = options.pacing ? new Pacer(this.#clock, options.pacing) : undefined;
    this.#onOutcome = options.onOutcome ?? (() => {});
    this.#unsubscribeGate = this.#gate.onChange((change) => {
      if (change.to.state === 'open') this.kick();
    });
  }

  /** The id of the message being sent right now. */
  get inFlight(): string | undefined {
    return this.#inFlight?.id;
  }

  /** Every change of a message's state or fields. */
  onChange(listener: (record: OutboxRecord<M>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Commits the message (the store decides durability), then tries to send. */
  enqueue(payload: M, options: { readonly expiresAt?: number } = {}): OutboxRecord<M> {
    const record = this.#store.add(payload, { now: this.#clock.now(), ...options });
    this.#logger.debug({ id: record.id }, 'message queued');
    this.#emit(record);
    this.kick();
    return record;
  }

  /** Announces messages the caller committed to the store itself (a group commit), then sends. */
  adopt(records: readonly OutboxRecord<M>[]): void {
    for (const record of records) {
      this.#logger.debug({ id: record.id }, 'message queued');
      this.#emit(record);
    }
    this.kick();
  }

  /** Puts a failed or unknown message back in the queue, at the back. */
  retry(id: string): OutboxRecord<M> {
    const record = this.#require(id);
    if (record.state !== 'failed' && record.state !== 'unknown') throw new ConflictError(`message ${id} is ${record.state}; only failed or unknown messages can be retried`);
    this.#store.update(id, { retriableFailures: 0, error: undefined }, this.#clock.now());
    const requeued = this.#store.requeue(id, this.#clock.now());
    this.#logger.info({ id }, 'message requeued by request');
    this.#emit(requeued);
    this.kick();
    return requeued;
  }

  /** Cancels a queued or unknown message: it becomes `failed` with reason `cancelled`. */
  cancel(id: string): OutboxRecord<M> {
    const record = this.#require(id);
    if (record.state !== 'queued' && record.state !== 'unknown') throw new ConflictError(`message ${id} is ${record.state}; only queued or unknown messages can be cancelled`);
    const cancelled = this.#apply(id, { state: 'failed', error: 'cancelled' }, 'message cancelled');
    this.kick(); // the queue may be empty now: syncing becomes connected
    return cancelled;
  }

  /** Fails a queued message whose `expiresAt` has passed (the store found it; the head check would too, later). */
  expire(id: string): OutboxRecord<M> | undefined {
    const record = this.#store.get(id);
    if (!record || record.state !== 'queued' || record.expiresAt === undefined || record.expiresAt > this.#clock.now()) return undefined;
    const expired = this.#apply(id, { state: 'failed', error: 'expired' }, 'message expired');
    this.kick();
    return expired;
  }

  /**
   * After a crash, messages left `sending` may or may not have gone out: they become unknown and
   * follow the unknown policy (at-least-once: resent once, in their place).
   */
  recover(): number {
    const stuck = this.#store.inState('sending');
    for (const record of stuck) this.#unknown(record, 'the daemon stopped while this message was being sent');
    return stuck.length;
  }

  /** Sends whatever can be sent now. Cheap to call often; one drain runs at a time. */
  kick(): void {
    if (this.#closing.signal.aborted) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain()
      .catch(async (error: unknown) => {
        // A store that fails (disk full) must not crash the process: the message stays where the
        // store has it, and the drain is tried again after a pause.
        this.#logger.error({ err: error }, 'outbox drain failed; retrying');
        this.#again = await this.#wait(this.#nextRetryDelay());
      })
      .finally(() => {
        this.#draining = undefined;
        if (this.#again) this.kick();
      });
  }

  /** Stops sending; waits up to `graceMs` for the send in flight, then abandons it (its outcome becomes unknown). */
  async close(options: { readonly graceMs?: number } = {}): Promise<void> {
    this.#closing.abort();
    this.#unsubscribeGate();
    const draining = this.#draining;
    if (!draining) return;
    const grace = options.graceMs ?? 0;
    const timer = this.#clock.setTimeout(() => this.#inFlight?.deadline.abort(), grace);
    await draining;
    this.#clock.clearTimeout(timer);
  }

  async #drain(): Promise<void> {
    this.#again = false;
    while (!this.#closing.signal.aborted && this.#canSend() && this.#gate.isOpen) {
      const head = this.#store.head();
      if (!head) {
        this.#onIdle();
        return;
      }
      if (head.expiresAt !== undefined && head.expiresAt <= this.#clock.now()) {
        this.#apply(head.id, { state: 'failed', error: 'expired' }, 'message expired');
        continue;
      }
      const paceMs = this.#pacer?.reserve() ?? 0;
      if (paceMs > 0) {
        if (!(await this.#wait(paceMs))) return;
        continue; // the queue, the link or the gate may have changed while we waited
      }
      const delayMs = await this.#sendOne(head);
      if (delayMs > 0 && !(await this.#wait(delayMs))) return;
    }
  }

  /** Waits unless closed meanwhile; false when closed. */
  async #wait(ms: number): Promise<boolean> {
    try {
      await sleep(this.#clock, ms, this.#closing.signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends the head and applies the outcome; returns how long to wait before the next send. */
  async #sendOne(head: OutboxRecord<M>): Promise<number> {
    const sending = this.#apply(head.id, { state: 'sending', attempts: head.attempts + 1 }, 'message sending');
    const deadline = new AbortController();
    this.#inFlight = { id: head.id, deadline };
    const timer = this.#clock.setTimeout(() => deadline.abort(), this.#sendTimeoutMs);
    const started = this.#clock.now();
    let outcome: SendOutcome;
    try {
      outcome = await this.#send(sending.payload, { signal: deadline.signal, onLateOutcome: (late) => this.#late(head.id, late) });
    } catch (error) {
      // A transport must never throw; if one does, nobody knows what happened on the wire.
      outcome = { kind: 'unknown', error: `transport threw: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      this.#clock.clearTimeout(timer);
      this.#inFlight = undefined;
    }
    this.#onOutcome({ id: head.id, outcome, durationMs: this.#clock.now() - started });
    return this.#settle(sending, outcome);
  }

  #settle(record: OutboxRecord<M>, outcome: SendOutcome): number {
    const id = record.id;
    switch (outcome.kind) {
      case 'sent':
        this.#retryStreak = 0;
        this.#gate.recordSuccess();
        this.#apply(
          id,
          { state: 'sent', retriableFailures: 0, signalTimestamp: outcome.timestamp, error: partial(outcome.partialFailures) },
          'message sent',
        );
        return 0;
      case 'failed':
        this.#retryStreak = 0;
        this.#apply(id, { state: 'failed', error: outcome.error }, 'message failed');
        return 0;
      case 'not-sent':
        this.#apply(id, { state: 'queued', error: outcome.error }, 'message not sent; stays queued');
        return this.#nextRetryDelay();
      case 'retriable': {
        const failures = record.retriableFailures + 1;
        if (failures >= this.#maxRetriable) {
          this.#apply(id, { state: 'failed', retriableFailures: failures, error: outcome.error }, 'message failed after retries');
          return 0;
        }
        this.#apply(id, { state: 'queued', retriableFailures: failures, error: outcome.error }, 'message send failed; will retry');
        return this.#nextRetryDelay();
      }
      case 'backend-not-ready':
        this.#apply(id, { state: 'queued', error: outcome.error }, 'backend not ready; message stays queued');
        this.#gate.pause('backend-not-ready', { error: outcome.error });
        return 0;
      case 'unauthorized':
        // Signal refused the account before anything went out: not ambiguous, not an attempt
        // that counts towards failing the message.
        this.#apply(id, { state: 'queued', error: outcome.error }, 'account unauthorized; message stays queued');
        this.#gate.pause('unauthorized', { error: outcome.error });
        return 0;
      case 'rate-limited':
        this.#apply(id, { state: 'queued', ambiguous: true, error: outcome.error }, 'rate limited; message stays queued');
        this.#gate.pause('rate-limited', { error: outcome.error, ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }) });
        return 0;
      case 'captcha-required':
        this.#apply(id, { state: 'queued', ambiguous: true, error: outcome.error }, 'captcha required; message stays queued');
        this.#gate.pause('captcha-required', { error: outcome.error, challengeToken: outcome.challengeToken });
        return 0;
      case 'unknown':
        this.#unknown(record, outcome.error);
        this.#gate.pause('send-timeout', { error: outcome.error });
        return 0;
    }
  }

  #unknown(record: OutboxRecord<M>, error: string): void {
    if (this.#unknownPolicy === 'at-least-once' && record.unknownResends < 1) {
      this.#apply(record.id, { state: 'queued', ambiguous: true, unknownResends: record.unknownResends + 1, error }, 'outcome unknown; will resend once');
    } else {
      this.#apply(record.id, { state: 'unknown', ambiguous: true, error }, 'outcome unknown');
    }
  }

  /** A late answer to an unknown send: if it says sent, believe it, unless the message moved on. */
  #late(id: string, outcome: SendOutcome): void {
    const record = this.#store.get(id);
    if (outcome.kind !== 'sent' || !record || (record.state !== 'queued' && record.state !== 'unknown')) return;
    this.#apply(id, { state: 'sent', signalTimestamp: outcome.timestamp, error: undefined }, 'late answer: message was sent');
  }

  #nextRetryDelay(): number {
    return backoffDelay(this.#retryBackoff, this.#retryStreak++, this.#random);
  }

  #apply(id: string, patch: RecordPatch, event: string): OutboxRecord<M> {
    const record = this.#store.update(id, patch, this.#clock.now());
    this.#logger.info({ id, state: record.state, attempts: record.attempts, ambiguous: record.ambiguous, error: record.error }, event);
    this.#emit(record);
    return record;
  }

  #require(id: string): OutboxRecord<M> {
    const record = this.#store.get(id);
    if (!record) throw new ConflictError(`no message ${id}`);
    return record;
  }

  #emit(record: OutboxRecord<M>): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(record);
      } catch (error) {
        this.#logger.error({ err: error, id: record.id }, 'message listener failed');
      }
    }
  }
}

function partial(failures: readonly { recipient: string; reason: string }[] | undefined): string | undefined {
  if (!failures || failures.length === 0) return undefined;
  return `not delivered to ${failures.length} recipient(s): ${failures.map((failure) => failure.reason).join(', ')}`;
}
