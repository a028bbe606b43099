// The outbox engine: takes the oldest queued message, sends it with a deadline and an idempotency
// key, and applies the outcome as outcome-plan.ts says. One send at a time, never pipelined; the
// head stays the head until its outcome is stored, so order holds across failures, reconnects,
// restarts and a store that fails. Store changes run one at a time, each followed by its event.
// The bookkeeping stays off the wire's path: while a send is in flight the next head is read, and
// its outcome and the next message's claim are stored in one write (`store.updateMany`).
import { backoffPolicy, backoffDelay, type BackoffPolicy } from './backoff.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { ConflictError } from './errors.js';
import { Emitter, type Disposer, type Event } from './event.js';
import { noopLogger, type Logger } from './logger.js';
import { planOutcome, planUnknown, type OutcomePlan, type UnknownPolicy } from './outcome-plan.js';
import { patchRecord, type OutboxRecord, type OutboxStore, type RecordChange, type RecordPatch } from './outbox-store.js';
import { applyReceipt } from './outbox-receipts.js';
import { Pacer, type PacingOptions } from './pacer.js';
import type { SendGate } from './send-gate.js';
import type { Receipt } from './transport.js';
import type { SendOptionsV2, SendOutcomeV2 } from './transport-v2.js';

export type { UnknownPolicy } from './outcome-plan.js';

export interface OutboxOptions<M> {
  readonly store: OutboxStore<M>;
  /** A v2 send (`toTransportV2(transport).send`). */
  readonly send: (payload: M, options: SendOptionsV2) => Promise<SendOutcomeV2>;
  readonly gate: SendGate;
  /** Whether the link is up. */
  readonly canSend: () => boolean;
  /**
   * Asked right before every send: false sends nothing (the outcome is `not-sent`). For a
   * permission that can lapse while a message is already claimed, such as a leader's lease.
   * @default always true
   */
  readonly mayAct?: () => boolean;
  /** Called when a drain finds the queue empty (the backlog is gone). @default nothing */
  readonly onIdle?: () => void;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default noopLogger */
  readonly logger?: Logger;
  /** What an unknown outcome leads to (DECISIONS.md §2). @default 'at-least-once' */
  readonly unknownPolicy?: UnknownPolicy;
  /** Deadline of one send. @default 30_000 */
  readonly sendTimeoutMs?: number;
  /** Retriable failures before a message fails. @default 3 */
  readonly maxRetriableAttempts?: number;
  /** Wait before resending after `not-sent` or `retriable`. @default 1 s, ×2, cap 30 s, equal jitter */
  readonly retryBackoff?: BackoffPolicy;
  /** Optional pacing of sends. @default unpaced */
  readonly pacing?: PacingOptions;
  /** Every send's outcome as the transport reported it, with its duration (metrics). @default nothing */
  readonly onOutcome?: (event: SendOutcomeEvent) => void;
}

export interface SendOutcomeEvent {
  readonly id: string;
  readonly outcome: SendOutcomeV2;
  readonly durationMs: number;
}

export const OUTBOX_DEFAULTS = Object.freeze({
  unknownPolicy: 'at-least-once' as UnknownPolicy,
  sendTimeoutMs: 30_000,
  maxRetriableAttempts: 3,
  retryBackoff: Object.freeze({ initialMs: 1_000, factor: 2, maxMs: 30_000, jitter: 'equal' }) as BackoffPolicy,
});

type Step<M> =
  | { readonly kind: 'stop' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'next' }
  | { readonly kind: 'pace'; readonly ms: number }
  | { readonly kind: 'send'; readonly record: OutboxRecord<M> };

