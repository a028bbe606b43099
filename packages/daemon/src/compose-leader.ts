// Builds what the leading instance runs: the Signal channel (on the lease-fenced message store
// when the database is shared), the record of its changes (events, metrics, the gate's lasting
// pauses, the link snapshot standbys show), webhooks and timed upkeep. The composition root calls
// it once with one tetherd, and at every takeover with several.
import type { Clock } from '@tether/core';
import { createSignalChannel, parseSignalUrl } from '@tether/signal-transport';
import { recordChannel, restoreGate } from './app/channel-record.js';
import type { EventLog } from './app/event-log.js';
import { Housekeeping } from './app/housekeeping.js';
import type { IncomingHandler } from './app/incoming.js';
import type { LeaderParts, StartLeader } from './app/leader-parts.js';
import type { Leadership } from './app/leadership.js';
import type { MessageStore, SharedStore, SignalSide, Store } from './app/ports.js';
import { linkSnapshot, presentStatus } from './app/present.js';
import { WebhookDeliverer } from './app/webhooks.js';
import type { Settings } from './config/settings.js';
import { backoffFor } from './compose.js';
import type { DaemonLogger } from './runtime/logger.js';
import type { Metrics } from './runtime/metrics.js';
import { fetchPoster } from './runtime/webhook-poster.js';

/** Where the leader keeps the link's state for its standbys. */
export const LINK_SNAPSHOT_KEY = 'link_status';

export interface LeaderDeps {
  readonly settings: Settings;
  readonly store: Store | SharedStore;
  readonly events: EventLog;
  readonly incoming: IncomingHandler;
  readonly leadership: Leadership;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly logger: DaemonLogger;
}

export type SignalParts = SignalSide & { readonly transport: ReturnType<typeof createSignalChannel>['transport'] };

export function leaderStarter(deps: LeaderDeps): StartLeader {
  const { settings, store, events, incoming, leadership, metrics, clock, logger } = deps;
  return async (epoch): Promise<LeaderParts & { readonly signal: SignalParts }> => {
    const messages: MessageStore = epoch !== undefined && 'fenced' in store ? store.fenced(epoch) : store.messages;
    const signal = signalSide(settings, { logger, clock, store, messages, metrics, incoming, lastKnown: await lastKnown(events, store, clock, leadership), mayAct: () => leadership.valid() });
    const publish = (): void => void publishSnapshot(signal, store, settings, clock).catch((error: unknown) => logger.warn({ err: error }, 'the link snapshot could not be stored'));
    const stopRecording = recordChannel({ channel: signal.channel, events, meta: store.meta, metrics, clock, logger });
    const stopPublishing = [signal.channel.onLinkChange(publish), signal.channel.onGateChange(publish)];
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
    const stopWebhook = webhook ? events.logged((event) => event.kind === 'incoming' && webhook.kick()) : undefined;
    const housekeeping = new Housekeeping({
      messages,
      events: store.events,
      blobs: store.blobs,
      expire: (id) => signal.channel.outbox.expire(id),
      clock,
      logger,
      sentRetentionHours: settings.sentRetentionHours,
      inboundRetentionHours: settings.inboundRetentionHours,
    });
    // messages other instances accepted are in the shared store: the leader's outbox picks them up
    const stopListening = 'onChange' in store ? store.onChange((change) => change === 'messages' && signal.channel.outbox.kick()) : undefined;
    await restoreGate(signal.channel, store.meta, clock.now());
    await signal.channel.start();
    publish();
    webhook?.kick();
    housekeeping.start();
    return {
      signal,
      housekeeping,
      ...(webhook ? { webhook } : {}),
      stop: async (graceMs) => {
        stopListening?.();
        await housekeeping.close();
        await signal.close({ graceMs });
        stopWebhook?.();
        await webhook?.close();
        for (const stop of stopPublishing) stop();
        stopRecording();
      },
    };
  };
}

async function publishSnapshot(signal: SignalSide, store: Store, settings: Settings, clock: Clock): Promise<void> {
  const channel = await signal.channel.status();
  const status = presentStatus({ channel, backend: signal.backend(), lossWindows: [], account: settings.account, pid: process.pid, startedAt: clock.now() });
  await store.meta.set(LINK_SNAPSHOT_KEY, JSON.stringify(linkSnapshot(status, signal.openLossWindows())));
}

/** Where a loss window that was open when the last leader stopped (even by SIGKILL) began. */
const OPEN_LOSS_WINDOW = 'loss_window_open';

/**
 * Where this run's first loss window starts: the last sign of life of whoever held the link
 * before, or earlier where a window was still open when it stopped (even by SIGKILL: its start
 * is kept as it opens), so a kill in the middle of a window leaves no unreported stretch.
 * Alone on its database, the last sign of life is the newest logged event. On a shared one it is
 * the previous holder's last lease renewal: standbys keep logging the sends they accept after the
 * leader died, so the newest event would start the window after messages pushed into the dead
 * leader's socket. Undefined on a fresh store.
 */
async function lastKnown(events: EventLog, store: Store, clock: Clock, leadership: Leadership): Promise<number | undefined> {
  const lastAlive = leadership.shared ? (leadership.takenFrom?.renewedAt ?? (await events.lastAt())) : await events.lastAt();
  const open = Number((await store.meta.get(OPEN_LOSS_WINDOW)) ?? '');
  if (open > 0) return Math.min(open, lastAlive ?? clock.now());
  return lastAlive;
}

const failedToKeep = (logger: DaemonLogger) => (error: unknown) => logger.error({ err: error }, 'the open loss window could not be kept');

/** The Signal transport and channel the URL names, and what the daemon needs of them. */
function signalSide(
  settings: Settings,
  parts: { logger: DaemonLogger; clock: Clock; store: Store; messages: MessageStore; metrics: Metrics; incoming: IncomingHandler; lastKnown: number | undefined; mayAct: () => boolean },
): SignalParts {
  const { logger, clock, store, metrics, incoming } = parts;
  const raw = createSignalChannel({
    url: settings.signalUrl,
    account: settings.account,
    ...(settings.receiveMode ? { receiveMode: settings.receiveMode } : {}),
    logger,
    store: parts.messages,
    // attachments travel by reference: the transport reads their bytes from the store as it sends
    readBlob: (id) => store.blobs.read(id),
    clock,
    connectTimeoutMs: settings.connectTimeoutMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
    sendTimeoutMs: settings.sendTimeoutMs,
    unknownPolicy: settings.unknownPolicy,
    probeIntervalMs: settings.probeIntervalMs,
    mayAct: parts.mayAct,
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
    transport: raw.transport,
    channel: raw.channel,
    backend: () => raw.transport.info,
    openLossWindows: () => raw.lossWindows.list().filter((window) => window.to === undefined),
    submitChallenge: (token, captcha, signal) => raw.transport.submitChallenge(token, captcha, signal),
    close: (options) => raw.close(options),
  };
}

/** The backend as status shows it before any instance connected (a standby that never led). */
export function configuredBackend(settings: Settings): SignalSide extends { backend(): infer B } ? B : never {
  const endpoint = parseSignalUrl(settings.signalUrl);
  const rest = 'kind' in endpoint && endpoint.kind === 'rest';
  return { kind: rest ? 'rest' : 'jsonrpc', url: rest ? endpoint.url : settings.signalUrl, receive: 'best-effort' };
}
