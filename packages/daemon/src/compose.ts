// The composition root: the only place that builds the state directory's lock, the database,
// the Signal channel with its transport, webhooks, metrics, the service and its listeners, and
// wires them together. Stopping reverses it: intake refuses first (503 with Retry-After while the
// send in flight finishes), then the listeners close, then the database.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_BACKOFF, LOSS_PRONE_BACKOFF, systemClock, type BackoffPolicy, type Clock } from '@tether/core';
import { createSignalChannel, maskPhoneNumber, parseSignalUrl } from '@tether/signal-transport';
import { createApiHandler } from './api/routes.js';
import { recordChannel, restoreGate } from './app/channel-record.js';
import { EventFeed } from './app/event-feed.js';
import { EventLog } from './app/event-log.js';
import { Housekeeping } from './app/housekeeping.js';
import { IncomingHandler } from './app/incoming.js';
import { hashOf } from './app/message-input.js';
import type { SignalSide } from './app/ports.js';
import { presentRecord } from './app/present.js';
import { TetherService } from './app/service.js';
import { WebhookDeliverer } from './app/webhooks.js';
import { startCompat, type CompatListener } from './compat/server.js';
import type { Settings } from './config/settings.js';
import { listenTcp, listenUnix, type Listener } from './http/server.js';
import { createLogger, type DaemonLogger } from './runtime/logger.js';
import { Metrics } from './runtime/metrics.js';
import { secureStateDir } from './runtime/state-files.js';
import { fetchPoster } from './runtime/webhook-poster.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite/index.js';
import { acquireLock, type Lock } from './store/sqlite/lock.js';

export interface RunningDaemon {
  readonly service: TetherService;
  readonly listeners: { readonly socketPath: string; readonly tcpAddress?: { readonly host: string; readonly port: number }; readonly compat?: { readonly host: string; readonly port: number } };
  readonly logger: DaemonLogger;
  stop(): Promise<void>;
}

/** A start that cannot go on: one line for the operator, exit 1. */
export class StartupError extends Error {}
/** A configuration that cannot work: exit 2. */
export class ConfigError extends Error {}

/** The backend's preset (DECISIONS.md §3) with TETHER_BACKOFF_INITIAL_MS / _MAX_MS applied. */
export function backoffFor(settings: Settings): BackoffPolicy {
  const endpoint = parseSignalUrl(settings.signalUrl);
  const preset = 'kind' in endpoint && endpoint.kind === 'rest' ? LOSS_PRONE_BACKOFF : DEFAULT_BACKOFF;
  const initialMs = settings.backoffInitialMs ?? preset.initialMs;
  return { ...preset, initialMs, maxMs: Math.max(initialMs, settings.backoffMaxMs ?? preset.maxMs) };
}