export class Outbox<M> {
  readonly #store: OutboxStore<M>;
  readonly #send: OutboxOptions<M>['send'];
  readonly #gate: SendGate;
  readonly #canSend: () => boolean;
  readonly #mayAct: () => boolean;
  readonly #onIdle: () => void;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #policy: { readonly unknownPolicy: UnknownPolicy; readonly maxRetriableAttempts: number };
  readonly #sendTimeoutMs: number;
  readonly #retryBackoff: BackoffPolicy;
  readonly #changes: Emitter<OutboxRecord<M>>;
  readonly #closing = new AbortController();
  readonly #pacer: Pacer | undefined;
  readonly #onOutcome: (event: SendOutcomeEvent) => void;
  readonly #unsubscribeGate: Disposer;
  /** The end of the chain of store changes: each waits for the one before. */
  #tail: Promise<unknown> = Promise.resolve();
  #draining: Promise<void> | undefined;
  #again = false;
  #inFlight: { id: string; deadline: AbortController } | undefined;
  /** An outcome whose store change failed: applied before anything else is sent. */
  #unsettled: { record: OutboxRecord<M>; outcome: SendOutcomeV2 } | undefined;
  /** A late answer that came while its send was still being settled. */
  #earlyLate: { id: string; outcome: SendOutcomeV2 } | undefined;
  #retryStreak = 0;
  #backlog = false;
  #warnedNoReceipts = false;

  /** Every change of a message's state or fields, in the order the store took them. */
  readonly onChange: Event<OutboxRecord<M>>;

