// The daemon's operations, as the control API and the compat endpoint call them: submit (one
// message or a batch), read and list, retry, cancel, the captcha challenge, status, readiness and
// health, and event subscriptions. It depends on ports (store, Signal side, clock, logger) and
// throws AppError with a protocol code; it knows nothing of HTTP.
import type { Clock, Logger } from '@tether/core';
import type { Message, MessageState, Status } from '../protocol/index.js';
import { AppError, fromCoreError } from './errors.js';
import type { EventFeed } from './event-feed.js';
import type { EventLog } from './event-log.js';
import type { Housekeeping } from './housekeeping.js';
import type { IncomingHandler } from './incoming.js';
import { Intake } from './intake.js';
import { parseSubmission, type InputLimits } from './message-input.js';
import type { MessageRecord, SignalSide, Store } from './ports.js';
import { presentRecord, presentStatus, presentSummary } from './present.js';
import type { WebhookDeliverer } from './webhooks.js';

export interface ServiceOptions {
  readonly account: string;
  readonly store: Store;
  readonly signal: SignalSide;
  readonly events: EventLog;
  readonly feed: EventFeed;
  readonly incoming: IncomingHandler;
  readonly housekeeping: Housekeeping;
  readonly webhook?: WebhookDeliverer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxAttachmentBytes: number;
  /** Deadline of a challenge submission. */
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly pid: number;
}

export interface Submitted {
  readonly created: boolean;
  readonly messages: readonly Message[];
  readonly batch: boolean;
}

/** How many loss windows status shows (the newest). */
const SHOWN_LOSS_WINDOWS = 20;

export class TetherService {
  readonly startedAt: number;
  readonly #options: ServiceOptions;
  readonly #intake: Intake;
  #closing: Promise<void> | undefined;

  constructor(options: ServiceOptions) {
    this.#options = options;
    this.startedAt = options.clock.now();
    const outbox = options.signal.channel.outbox;
    this.#intake = new Intake({ store: options.store.messages, now: () => options.clock.now(), committed: (records) => outbox.adopt(records) });
  }

  get account(): string {
    return this.#options.account;
  }

  get feed(): EventFeed {
    return this.#options.feed;
  }

  get events(): EventLog {
    return this.#options.events;
  }

  /** Input limits for the request being parsed now. */
  limits(): InputLimits {
    return { maxAttachmentBytes: this.#options.maxAttachmentBytes, now: this.#options.clock.now() };
  }

  /** Checks and commits `POST /v1/messages` (one message or `{ messages }`); answers once durable. */
  async submit(body: unknown, idempotencyKey?: string): Promise<Submitted> {
    const { submission, batch } = parseSubmission(body, this.limits(), idempotencyKey);
    const result = await this.#intake.submit(submission);
    if (submission.messages.some((message) => message.expiresAt !== undefined)) this.#options.housekeeping.scheduleExpiry();
    return { created: result.created, batch, messages: result.records.map((record) => presentRecord(record)) };
  }

  /** Commits an already checked submission (the compat endpoint's sends). */
  async submitChecked(submission: Parameters<Intake['submit']>[0]): Promise<{ readonly created: boolean; readonly records: readonly MessageRecord[] }> {
    return this.#intake.submit(submission);
  }

  async message(id: string): Promise<Message> {
    return presentRecord(await this.#require(id), true);
  }

  /** The stored record behind a message (with its payload), for in-process consumers. */
  async record(id: string): Promise<MessageRecord | undefined> {
    return this.#options.store.messages.get(id);
  }

  async messages(query: { readonly state?: MessageState; readonly limit: number; readonly before?: string }): Promise<Message[]> {
    return (await this.#options.store.messages.list(query)).map(presentSummary);
  }

  async retry(id: string): Promise<Message> {
    await this.#require(id);
    return presentRecord(await this.#outbox(() => this.#options.signal.channel.outbox.retry(id)));
  }

  async cancel(id: string): Promise<Message> {
    await this.#require(id);
    return presentRecord(await this.#outbox(() => this.#options.signal.channel.outbox.cancel(id)));
  }

  async challenge(token: string, captcha: string): Promise<Status['gate']> {
    const { signal, logger, requestTimeoutMs, clock } = this.#options;
    const solved = captcha.replace(/^signalcaptcha:\/\//, '');
    // a bare scheme is no captcha: the client's mistake, not the backend's refusal
    if (solved === '') throw new AppError('invalid-captcha', 'captcha must be the solved captcha (signalcaptcha://…)', { field: 'captcha' });
    const deadline = new AbortController();
    const timer = clock.setTimeout(() => deadline.abort(), requestTimeoutMs);
    let refusal: string | undefined;
    try {
      refusal = await signal.submitChallenge(token, solved, deadline.signal);
    } finally {
      clock.clearTimeout(timer);
    }
    if (refusal !== undefined) throw new AppError('challenge-failed', `the backend refused the challenge: ${refusal}`);
    logger.info({}, 'rate-limit challenge submitted');
    signal.channel.gate.open('challenge submitted');
    return (await this.status()).gate;
  }

  async status(): Promise<Status> {
    const { signal, store, webhook, account, pid } = this.#options;
    const [channel, stored, webhookStatus] = await Promise.all([signal.channel.status(), store.lossWindows.recent(SHOWN_LOSS_WINDOWS), webhook?.status()]);
    const status = presentStatus({
      channel,
      backend: signal.backend(),
      lossWindows: [...stored, ...signal.openLossWindows()],
      account,
      pid,
      startedAt: this.startedAt,
    });
    return webhookStatus ? { ...status, webhook: webhookStatus } : status;
  }

  /** Link connected (or syncing) and the gate not paused for a backend that is not ready. */
  ready(): boolean {
    const { connection, gate } = this.#options.signal.channel;
    return connection.isUp && !(gate.state.state === 'paused' && gate.state.reason === 'backend-not-ready');
  }

  /** Process alive and database writable; never depends on Signal. */
  async healthy(): Promise<boolean> {
    return this.#options.store.writable(this.#options.clock.now());
  }

  /**
   * Stops intake (later sends are refused with `shutting-down`), lets the send in flight finish
   * within the shutdown timeout, and stops everything that writes. Reads keep working; the store
   * stays open for whoever closes it last.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const { signal, webhook, feed, housekeeping, incoming, events, shutdownTimeoutMs } = this.#options;
      this.#intake.close();
      await housekeeping.close();
      await signal.close({ graceMs: shutdownTimeoutMs });
      await webhook?.close();
      await incoming.settled();
      await events.flush();
      feed.close();
    })();
    return this.#closing;
  }

  async #require(id: string): Promise<MessageRecord> {
    const record = await this.#options.store.messages.get(id);
    if (!record) throw new AppError('not-found', `no message ${id}`);
    return record;
  }

  async #outbox(operation: () => MessageRecord | Promise<MessageRecord>): Promise<MessageRecord> {
    try {
      return await operation();
    } catch (error) {
      throw fromCoreError(error);
    }
  }
}