export async function startDaemon(settings: Settings, logger: DaemonLogger = createLogger(settings.logLevel), clock: Clock = systemClock): Promise<RunningDaemon> {
  const token = readToken(settings);
  // Everything tetherd creates is private from its first moment.
  process.umask(0o077);
  try {
    secureStateDir(settings.stateDir, process.getuid?.() ?? 0, (fields, message) => logger.warn(fields, message));
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  let locked: ReturnType<typeof acquireLock>;
  try {
    locked = acquireLock(settings.stateDir, { socket: settings.socket });
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  if (!locked.ok) throw new StartupError(`another tetherd already uses ${settings.stateDir}: ${locked.holder}. Stop it first, or give this one its own TETHER_STATE_DIR.`);
  const lock = locked.lock;
  let store: SqliteStore;
  // The store logs each message change with the change; the event log (built next) announces it.
  const announce: { to?: EventLog } = {};
  try {
    store = openSqliteStore(path.join(settings.stateDir, 'tether.db'), {
      maxQueued: settings.outboxMax,
      messageEvents: { present: (record) => presentRecord(record), announce: (events) => announce.to?.announce(events) },
    });
  } catch (error) {
    lock.release();
    throw new StartupError((error as Error).message);
  }
  try {
    return await compose(settings, { logger, clock, store, lock, token, announce });
  } catch (error) {
    await store.close();
    lock.release();
    throw error;
  }
}

async function compose(
  settings: Settings,
  parts: { logger: DaemonLogger; clock: Clock; store: SqliteStore; lock: Lock; token: string | undefined; announce: { to?: EventLog } },
): Promise<RunningDaemon> {
  const { logger, clock, store, lock, token } = parts;
  const metrics = new Metrics();
  const events = new EventLog(store.events, logger);
  parts.announce.to = events;
  const feed = new EventFeed(events);
  const incoming = new IncomingHandler({ events, metrics, clock, logger, ...(settings.allowFrom ? { allowFrom: settings.allowFrom } : {}) });
  const signal = signalSide(settings, { logger, clock, store, metrics, incoming, lastKnown: await lastKnown(events, store.meta, clock) });
  const stopRecording = recordChannel({ channel: signal.channel, events, meta: store.meta, metrics, clock, logger });
  const webhook = settings.webhookUrl
    ? new WebhookDeliverer({
        url: settings.webhookUrl,
        secret: settings.webhookSecret!,
        events,
        meta: store.meta,
        deadLetters: store.deadLetters,
        post: fetchPoster(settings.webhookTimeoutMs),
        clock,
        logger,
        backoff: { initialMs: Math.min(1_000, settings.webhookRetryMaxMs), factor: 2, maxMs: settings.webhookRetryMaxMs, jitter: 'equal' },
        onResult: (result) => metrics.webhook(result),
      })
    : undefined;
  if (webhook) events.logged((event) => event.kind === 'incoming' && webhook.kick());
  const housekeeping = new Housekeeping({
    messages: store.messages,
    events: store.events,
    expire: (id) => Promise.resolve(signal.channel.outbox.expire(id)),
    clock,
    logger,
    sentRetentionHours: settings.sentRetentionHours,
    inboundRetentionHours: settings.inboundRetentionHours,
  });
  const service = new TetherService({
    account: settings.account,
    store,
    signal,
    events,
    feed,
    incoming,
    housekeeping,
    ...(webhook ? { webhook } : {}),
    clock,
    logger,
    maxAttachmentBytes: settings.maxAttachmentMb * 1024 * 1024,
    requestTimeoutMs: settings.sendTimeoutMs,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    pid: process.pid,
  });
  metrics.attach({ status: () => service.status(), subscribers: () => feed.subscriberCount });

  // The Unix socket is private to the daemon's user (0600): no token there; TCP always needs one.
  const api = createApiHandler({ service, metrics: () => metrics.render(), logger });
  const listeners: Listener[] = [];
  let compat: CompatListener | undefined;
  const closeListeners = async (): Promise<void> => {
    await compat?.close();
    await Promise.all(listeners.map((listener) => listener.close()));
  };
  try {
    listeners.push(await listenUnix(settings.socket, api));
    if (settings.listen) listeners.push(await listenTcp(settings.listen.host, settings.listen.port, createApiHandler({ service, metrics: () => metrics.render(), logger, token: token! })));
    if (settings.compatListen) {
      const compatListen = settings.compatListen;
      compat = await startCompat(
        {
          settings: { ...settings, compatListen },
          submit: async (message, idempotencyKey) => {
            const item = { message };
            const { records } = await service.submitChecked({ messages: [item], requestHash: hashOf(item), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
            return records[0]!;
          },
          record: (id) => service.record(id),
          events,
          meta: store.meta,
          transport: signalTransport(signal),
          linkUp: () => signal.channel.connection.isUp,
          backend: () => signal.backend(),
          challenge: (token, captcha) => service.challenge(token, captcha),
          healthy: () => service.healthy(),
        },
        { logger, ...(token ? { token } : {}) },
      ).catch((error: unknown) => {
        throw new Error(`TETHER_COMPAT_LISTEN: ${(error as Error).message}`);
      });
    }
  } catch (error) {
    await closeListeners();
    stopRecording();
    await service.close();
    throw new StartupError((error as Error).message);
  }

  logStart(settings, logger, signal, await store.messages.counts());
  await restoreGate(signal.channel, store.meta, clock.now());
  await signal.channel.start();
  webhook?.kick();
  housekeeping.start();
  const unix = listeners[0]!.address as { socketPath: string };
  const tcp = listeners[1]?.address as { host: string; port: number } | undefined;
  logger.info({ socket: unix.socketPath, tcp }, 'control API listening');
  if (compat) logger.info({ compat: compat.address, token: token !== undefined }, 'compat API listening');

  let stopping: Promise<void> | undefined;
  return {
    service,
    listeners: { socketPath: unix.socketPath, ...(tcp ? { tcpAddress: tcp } : {}), ...(compat ? { compat: compat.address } : {}) },
    logger,
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ graceMs: settings.shutdownTimeoutMs }, 'tetherd stopping');
        await service.close();
        stopRecording();
        await closeListeners();
        await store.close();
        lock.release();
        logger.info({}, 'tetherd stopped');
      })()),
  };
}

/** Where a loss window that was open when the daemon last stopped (even by SIGKILL) began. */
const OPEN_LOSS_WINDOW = 'loss_window_open';

/**
 * Where this run's first loss window starts: the newest logged event, or earlier where a window
 * was still open when the last run ended (its start is kept as it opens), so a kill in the middle
 * of a window leaves no unreported stretch. Undefined on a fresh state directory.
 */
