// The composition root: the only place that builds the state directory's lock, the database,
// the Signal channel with its transport, webhooks, metrics, the service and its listeners, and
// wires them together. Stopping reverses it: intake refuses first (503 with Retry-After while the
// send in flight finishes), then the listeners close, then the database.
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_BACKOFF, LOSS_PRONE_BACKOFF, systemClock, type BackoffPolicy, type Clock } from '@tether/core';
import { maskPhoneNumber, parseSignalUrl } from '@tether/signal-transport';
import { createApiHandler } from './api/routes.js';
import { EventFeed } from './app/event-feed.js';
import { EventLog } from './app/event-log.js';
import { IncomingHandler } from './app/incoming.js';
import { LeaseLeadership, soleLeadership } from './app/leadership.js';
import { hashOf } from './app/message-input.js';
import type { LoggedEvent, MessageRecord, Store } from './app/ports.js';
import { presentRecord, type LinkSnapshot } from './app/present.js';
import { TetherService } from './app/service.js';
import type { CompatPort } from './compat/port.js';
import { startCompat, type CompatListener } from './compat/server.js';
import { configuredBackend, leaderStarter, LINK_SNAPSHOT_KEY, type SignalParts } from './compose-leader.js';
import type { Settings } from './config/settings.js';
import { BodyBudget } from './http/body.js';
import { listenTcp, listenUnix, type Listener } from './http/server.js';
import { createLogger, type DaemonLogger } from './runtime/logger.js';
import { Metrics } from './runtime/metrics.js';
import { secureStateDir } from './runtime/state-files.js';
import { openPostgresStore, type PostgresStore } from './store/postgres/index.js';
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
  let store: DaemonStore;
  // The store logs each message change with the change; the event log (built next) announces it.
  const announce: { to?: EventLog } = {};
  try {
    store = await openStore(settings, logger, announce);
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

type DaemonStore = (SqliteStore | PostgresStore) & { close(): Promise<void> };

/** SQLite in the state directory, or the shared PostgreSQL database TETHER_DATABASE_URL names. */
async function openStore(settings: Settings, logger: DaemonLogger, announce: { to?: EventLog }): Promise<DaemonStore> {
  const messageEvents = { present: (record: MessageRecord) => presentRecord(record), announce: (events: readonly LoggedEvent[]) => announce.to?.announce(events) };
  if (settings.databaseUrl === undefined) return openSqliteStore(path.join(settings.stateDir, 'tether.db'), { maxQueued: settings.outboxMax, messageEvents });
  return openPostgresStore(settings.databaseUrl, { account: settings.account, maxQueued: settings.outboxMax, messageEvents, logger });
}

async function compose(
  settings: Settings,
  parts: { logger: DaemonLogger; clock: Clock; store: DaemonStore; lock: Lock; token: string | undefined; announce: { to?: EventLog } },
): Promise<RunningDaemon> {
  const { logger, clock, store, lock, token } = parts;
  const shared = 'leases' in store;
  const metrics = new Metrics();
  // On a shared database other instances write the log too: it is tailed, woken by notifications.
  const events = new EventLog(store.events, logger, { tail: shared, clock });
  parts.announce.to = events;
  if (shared) {
    store.onChange((change, upTo) => change === 'events' && events.wake(upTo));
    await events.start();
  }
  const feed = new EventFeed(events);
  const incoming = new IncomingHandler({ events, metrics, clock, logger, ...(settings.allowFrom ? { allowFrom: settings.allowFrom } : {}) });
  const leadership = shared
    ? new LeaseLeadership({ leases: store.leases, account: settings.account, instance: settings.instanceId ?? `${os.hostname()}:${process.pid}`, host: os.hostname(), leaseMs: settings.leaseMs, clock, logger })
    : soleLeadership();
  const startLeader = leaderStarter({ settings, store, events, incoming, leadership, metrics, clock, logger });
  const service = new TetherService({
    account: settings.account,
    store,
    events,
    feed,
    incoming,
    leadership,
    startLeader,
    linkSnapshot: async () => {
      const saved = await store.meta.get(LINK_SNAPSHOT_KEY);
      return saved === undefined ? undefined : (JSON.parse(saved) as LinkSnapshot);
    },
    clock,
    logger,
    maxAttachmentBytes: settings.maxAttachmentMb * 1024 * 1024,
    requestTimeoutMs: settings.sendTimeoutMs,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    pid: process.pid,
    onFailover: () => metrics.failover(),
  });
  metrics.attach({ status: () => service.status(), subscribers: () => feed.subscriberCount });

  // The Unix socket is private to the daemon's user (0600): no token there; TCP always needs one.
  const budget = new BodyBudget(settings.maxInflightMb * 1024 * 1024);
  const api = createApiHandler({ service, metrics: () => metrics.render(), logger, budget });
  const listeners: Listener[] = [];
  let compat: CompatListener | undefined;
  const closeListeners = async (): Promise<void> => {
    await compat?.close();
    await Promise.all(listeners.map((listener) => listener.close()));
  };
  try {
    listeners.push(await listenUnix(settings.socket, api));
    if (settings.listen) listeners.push(await listenTcp(settings.listen.host, settings.listen.port, createApiHandler({ service, metrics: () => metrics.render(), logger, token: token!, budget })));
    if (settings.compatListen) {
      compat = await startCompat(compatPort(settings, settings.compatListen, { service, events, store }), { logger, budget, ...(token ? { token } : {}) }).catch((error: unknown) => {
        throw new Error(`TETHER_COMPAT_LISTEN: ${(error as Error).message}`);
      });
    }
  } catch (error) {
    await closeListeners();
    await service.close();
    throw new StartupError((error as Error).message);
  }

  logStart(settings, logger, await store.messages.counts());
  await service.start();
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
        await closeListeners();
        await store.close();
        lock.release();
        logger.info({}, 'tetherd stopped');
      })()),
  };
}

/** What the compat endpoint may use: intake, records, the log, and the leader's link while this instance leads. */
function compatPort(settings: Settings, compatListen: { host: string; port: number }, parts: { service: TetherService; events: EventLog; store: Store }): CompatPort {
  const { service, events, store } = parts;
  const signal = (): SignalParts | undefined => service.leader?.signal as SignalParts | undefined;
  return {
    settings: { ...settings, compatListen },
    submit: async (message, idempotencyKey) => {
      const item = { message };
      const { records } = await service.submitChecked({ messages: [item], requestHash: hashOf(item), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      return records[0]!;
    },
    record: (id) => service.record(id),
    events,
    meta: store.meta,
    get transport() {
      return signal()?.transport;
    },
    linkUp: () => signal()?.channel.connection.isUp ?? false,
    backend: () => signal()?.backend() ?? configuredBackend(settings),
    challenge: (token, captcha) => service.challenge(token, captcha),
    healthy: () => service.healthy(),
    uploads: () => service.uploads(),
    readBlob: (id) => store.blobs.read(id),
  };
}

function logStart(settings: Settings, logger: DaemonLogger, counts: { queued: number }): void {
  const backend = configuredBackend(settings);
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
