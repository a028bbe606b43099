// The daemon's operations, as the control API and the compat endpoint call them: submit (one
// message or a batch), read and list, retry, cancel, the captcha challenge, status, readiness and
// health, and event subscriptions. It depends on ports (store, leadership, the leader's parts,
// clock, logger) and throws AppError with a protocol code; it knows nothing of HTTP. Every
// instance serves all of them; what needs the link goes through the leader's parts when this
// instance leads, and through the store (or a refusal naming the leader) when it stands by.
import { Uploads } from './attachment-upload.js';
import type { Clock, Disposer, Logger } from '@tether/core';
import type { Message, MessageState, Status } from '../protocol/index.js';
import { AppError, fromCoreError } from './errors.js';
import type { EventFeed } from './event-feed.js';
import type { EventLog } from './event-log.js';
import type { IncomingHandler } from './incoming.js';
import { Intake } from './intake.js';
import type { LeaderParts, StartLeader } from './leader-parts.js';
import type { Leadership } from './leadership.js';
import { parseSubmission, type InputLimits } from './message-input.js';
import type { MessageRecord, Store, Submission } from './ports.js';
import { presentRecord, presentStatus, presentSummary, standbyStatus, type LinkSnapshot } from './present.js';

export interface ServiceOptions {
  readonly account: string;
  readonly store: Store;
  readonly events: EventLog;
  readonly feed: EventFeed;
  readonly incoming: IncomingHandler;
  readonly leadership: Leadership;
  /** Builds the leader's parts when this instance takes the lead. */
  readonly startLeader: StartLeader;
  /** What the leader last published about the link (read by standbys). */
  readonly linkSnapshot: () => Promise<LinkSnapshot | undefined>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxAttachmentBytes: number;
  /** Deadline of a challenge submission. */
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly pid: number;
  /** Counted when this instance takes over from another leader (metrics). */
  readonly onFailover?: () => void;
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
  #leader: LeaderParts | undefined;
  /** Starting and stopping the leader's parts, one after another. */
  #transition: Promise<void> = Promise.resolve();
  #stopFollowing: Disposer | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ServiceOptions) {
    this.#options = options;
    this.startedAt = options.clock.now();
    // A standby has no outbox: the leader learns of new messages from the shared store.
    this.#intake = new Intake({ store: options.store.messages, now: () => options.clock.now(), committed: (records) => this.#leader?.signal.channel.outbox.adopt(records) });
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

  /** The leader's parts while this instance leads. */
  get leader(): LeaderParts | undefined {
    return this.#leader;
  }