  constructor(options: OutboxOptions<M>) {
    this.#store = options.store;
    this.#send = options.send;
    this.#gate = options.gate;
    this.#canSend = options.canSend;
    this.#mayAct = options.mayAct ?? (() => true);
    this.#onIdle = options.onIdle ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'outbox' });
    this.#policy = {
      unknownPolicy: options.unknownPolicy ?? OUTBOX_DEFAULTS.unknownPolicy,
      maxRetriableAttempts: options.maxRetriableAttempts ?? OUTBOX_DEFAULTS.maxRetriableAttempts,
    };
    this.#sendTimeoutMs = options.sendTimeoutMs ?? OUTBOX_DEFAULTS.sendTimeoutMs;
    this.#retryBackoff = backoffPolicy(options.retryBackoff ?? OUTBOX_DEFAULTS.retryBackoff);
    this.#pacer = options.pacing ? new Pacer(this.#clock, options.pacing) : undefined;
    this.#onOutcome = options.onOutcome ?? (() => {});
    this.#changes = new Emitter({ logger: this.#logger, name: 'message change' });
    this.onChange = this.#changes.event;
    this.#unsubscribeGate = this.#gate.onChange((change) => {
      if (change.to.state === 'open') this.kick();
    });
  }

  /** The id of the message being sent right now. */
  get inFlight(): string | undefined {
    return this.#inFlight?.id;
  }

  /** Whether queued messages are known to wait (decides `syncing` over `connected` at link-up). */
  get hasBacklog(): boolean {
    return this.#backlog;
  }

  /** Commits the message (the store decides durability), then tries to send. Resolves once committed. */
  enqueue(payload: M, options: { readonly expiresAt?: number } = {}): Promise<OutboxRecord<M>> {
    return this.#exclusive(async () => {
      const record = await this.#store.add(payload, { now: this.#clock.now(), ...options });
      this.#backlog = true;
      this.#logger.debug({ id: record.id }, 'message queued');
      this.#changes.emit(record);
      this.kick();
      return record;
    });
  }

  /**
   * Announces messages the caller committed to the store itself (a group commit), then sends.
   * Synchronous on purpose: call it in the same turn as the commit, so no send overtakes the
   * announcement.
   */
  adopt(records: readonly OutboxRecord<M>[]): void {
    if (records.length > 0) this.#backlog = true;
    for (const record of records) {
      this.#logger.debug({ id: record.id }, 'message queued');
      this.#changes.emit(record);
    }
    this.kick();
  }

  /** Puts a failed or unknown message back in the queue, at the back. */
  retry(id: string): Promise<OutboxRecord<M>> {
    return this.#exclusive(async () => {
      const record = await this.#require(id);
      if (record.state !== 'failed' && record.state !== 'unknown') throw new ConflictError(`message ${id} is ${record.state}; only failed or unknown messages can be retried`);
      await this.#store.update(id, { retriableFailures: 0, error: undefined }, this.#clock.now());
      const requeued = await this.#store.requeue(id, this.#clock.now());
      this.#backlog = true;
      this.#logger.info({ id }, 'message requeued by request');
      this.#changes.emit(requeued);
      this.kick();
      return requeued;
    });
  }

  /** Cancels a queued or unknown message: it becomes `failed` with reason `cancelled`. */
  cancel(id: string): Promise<OutboxRecord<M>> {
    return this.#exclusive(async () => {
      const record = await this.#require(id);
      if (record.state !== 'queued' && record.state !== 'unknown') throw new ConflictError(`message ${id} is ${record.state}; only queued or unknown messages can be cancelled`);
      const cancelled = await this.#apply(id, { state: 'failed', error: 'cancelled' }, 'message cancelled');
      this.kick(); // the queue may be empty now: syncing becomes connected
      return cancelled;
    });
  }

  /** Fails a queued message whose `expiresAt` has passed (the store found it; the head check would too, later). */
  expire(id: string): Promise<OutboxRecord<M> | undefined> {
    return this.#exclusive(async () => {
      const record = await this.#store.get(id);
      if (!record || record.state !== 'queued' || record.expiresAt === undefined || record.expiresAt > this.#clock.now()) return undefined;
      const expired = await this.#apply(id, { state: 'failed', error: 'expired' }, 'message expired');
      this.kick();
      return expired;
    });
  }

  /**
   * After a crash, messages left `sending` may or may not have gone out: they become unknown and
   * follow the unknown policy (at-least-once: resent once, in their place). Resolves with how many.
   */
  recover(): Promise<number> {
    return this.#exclusive(async () => {
      const stuck = await this.#store.inState('sending');
      for (const record of stuck) await this.#applyPlan(record, planUnknown(record, 'the process stopped while this message was being sent', this.#policy.unknownPolicy));
      this.#backlog = (await this.#store.head()) !== undefined;
      return stuck.length;
    });
  }

  /** Moves the messages a receipt names forward (sent → delivered → read); needs `store.findByBackendId`. */
  applyReceipt(receipt: Receipt): Promise<void> {
    if (!this.#store.findByBackendId) {
      if (!this.#warnedNoReceipts) this.#logger.warn({ type: receipt.type }, 'the outbox store cannot find messages by backend id; receipts are ignored');
      this.#warnedNoReceipts = true;
      return Promise.resolve();
    }
    return this.#exclusive(() => applyReceipt(this.#store, receipt, (id, patch, event) => this.#apply(id, patch, event)));
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
        // store has it (an outcome not yet stored is kept), and the drain is tried again later.
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
    const timer = this.#clock.setTimeout(() => this.#inFlight?.deadline.abort(), options.graceMs ?? 0);
    await draining;
    this.#clock.clearTimeout(timer);
  }

  async #drain(): Promise<void> {
    this.#again = false;
    const unsettled = this.#unsettled;
    if (unsettled) await this.#settle(unsettled.record, unsettled.outcome, undefined);
    /** A message already marked sending together with the previous outcome: it goes out next, whatever else changed. */
    let claimed: OutboxRecord<M> | undefined;
    while (claimed || (!this.#closing.signal.aborted && this.#canSend() && this.#gate.isOpen)) {
      if (!claimed) {
        const step = await this.#exclusive(() => this.#next());
        if (step.kind === 'stop') return;
        if (step.kind === 'idle') return this.#onIdle();
        if (step.kind === 'next') continue;
        if (step.kind === 'pace') {
          if (!(await this.#wait(step.ms))) return;
          continue; // the queue, the link or the gate may have changed while we waited
        }
        claimed = step.record;
      }
      const { delayMs, next } = await this.#sendOne(claimed);
      claimed = next;
      if (delayMs > 0 && !(await this.#wait(delayMs))) return;
    }
  }

  /** Looks at the head and, when it may go, marks it sending. Runs inside the chain of changes. */
  async #next(): Promise<Step<M>> {
    if (this.#closing.signal.aborted || !this.#canSend() || !this.#gate.isOpen) return { kind: 'stop' };
    const head = await this.#store.head();
    if (!head) {
      this.#backlog = false;
      return { kind: 'idle' };
    }
    if (head.expiresAt !== undefined && head.expiresAt <= this.#clock.now()) {
      await this.#apply(head.id, { state: 'failed', error: 'expired' }, 'message expired');
      return { kind: 'next' };
    }
    const paceMs = this.#pacer?.reserve() ?? 0;
    if (paceMs > 0) return { kind: 'pace', ms: paceMs };
    return { kind: 'send', record: await this.#apply(head.id, { state: 'sending', attempts: head.attempts + 1 }, 'message sending') };
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

  /**
   * Sends the record (already `sending`) and stores the outcome; returns how long to wait before
   * the next send, and the next message when it could be claimed in the same write.
   */
  async #sendOne(record: OutboxRecord<M>): Promise<{ readonly delayMs: number; readonly next?: OutboxRecord<M> }> {
    const deadline = new AbortController();
    this.#inFlight = { id: record.id, deadline };
    const timer = this.#clock.setTimeout(() => deadline.abort(), this.#sendTimeoutMs);
    const started = this.#clock.now();
    let outcome: SendOutcomeV2;
    let upcoming: Promise<OutboxRecord<M> | undefined> | undefined;
    try {
      const sending = this.#mayAct()
        ? this.#send(record.payload, { signal: deadline.signal, idempotencyKey: record.id, onLateOutcome: (late) => this.#late(record.id, late) })
        : Promise.resolve<SendOutcomeV2>({ kind: 'not-sent', error: 'no permission to act right now (mayAct)' });
      // The request is on its way: read the next head meanwhile (a read; the claim checks it still holds).
      upcoming = this.#pacer || !this.#store.updateMany ? undefined : this.#peek();
      outcome = await sending;
    } catch (error) {
      // A transport must never throw; if one does, nobody knows what happened on the wire, and
      // the backend may still be working on it: treated as a deadline.
      outcome = { kind: 'unknown', reason: 'deadline', error: `transport threw: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      this.#clock.clearTimeout(timer);
      this.#unsettled = { record, outcome: outcome! };
      this.#inFlight = undefined;
    }
    try {
      this.#onOutcome({ id: record.id, outcome, durationMs: this.#clock.now() - started });
    } catch (error) {
      this.#logger.error({ err: error }, 'outcome listener failed');
    }
    const { plan, next } = await this.#settle(record, outcome, upcoming);
    return plan.backoff ? { delayMs: this.#nextRetryDelay() } : { delayMs: 0, ...(next ? { next } : {}) };
  }

  /** The oldest queued message, read outside the chain of changes; undefined when the read fails. */
  async #peek(): Promise<OutboxRecord<M> | undefined> {
    try {
      return await this.#store.head();
    } catch {
      return undefined;
    }
  }

  /**
   * Stores an outcome. When the queue can move on at once (the message left the queue for good, no
   * pause, no backoff, the link up, the head read during the send still queued and not expired),
   * the next message is marked sending in the same write and returned.
   */
  #settle(record: OutboxRecord<M>, outcome: SendOutcomeV2, upcoming: Promise<OutboxRecord<M> | undefined> | undefined): Promise<{ readonly plan: OutcomePlan; readonly next?: OutboxRecord<M> }> {
    return this.#exclusive(async () => {
      const plan = planOutcome(record, outcome, this.#policy);
      const late = this.#earlyLate;
      this.#earlyLate = undefined;
      // a message that goes back to the queue keeps its place: then the head is read again, never a peek
      const movesOn = plan.patch.state !== undefined && plan.patch.state !== 'queued' && !plan.pause && !plan.backoff;
      const candidate = late?.id === record.id || !movesOn ? undefined : await upcoming;
      const claimable =
        candidate !== undefined &&
        candidate.id !== record.id &&
        this.#store.updateMany !== undefined &&
        !this.#closing.signal.aborted &&
        this.#canSend() &&
        this.#gate.isOpen &&
        (candidate.expiresAt === undefined || candidate.expiresAt > this.#clock.now());
      let next: OutboxRecord<M> | undefined;
      if (claimable) next = await this.#applyWithClaim(record, plan, candidate);
      else await this.#apply(record.id, plan.patch, plan.event);
      this.#unsettled = undefined;
      if (plan.success) this.#gate.recordSuccess();
      if (plan.pause) this.#gate.pause(plan.pause.reason, plan.pause.details);
      if (plan.success || plan.patch.state === 'failed') this.#retryStreak = 0;
      if (late?.id === record.id) await this.#applyLate(late.id, late.outcome);
      return next ? { plan, next } : { plan };
    });
  }

  /** The outcome and the next claim in one write; if the next message moved meanwhile, the outcome alone. */
  async #applyWithClaim(record: OutboxRecord<M>, plan: OutcomePlan, candidate: OutboxRecord<M>): Promise<OutboxRecord<M> | undefined> {
    const now = this.#clock.now();
    const claim: RecordPatch = { state: 'sending', attempts: candidate.attempts + 1 };
    const changes: RecordChange<M>[] = [
      { record, patch: plan.patch },
      { record: candidate, patch: claim, expect: 'queued' },
    ];
    try {
      await this.#store.updateMany!(changes, now);
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      await this.#apply(record.id, plan.patch, plan.event);
      return undefined;
    }
    this.#announce(patchRecord(record, plan.patch, now), plan.event);
    const next = patchRecord(candidate, claim, now);
    this.#announce(next, 'message sending');
    return next;
  }

  async #applyPlan(record: OutboxRecord<M>, plan: OutcomePlan): Promise<void> {
    await this.#apply(record.id, plan.patch, plan.event);
    if (plan.success) this.#gate.recordSuccess();
    if (plan.pause) this.#gate.pause(plan.pause.reason, plan.pause.details);
  }

  /** A late answer to an unknown send: if it says sent, believe it, unless the message moved on. */
  #late(id: string, outcome: SendOutcomeV2): void {
    if (this.#inFlight?.id === id || this.#unsettled?.record.id === id) {
      this.#earlyLate = { id, outcome };
      return;
    }
    this.#exclusive(() => this.#applyLate(id, outcome)).catch((error: unknown) => this.#logger.error({ err: error, id }, 'late answer could not be stored'));
  }

  async #applyLate(id: string, outcome: SendOutcomeV2): Promise<void> {
    if (outcome.kind !== 'sent') return;
    const record = await this.#store.get(id);
    if (!record || (record.state !== 'queued' && record.state !== 'unknown')) return;
    await this.#apply(id, { state: 'sent', backendId: outcome.backendId, error: undefined }, 'late answer: message was sent');
  }

  #nextRetryDelay(): number {
    return backoffDelay(this.#retryBackoff, this.#retryStreak++, this.#random);
  }

  async #apply(id: string, patch: RecordPatch, event: string): Promise<OutboxRecord<M>> {
    const record = await this.#store.update(id, patch, this.#clock.now());
    this.#announce(record, event);
    return record;
  }

  /** Logs a stored change (a send starting only at debug: its outcome says the rest) and tells the listeners. */
  #announce(record: OutboxRecord<M>, event: string): void {
    const fields = { id: record.id, state: record.state, attempts: record.attempts, ambiguous: record.ambiguous, error: record.error };
    if (record.state === 'sending') this.#logger.debug(fields, event);
    else this.#logger.info(fields, event);
    this.#changes.emit(record);
  }

  async #require(id: string): Promise<OutboxRecord<M>> {
    const record = await this.#store.get(id);
    if (!record) throw new ConflictError(`no message ${id}`);
    return record;
  }

  /** Runs `work` after every change before it, so the store sees changes one at a time, in order. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => {});
    return result;
  }
}
