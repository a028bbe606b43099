// The daemon's composition root: the lock, SQLite (outbox and event log), the Signal channel
// with its transport, and the operations the control API exposes. It is the only place that
// wires these together; the API layer only translates HTTP to these calls.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, OutboxFullError, DEFAULT_BACKOFF, LOSS_PRONE_BACKOFF, systemClock, type BackoffPolicy, type ChannelStatus, type Clock, type GateState, type LinkChange, type OutboxRecord } from '@tether/core';
import { createSignalChannel, dedupeKey, parseSignalUrl, maskPhoneNumber, type IncomingEvent, type LossWindow, type OutgoingMessage, type SignalChannel } from '@tether/signal-transport';
import { ApiError } from './api/http-util.js';
import { EventHub } from './api/event-hub.js';
import type { MessageInput } from './api/message-input.js';
import { Intake, type IntakeResult } from './intake.js';
import { acquireLock, type Lock } from './lock.js';
import type { DaemonLogger } from './logger.js';
import { presentRecord, presentStatus, presentSummary } from './present.js';
import type { Message, MessageState, Status } from './protocol/index.js';
import type { Settings } from './settings.js';
import { getMeta, openDatabase, setMeta, type Db } from './store/database.js';
import { EventLog, type EventKind, type LoggedEvent } from './store/event-log.js';
import { Metrics } from './metrics.js';
import { WebhookDeliverer } from './webhook.js';
import { ReceiptMap } from './store/receipts.js';
import { SqliteOutboxStore } from './store/sqlite-outbox-store.js';

const HOUR_MS = 3_600_000;
const GATE_KEY = 'send_gate';

/** The backend's preset (DECISIONS.md §3) with TETHER_BACKOFF_INITIAL_MS / _MAX_MS applied. */
export function backoffFor(settings: Settings): BackoffPolicy {
  const endpoint = parseSignalUrl(settings.signalUrl);
  const preset = 'kind' in endpoint && endpoint.kind === 'rest' ? LOSS_PRONE_BACKOFF : DEFAULT_BACKOFF;
  const initialMs = settings.backoffInitialMs ?? preset.initialMs;
  return { ...preset, initialMs, maxMs: Math.max(initialMs, settings.backoffMaxMs ?? preset.maxMs) };
}

export class StartupError extends Error {}

/**
 * The database holds message bodies: every file tetherd creates is private (umask 077), files from
 * an earlier run are made so, and a state directory others can enter is reported.
 */
function privateFiles(stateDir: string, logger: DaemonLogger): void {
  process.umask(0o077);
  for (const name of ['tether.db', 'tether.db-wal', 'tether.db-shm']) {
    try {
      chmodSync(path.join(stateDir, name), 0o600);
    } catch {
      // not there yet
    }
  }
  if ((statSync(stateDir).mode & 0o077) !== 0) logger.warn({ stateDir }, 'the state directory is open to other users; chmod 700 it');
}