async function lastKnown(events: EventLog, meta: SqliteStore['meta'], clock: Clock): Promise<number | undefined> {
  const lastEvent = await events.lastAt();
  const open = Number((await meta.get(OPEN_LOSS_WINDOW)) ?? '');
  if (open > 0) return Math.min(open, lastEvent ?? clock.now());
  return lastEvent;
}

/** The Signal transport and channel the URL names, and what the daemon needs of them. */
function signalSide(
  settings: Settings,
  parts: { logger: DaemonLogger; clock: Clock; store: SqliteStore; metrics: Metrics; incoming: IncomingHandler; lastKnown: number | undefined },
): SignalSide & { readonly raw: ReturnType<typeof createSignalChannel> } {
  const { logger, clock, store, metrics, incoming } = parts;
  const raw = createSignalChannel({
    url: settings.signalUrl,
    account: settings.account,
    ...(settings.receiveMode ? { receiveMode: settings.receiveMode } : {}),
    logger,
    store: store.messages,
    clock,
    connectTimeoutMs: settings.connectTimeoutMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
    sendTimeoutMs: settings.sendTimeoutMs,
    unknownPolicy: settings.unknownPolicy,
    probeIntervalMs: settings.probeIntervalMs,
    ...(settings.sendRate === undefined ? {} : { pacing: { ratePerMinute: settings.sendRate, burst: settings.sendBurst ?? 1 } }),
    backoff: backoffFor(settings),
    gate: { unauthorizedBackoff: { initialMs: settings.unauthorizedRetryMs, factor: 2, maxMs: Math.max(settings.unauthorizedRetryMs, 600_000), jitter: 'equal' } },
    ...(parts.lastKnown === undefined ? {} : { lossWindowSince: parts.lastKnown }),
    onLossWindowOpened: (from) => void Promise.resolve(store.meta.set(OPEN_LOSS_WINDOW, String(from))).catch(failedToKeep(logger)),
    onLossWindowClosed: (window) => {
      void Promise.resolve(store.meta.set(OPEN_LOSS_WINDOW, '')).catch(failedToKeep(logger));
      metrics.lossWindow(window);
      void Promise.resolve(store.lossWindows.add(window)).catch((error: unknown) => logger.error({ err: error }, 'a loss window could not be stored'));
      logger.warn({ from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), ms: window.to - window.from }, 'possible-loss window closed');
    },
    onIncoming: incoming.accept,
    onSendOutcome: (event) => metrics.outcome(event),
  });
  return {
    raw,
    channel: raw.channel,
    backend: () => raw.transport.info,
    openLossWindows: () => raw.lossWindows.list().filter((window) => window.to === undefined),
    submitChallenge: (token, captcha, signal) => raw.transport.submitChallenge(token, captcha, signal),
    close: (options) => raw.close(options),
  };
}

const failedToKeep = (logger: DaemonLogger) => (error: unknown) => logger.error({ err: error }, 'the open loss window could not be kept');

function signalTransport(signal: ReturnType<typeof signalSide>): ReturnType<typeof createSignalChannel>['transport'] {
  return signal.raw.transport;
}

function logStart(settings: Settings, logger: DaemonLogger, signal: SignalSide, counts: { queued: number }): void {
  const backend = signal.backend();
  logger.info(
    {
      account: maskPhoneNumber(settings.account),
      backend: backend.kind,
      url: backend.url,
      receiveMode: backend.kind === 'jsonrpc' ? (settings.receiveMode ?? 'detected') : undefined,
      backoff: backoffFor(settings),
      connectTimeoutMs: settings.connectTimeoutMs,
      heartbeat: { intervalMs: settings.heartbeatIntervalMs, timeoutMs: settings.heartbeatTimeoutMs },
      probeIntervalMs: settings.probeIntervalMs,
      sendTimeoutMs: settings.sendTimeoutMs,
      unknownPolicy: settings.unknownPolicy,
      outboxMax: settings.outboxMax,
      queued: counts.queued,
    },
    'tetherd starting',
  );
}

function readToken(settings: Settings): string | undefined {
  if (!settings.tokenFile) return undefined;
  let token: string;
  try {
    const mode = statSync(settings.tokenFile).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(`TETHER_TOKEN_FILE ${settings.tokenFile} can be read by other users (mode ${mode.toString(8)}); chmod 600 it and start again`);
    }
    token = readFileSync(settings.tokenFile, 'utf8').trim();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`TETHER_TOKEN_FILE ${settings.tokenFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (token.length < 16) throw new ConfigError(`TETHER_TOKEN_FILE ${settings.tokenFile} must hold a token of at least 16 characters`);
  return token;
}