  /** Follows the leadership: leads now (one tetherd) or when the lease is taken (several). */
  async start(): Promise<void> {
    const { leadership } = this.#options;
    this.#stopFollowing = leadership.onChange((change) => {
      if (change.role === 'leader') this.#lead(change.epoch, change.leader?.epoch !== undefined && change.leader.epoch > 1);
      else this.#standBy();
    });
    // One tetherd leads from the start, and a failure to start its link is a failure to start.
    if (!leadership.shared) this.#leader = await this.#options.startLeader(undefined);
    // a standby knows the leader before the daemon says it listens
    await leadership.start();
  }

  /** Input limits for the request being parsed now. */
  limits(): InputLimits {
    return { maxAttachmentBytes: this.#options.maxAttachmentBytes, now: this.#options.clock.now() };
  }

  /** Checks and commits `POST /v1/messages` (one message or `{ messages }`); answers once durable. */
  /** Where a request's attachments stream to while it is read (discard what no message names once answered). */
  uploads(): Uploads {
    const { store, clock, maxAttachmentBytes, logger } = this.#options;
    return new Uploads(store.blobs, { now: () => clock.now(), maxBytes: maxAttachmentBytes, logger });
  }

  async submit(body: unknown, idempotencyKey?: string): Promise<Submitted> {
    const { submission, batch } = parseSubmission(body, this.limits(), idempotencyKey);
    const result = await this.#intake.submit(submission);
    if (submission.messages.some((message) => message.expiresAt !== undefined)) this.#leader?.housekeeping.scheduleExpiry();
    return { created: result.created, batch, messages: result.records.map((record) => presentRecord(record)) };
  }

  /** Commits an already checked submission (the compat endpoint's sends). */
  async submitChecked(submission: Submission): Promise<{ readonly created: boolean; readonly records: readonly MessageRecord[] }> {
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

  /** Puts a failed or unknown message back in the queue, at the back. */
  async retry(id: string): Promise<Message> {
    const record = await this.#require(id);
    const outbox = this.#leader?.signal.channel.outbox;
    if (outbox) return presentRecord(await this.#core(() => outbox.retry(id)));
    if (record.state !== 'failed' && record.state !== 'unknown') throw new AppError('conflict', `message ${id} is ${record.state}; only failed or unknown messages can be retried`);
    const { messages } = this.#options.store;
    const now = this.#options.clock.now();
    await this.#core(() => messages.updateMany!([{ record, patch: { retriableFailures: 0, error: undefined }, expect: record.state }], now));
    return presentRecord(await this.#core(() => messages.requeue(id, now)));
  }

  /** Cancels a queued or unknown message: it becomes `failed` with reason `cancelled`. */
  async cancel(id: string): Promise<Message> {
    const record = await this.#require(id);
    const outbox = this.#leader?.signal.channel.outbox;
    if (outbox) return presentRecord(await this.#core(() => outbox.cancel(id)));
    if (record.state !== 'queued' && record.state !== 'unknown') throw new AppError('conflict', `message ${id} is ${record.state}; only queued or unknown messages can be cancelled`);
    const now = this.#options.clock.now();
    // only while it is still what we saw: the leader may be claiming it this very moment
    await this.#core(() => this.#options.store.messages.updateMany!([{ record, patch: { state: 'failed', error: 'cancelled' }, expect: record.state }], now));
    return presentRecord(await this.#require(id));
  }

  async challenge(token: string, captcha: string): Promise<Status['gate']> {
    const { logger, requestTimeoutMs, clock, leadership } = this.#options;
    const solved = captcha.replace(/^signalcaptcha:\/\//, '');
    // a bare scheme is no captcha: the client's mistake, not the backend's refusal
    if (solved === '') throw new AppError('invalid-captcha', 'captcha must be the solved captcha (signalcaptcha://…)', { field: 'captcha' });
    const signal = this.#leader?.signal;
    if (!signal) {
      const leader = leadership.leader;
      throw new AppError('conflict', `this tetherd stands by; submit the challenge to the leader${leader ? ` (instance ${leader.instance} on ${leader.host})` : ''}`);
    }
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
    const { store, account, pid, leadership, clock } = this.#options;
    const leader = this.#leader;
    const [stored, counts, webhook] = await Promise.all([store.lossWindows.recent(SHOWN_LOSS_WINDOWS), store.messages.counts(), leader?.webhook?.status()]);
    const role = leadership.shared ? { role: leadership.role, ...(leadership.leader ? { leader: leadership.leader } : {}) } : {};
    if (leader) {
      const channel = await leader.signal.channel.status();
      const status = presentStatus({
        channel: { ...channel, outbox: counts },
        backend: leader.signal.backend(),
        lossWindows: [...stored, ...leader.signal.openLossWindows()],
        account,
        pid,
        startedAt: this.startedAt,
        ...role,
      });
      return webhook ? { ...status, webhook } : status;
    }
    return standbyStatus({ snapshot: await this.#options.linkSnapshot(), outbox: counts, lossWindows: stored, account, pid, startedAt: this.startedAt, now: clock.now(), ...role });
  }

  /**
   * Ready for traffic: leading with the link up and the backend ready; or, standing by, able to
   * take sends (the shared database takes writes).
   */
  async ready(): Promise<boolean> {
    const signal = this.#leader?.signal;
    if (!signal) return this.#options.leadership.role === 'standby' && (await this.healthy());
    const { connection, gate } = signal.channel;
    return connection.isUp && !(gate.state.state === 'paused' && gate.state.reason === 'backend-not-ready');
  }

  /** Process alive and database writable; never depends on Signal. */
  async healthy(): Promise<boolean> {
    return this.#options.store.writable(this.#options.clock.now());
  }

  /**
   * Stops intake (later sends are refused with `shutting-down`), lets the send in flight finish
   * within the shutdown timeout, stops everything that writes, and gives up the lead. Reads keep
   * working; the store stays open for whoever closes it last.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const { feed, incoming, events, leadership, shutdownTimeoutMs } = this.#options;
      this.#intake.close();
      this.#stopFollowing?.();
      await this.#stepDown(shutdownTimeoutMs);
      await leadership.close();
      await incoming.settled();
      await events.flush();
      feed.close();
    })();
    return this.#closing;
  }

  #lead(epoch: number | undefined, failover: boolean): Promise<void> {
    this.#transition = this.#transition.then(async () => {
      if (this.#closing || this.#leader) return;
      try {
        this.#leader = await this.#options.startLeader(epoch);
        if (failover) this.#options.onFailover?.();
      } catch (error) {
        this.#options.logger.error({ err: error }, 'the leader could not start its link; it gives the lead up and tries again later');
        await this.#options.leadership.resign();
      }
    });
    return this.#transition;
  }

  #standBy(): void {
    void this.#stepDown(0);
  }

  #stepDown(graceMs: number): Promise<void> {
    this.#transition = this.#transition.then(async () => {
      const leader = this.#leader;
      this.#leader = undefined;
      await leader?.stop(graceMs).catch((error: unknown) => this.#options.logger.error({ err: error }, 'the leader parts did not stop cleanly'));
    });
    return this.#transition;
  }

  async #require(id: string): Promise<MessageRecord> {
    const record = await this.#options.store.messages.get(id);
    if (!record) throw new AppError('not-found', `no message ${id}`);
    return record;
  }

  async #core<T>(operation: () => T | Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw fromCoreError(error);
    }
  }
}