export class Gateway {
  readonly settings: Settings;
  readonly startedAt: number;
  readonly hub: EventHub;
  readonly metrics: Metrics;
  readonly #logger: DaemonLogger;
  readonly #clock: Clock;
  readonly #lock: Lock;
  readonly #db: Db;
  readonly #store: SqliteOutboxStore;
  readonly #events: EventLog;
  readonly #receipts: ReceiptMap;
  readonly #signal: SignalChannel;
  readonly #intake: Intake;
  readonly #allowFrom: ReadonlySet<string> | undefined;
  readonly #webhook: WebhookDeliverer | undefined;
  readonly #loggedListeners = new Set<(event: LoggedEvent) => void>();
  #retentionTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(settings: Settings, logger: DaemonLogger, clock: Clock = systemClock) {
    this.settings = settings;
    this.#logger = logger;
    this.#clock = clock;
    this.startedAt = clock.now();
    mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
    privateFiles(settings.stateDir, logger);
    const lock = acquireLock(settings.stateDir, { socket: settings.socket });
    if (!lock.ok) throw new StartupError(`another tetherd already uses ${settings.stateDir}: ${lock.holder}. Stop it first, or give this one its own TETHER_STATE_DIR.`);
    this.#lock = lock.lock;
    try {
      this.#db = openDatabase(path.join(settings.stateDir, 'tether.db'));
    } catch (error) {
      this.#lock.release();
      throw new StartupError(`cannot open the database in ${settings.stateDir}: ${(error as Error).message}`);
    }
    this.#store = new SqliteOutboxStore(this.#db, { maxQueued: settings.outboxMax });
    this.#events = new EventLog(this.#db);
    this.#receipts = new ReceiptMap(this.#db);
    this.hub = new EventHub(this.#events);
    this.metrics = new Metrics({ status: () => this.status(), subscribers: () => this.hub.subscriberCount });
    this.#allowFrom = settings.allowFrom ? new Set(settings.allowFrom.map((entry) => entry.toLowerCase())) : undefined;
    const lastKnown = this.#lastEventAt();
    this.#signal = createSignalChannel({
      url: settings.signalUrl,
      account: settings.account,
      receiveMode: settings.receiveMode,
      logger,
      store: this.#store,
      clock,
      connectTimeoutMs: settings.connectTimeoutMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
      sendTimeoutMs: settings.sendTimeoutMs,
      unknownPolicy: settings.unknownPolicy,
      ...(settings.sendRate === undefined ? {} : { pacing: { ratePerMinute: settings.sendRate, burst: settings.sendBurst ?? 1 } }),
      backoff: backoffFor(settings),
      lossWindowSince: lastKnown ?? this.startedAt,
      onLossWindowClosed: (window) => {
        this.metrics.lossWindow(window);
        this.#db.prepare('INSERT INTO loss_windows (from_at, to_at) VALUES (?, ?)').run(window.from, window.to);
        this.#logger.warn({ from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), ms: window.to - window.from }, 'possible-loss window closed');
      },
      onIncoming: (event) => this.#incoming(event),
      onSendOutcome: (event) => this.metrics.outcome(event),
    });
    this.#webhook = settings.webhookUrl
      ? new WebhookDeliverer({
          url: settings.webhookUrl,
          secret: settings.webhookSecret!,
          db: this.#db,
          events: this.#events,
          logger,
          backoff: { initialMs: Math.min(1_000, settings.webhookRetryMaxMs), factor: 2, maxMs: settings.webhookRetryMaxMs, jitter: 'equal' },
          timeoutMs: 10_000,
          onResult: (result) => this.metrics.webhook(result),
        })
      : undefined;
    this.#intake = new Intake(this.#db, this.#store, this.#signal.channel.outbox, () => clock.now());
    this.#wireEvents();
  }

  /** Recovers messages a crash left in flight and starts connecting. */
  async start(): Promise<void> {
    const channel = this.#signal.channel;
    const { backend } = this;
    this.#logger.info(
      {
        account: maskPhoneNumber(this.settings.account),
        backend: backend.kind,
        url: backend.url,
        receiveMode: backend.kind === 'jsonrpc' ? this.settings.receiveMode : undefined,
        backoff: backoffFor(this.settings),
        connectTimeoutMs: this.settings.connectTimeoutMs,
        heartbeat: { intervalMs: this.settings.heartbeatIntervalMs, timeoutMs: this.settings.heartbeatTimeoutMs },
        sendTimeoutMs: this.settings.sendTimeoutMs,
        unknownPolicy: this.settings.unknownPolicy,
        outboxMax: this.settings.outboxMax,
        queued: this.#store.counts().queued,
      },
      'tetherd starting',
    );
    this.#restoreGate();
    await channel.start();
    this.#webhook?.kick();
    this.#retentionTimer = setInterval(() => this.#purge(), HOUR_MS).unref();
    this.#purge();
    this.#scheduleExpiry();
  }

  get logger(): DaemonLogger {
    return this.#logger;
  }

  /** The Signal transport, for requests passed through as they are (compat endpoint). */
  get transport(): SignalChannel['transport'] {
    return this.#signal.transport;
  }

  /** The link is up (connected or syncing). */
  get linkUp(): boolean {
    return this.#signal.channel.connection.isUp;
  }

  get backend(): Status['backend'] {
    const info = this.#signal.transport.info;
    const lossless = info.kind === 'jsonrpc' && this.settings.receiveMode === 'manual';
    return { ...info, receive: lossless ? 'lossless' : 'best-effort', ...(info.kind === 'jsonrpc' ? { receiveMode: this.settings.receiveMode } : {}) };
  }

  async submit(input: MessageInput, idempotencyKey: string | undefined): Promise<{ readonly created: boolean; readonly message: Message }> {
    const result: IntakeResult = await this.#intake.submit(input, idempotencyKey);
    if (input.expiresAt !== undefined) this.#scheduleExpiry();
    return { created: result.created, message: presentRecord(result.record) };
  }

  getMessage(id: string): Message {
    const record = this.#store.get(id);
    if (!record) throw new ApiError(404, 'not-found', `no message ${id}`);
    return presentRecord(record, true);
  }

  listMessages(options: { readonly state?: MessageState; readonly limit: number }): Message[] {
    return this.#store.list(options).map(presentSummary);
  }

  async retry(id: string): Promise<Message> {
    return presentRecord(await this.#conflictToApi(() => this.#signal.channel.outbox.retry(id)));
  }

  async cancel(id: string): Promise<Message> {
    return presentRecord(await this.#conflictToApi(() => this.#signal.channel.outbox.cancel(id)));
  }

  async challenge(token: string, captcha: string): Promise<void> {
    const error = await this.#signal.transport.submitChallenge(token, captcha, AbortSignal.timeout(this.settings.sendTimeoutMs));
    if (error !== undefined) throw new ApiError(502, 'challenge-failed', `the backend refused the challenge: ${error}`);
    this.#logger.info({}, 'rate-limit challenge submitted');
    this.#signal.channel.gate.open('challenge submitted');
  }

  status(): Status {
    const status = presentStatus({
      channel: this.#channelStatus(),
      backend: this.backend,
      lossWindows: this.lossWindows(),
      account: this.settings.account,
      startedAt: this.startedAt,
    });
    return this.#webhook ? { ...status, webhook: this.#webhook.status() } : status;
  }

  lossWindows(): LossWindow[] {
    const stored = this.#db.prepare('SELECT from_at AS "from", to_at AS "to" FROM loss_windows ORDER BY id DESC LIMIT 20').all() as LossWindow[];
    const open = this.#signal.lossWindows?.list().filter((window) => window.to === undefined) ?? [];
    return [...stored.reverse(), ...open];
  }

  get ready(): boolean {
    const { link, gate } = this.#channelStatus();
    return (link.kind === 'connected' || link.kind === 'syncing') && !(gate.state === 'paused' && gate.reason === 'backend-not-ready');
  }

  /** Process alive and database writable. */
  healthy(): boolean {
    try {
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('health', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(this.#clock.now()));
      return true;
    } catch {
      return false;
    }
  }

  /** Stops intake, lets the send in flight finish within the shutdown timeout, closes everything. */
  async close(): Promise<void> {
    this.#intake.close();
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    await this.#signal.close({ graceMs: this.settings.shutdownTimeoutMs });
    await this.#webhook?.close();
    this.hub.close();
    this.#db.close();
    this.#lock.release();
  }

  /** Every event committed to the log (incoming, state, gate, message), after the commit. */
  onLogged(listener: (event: LoggedEvent) => void): () => void {
    this.#loggedListeners.add(listener);
    return () => this.#loggedListeners.delete(listener);
  }

  /** Logged events after `id`, oldest first. */
  eventsAfter(id: number, limit: number, kind?: EventKind): LoggedEvent[] {
    return this.#events.after(id, limit, kind);
  }

  /** The stored record behind a message (with its payload), for in-process consumers. */
  record(id: string): OutboxRecord<OutgoingMessage> | undefined {
    return this.#store.get(id);
  }

  #publish(event: LoggedEvent): void {
    this.hub.publish(event);
    for (const listener of [...this.#loggedListeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error }, 'event listener failed');
      }
    }
  }

  #incoming(event: IncomingEvent): void {
    const now = this.#clock.now();
    // receipts (about our own messages) and messages from our own devices are never filtered
    const exempt = event.kind === 'receipt' || event.kind === 'sync-sent';
    if (this.#allowFrom && !exempt && !this.#allowed(event)) {
      this.metrics.dropped('not-allowed');
      return;
    }
    // Spooled with signal-cli's raw envelope: the compat WebSocket replays it verbatim (the
    // control API's event stream leaves it out, see EventHub).
    let logged: LoggedEvent | undefined;
    try {
      logged = this.#events.append('incoming', now, event, dedupeKey(event));
    } catch (error) {
      // The backend already handed it over: this is a real loss, and it must be loud.
      this.metrics.dropped('spool-failed');
      this.#logger.error({ err: error, kind: event.kind }, 'incoming event could not be spooled and is lost');
      return;
    }
    if (!logged) {
      this.metrics.dropped('duplicate');
      this.#logger.debug({ kind: event.kind }, 'duplicate incoming event dropped');
      return;
    }
    this.metrics.incoming(event.kind);
    this.#publish(logged);
    this.#webhook?.kick();
    if (event.kind === 'receipt') this.#receipt(event.receiptType, event.timestamps, now);
  }

  #receipt(type: 'delivery' | 'read' | 'viewed', timestamps: readonly number[], now: number): void {
    const { advanced, purged } = this.#receipts.apply(type, timestamps, now);
    for (const id of advanced) {
      const record = this.#store.get(id)!;
      this.#logger.info({ id, state: record.state }, `message ${record.state}`);
      const logged = this.#events.append('message', now, presentRecord(record));
      if (logged) this.#publish(logged);
    }
    if (purged.length > 0) this.#logger.info({ ids: purged, receipt: type }, 'receipt for messages past their retention');
  }

  #allowed(event: IncomingEvent): boolean {
    const { number, uuid } = event.source;
    return (number !== null && this.#allowFrom!.has(number)) || (uuid !== null && this.#allowFrom!.has(uuid.toLowerCase()));
  }

  #wireEvents(): void {
    const channel = this.#signal.channel;
    const log = (kind: EventKind, data: unknown): void => {
      const logged = this.#events.append(kind, this.#clock.now(), data);
      if (logged) this.#publish(logged);
    };
    channel.onLinkChange((change: LinkChange) => {
      this.metrics.link(change);
      log('state', { from: change.from, to: change.to, attempt: change.attempt, delayMs: change.delayMs, cause: change.cause, at: new Date(change.at).toISOString() });
    });
    channel.onGateChange((change) => {
      this.metrics.gate(change);
      const to = change.to;
      log('gate', { state: to.state, ...(to.state === 'paused' ? { reason: to.reason, until: to.until && new Date(to.until).toISOString(), challengeToken: to.challengeToken } : {}), cause: change.cause });
      // a captcha or rate-limit pause outlives a restart: resuming would only hammer Signal again
      const lasting = to.state === 'paused' && (to.reason === 'captcha-required' || to.reason === 'rate-limited');
      setMeta(this.#db, GATE_KEY, lasting ? JSON.stringify(to) : 'open');
    });
    channel.onMessageChange((record) => {
      if (record.state === 'sent' && record.backendId !== undefined) this.#receipts.remember(Number(record.backendId), record.id, this.#clock.now());
      log('message', presentRecord(record));
    });
  }

  /** The channel's status, read synchronously: SQLite answers at once (core's `status()` is async for other stores). */
  #channelStatus(): ChannelStatus {
    const { connection, gate } = this.#signal.channel;
    const { lastError, lastActivityAt } = connection;
    return {
      link: connection.state,
      gate: gate.state,
      outbox: this.#store.counts(),
      ...(lastError === undefined ? {} : { lastError }),
      ...(lastActivityAt === undefined ? {} : { lastActivityAt }),
    };
  }

  async #conflictToApi<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (OutboxFullError.isInstance(error)) throw new ApiError(507, 'outbox-full', error.message);
      if (ConflictError.isInstance(error)) throw new ApiError(error.message.startsWith('no message') ? 404 : 409, error.message.startsWith('no message') ? 'not-found' : 'conflict', error.message);
      throw error;
    }
  }

  #lastEventAt(): number | undefined {
    const row = this.#db.prepare('SELECT MAX(at) AS at FROM events').get() as { at: number | null };
    return row.at ?? undefined;
  }

  #restoreGate(): void {
    const saved = getMeta(this.#db, GATE_KEY);
    if (!saved || saved === 'open') return;
    const gate = JSON.parse(saved) as Extract<GateState, { state: 'paused' }>;
    const now = this.#clock.now();
    const error = gate.error ?? 'paused before the restart';
    if (gate.reason === 'captcha-required') this.#signal.channel.gate.pause('captcha-required', { error, ...(gate.challengeToken ? { challengeToken: gate.challengeToken } : {}) });
    else if (gate.reason === 'rate-limited' && gate.until !== undefined && gate.until > now) this.#signal.channel.gate.pause('rate-limited', { error, retryAfterMs: gate.until - now });
  }

  /** One timer for the earliest expiry among queued messages: a message expires on time even while the link is down. */
  #scheduleExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    const next = this.#store.nextExpiry();
    if (next === undefined) return;
    this.#expiryTimer = setTimeout(() => {
      for (const id of this.#store.dueToExpire(this.#clock.now())) {
        this.#signal.channel.outbox.expire(id).catch((error: unknown) => this.#logger.error({ err: error, id }, 'message could not be expired'));
      }
      this.#scheduleExpiry();
    }, Math.min(Math.max(0, next - this.#clock.now()), HOUR_MS)).unref();
  }

  #purge(): void {
    const now = this.#clock.now();
    const messages = this.#store.purgeFinished(now - this.settings.sentRetentionHours * HOUR_MS);
    const events = this.#events.purge(now - this.settings.inboundRetentionHours * HOUR_MS, now - this.settings.inboundRetentionHours * HOUR_MS);
    // the timestamp map outlives sent rows: four times their retention, at least 30 days
    this.#receipts.purge(now - Math.max(4 * this.settings.sentRetentionHours, 30 * 24) * HOUR_MS);
    if (messages + events > 0) this.#logger.info({ messages, events }, 'retention purge');
  }
}
