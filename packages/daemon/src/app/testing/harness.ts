// The daemon's service in one process for unit tests, wired as compose.ts wires it but with no
// listener and no Signal backend: the real SQLite store in a temporary directory, a core Channel
// over FakeTransport, and FakeClock as the only source of time. Tests drive the clock, script the
// transport's outcomes and push incoming events; nothing sleeps.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Channel, type BackoffPolicy, type UnknownPolicy } from '@tether/core';
import { FakeClock, FakeTransport, flushPromises } from '@tether/core/testing';
import { parseReceiveFrame, type IncomingEvent, type OutgoingMessage } from '@tether/signal-transport';
import { buildMessageEnvelope, buildReceiptEnvelope } from '@tether/signal-emulator';
import { afterEach } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { recordChannel, restoreGate } from '../channel-record.js';
import { EventFeed } from '../event-feed.js';
import { EventLog } from '../event-log.js';
import { Housekeeping } from '../housekeeping.js';
import { IncomingHandler } from '../incoming.js';
import type { StartLeader } from '../leader-parts.js';
import { soleLeadership } from '../leadership.js';
import type { DropReason, MetricsPort, SignalSide } from '../ports.js';
import { presentRecord } from '../present.js';
import { TetherService } from '../service.js';
import { WebhookDeliverer, type WebhookPoster } from '../webhooks.js';
import { recordingLogger, type RecordingLogger } from './recording-logger.js';

export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';
/** 2025-06-15T12:00:00Z: a fixed start, so times in answers are predictable. */
export const START = Date.UTC(2025, 5, 15, 12);

export interface HarnessOptions {
  /** Reuse a state directory (a restart). @default a fresh one */
  readonly stateDir?: string;
  /** @default 100 */
  readonly maxQueued?: number;
  readonly allowFrom?: readonly string[];
  /** @default 'at-least-once' */
  readonly unknownPolicy?: UnknownPolicy;
  /** Deliver incoming events to this poster (webhooks). @default no webhook */
  readonly webhook?: { readonly post: WebhookPoster; readonly backoff?: BackoffPolicy };
  /** @default 168 */
  readonly sentRetentionHours?: number;
  /** @default 168 */
  readonly inboundRetentionHours?: number;
  /** @default 1 MiB */
  readonly maxAttachmentBytes?: number;
  /** What the backend answers a captcha challenge: undefined accepts it. @default accepted */
  readonly challenge?: (token: string, captcha: string, signal: AbortSignal) => Promise<string | undefined>;
}

/** What the daemon counted, by metric. */
export interface CountedMetrics {
  readonly links: string[];
  readonly gates: string[];
  readonly outcomes: string[];
  readonly incoming: string[];
  readonly dropped: DropReason[];
  readonly webhooks: string[];
  readonly lossWindows: number;
}

export interface Harness {
  readonly stateDir: string;
  readonly clock: FakeClock;
  readonly transport: FakeTransport<OutgoingMessage, IncomingEvent>;
  readonly store: SqliteStore;
  readonly channel: Channel<OutgoingMessage, IncomingEvent>;
  readonly signal: SignalSide & { openWindows: { from: number }[] };
  readonly events: EventLog;
  readonly feed: EventFeed;
  readonly incoming: IncomingHandler;
  readonly housekeeping: Housekeeping;
  readonly webhook: WebhookDeliverer | undefined;
  readonly service: TetherService;
  readonly logger: RecordingLogger;
  readonly metrics: CountedMetrics;
  /** Starts as compose.ts does (gate restored, channel started, upkeep armed) and waits for the link. */
  start(): Promise<void>;
  /** Lets every promise and I/O callback that is ready run, a few turns over. */
  settle(): Promise<void>;
  /**
   * Lets ready work run until `check` holds; fails naming `what` when it still does not after 200
   * turns of the event loop. No time passes on the fake clock meanwhile: it waits for work, not time.
   */
  until(check: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /** Stops the service (running the fake clock through the shutdown grace) and closes the store. */
  close(): Promise<void>;
}

/**
 * For a test file, called at its top level: a function that makes and starts a harness
 * (`prepare` sees it before it starts), each closed after the test that started it.
 */
export function harnessStarter(): (options?: HarnessOptions, prepare?: (harness: Harness) => void) => Promise<Harness> {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const harness of open.splice(0)) await harness.close();
  });
  return async (options = {}, prepare) => {
    const harness = createHarness(options);
    open.push(harness);
    prepare?.(harness);
    await harness.start();
    return harness;
  };
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const stateDir = options.stateDir ?? mkdtempSync(path.join(tmpdir(), 'tether-app-'));
  const clock = new FakeClock(START);
  const logger = recordingLogger();
  const metrics = { links: [] as string[], gates: [] as string[], outcomes: [] as string[], incoming: [] as string[], dropped: [] as DropReason[], webhooks: [] as string[], lossWindows: 0 };
  const port: MetricsPort = {
    link: (change) => metrics.links.push(change.to),
    gate: (change) => metrics.gates.push(change.to.state === 'open' ? 'open' : change.to.reason),
    outcome: (event) => metrics.outcomes.push(event.outcome.kind),
    lossWindow: () => metrics.lossWindows++,
    incoming: (kind) => metrics.incoming.push(kind),
    dropped: (reason) => metrics.dropped.push(reason),
    webhook: (result) => metrics.webhooks.push(result),
  };
  const announce: { to?: EventLog } = {};
  const store = openSqliteStore(path.join(stateDir, 'tether.db'), {
    maxQueued: options.maxQueued ?? 100,
    checkpointIntervalMs: 60_000,
    messageEvents: { present: (record) => presentRecord(record), announce: (logged) => announce.to?.announce(logged) },
  });
  const events = new EventLog(store.events, logger);
  announce.to = events;
  const feed = new EventFeed(events, { maxQueued: 50 });
  const incoming = new IncomingHandler({ events, metrics: port, clock, logger, ...(options.allowFrom ? { allowFrom: options.allowFrom } : {}) });
  const transport = new FakeTransport<OutgoingMessage, IncomingEvent>();
  const channel = new Channel<OutgoingMessage, IncomingEvent>({
    transport,
    store: store.messages,
    clock,
    random: () => 0.5,
    logger,
    onIncoming: incoming.accept,
    backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 'none' },
    minUptimeMs: 1_000,
    // no heartbeat while the fake clock jumps hours ahead
    heartbeatIntervalMs: 2 ** 31 - 1,
    sendTimeoutMs: 5_000,
    unknownPolicy: options.unknownPolicy ?? 'at-least-once',
    retryBackoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, jitter: 'none' },
    onSendOutcome: port.outcome,
  });
  const openWindows: { from: number }[] = [];
  const signal: Harness['signal'] = {
    channel,
    openWindows,
    backend: () => ({ kind: 'rest', url: 'http://127.0.0.1:8080', mode: 'json-rpc', version: '0.100', receive: 'best-effort' }),
    openLossWindows: () => openWindows,
    submitChallenge: options.challenge ?? (() => Promise.resolve(undefined)),
    close: (closeOptions) => channel.close(closeOptions),
  };
  const stopRecording = recordChannel({ channel, events, meta: store.meta, metrics: port, clock, logger });
  const webhook = options.webhook
    ? new WebhookDeliverer({
        url: 'http://127.0.0.1:9/hook',
        secret: 'a-webhook-secret',
        events,
        meta: store.meta,
        deadLetters: store.deadLetters,
        post: options.webhook.post,
        clock,
        logger,
        backoff: options.webhook.backoff ?? { initialMs: 1_000, factor: 2, maxMs: 8_000, jitter: 'none' },
        onResult: port.webhook,
      })
    : undefined;
  if (webhook) events.logged((event) => event.kind === 'incoming' && webhook.kick());
  const housekeeping = new Housekeeping({
    messages: store.messages,
    events: store.events,
    blobs: store.blobs,
    expire: (id) => channel.outbox.expire(id),
    clock,
    logger,
    sentRetentionHours: options.sentRetentionHours ?? 168,
    inboundRetentionHours: options.inboundRetentionHours ?? 168,
  });
  // the leader's parts, as compose-leader.ts starts them with one tetherd
  let started = false;
  const startLeader: StartLeader = async () => {
    started = true;
    await restoreGate(channel, store.meta, clock.now());
    await channel.start();
    webhook?.kick();
    housekeeping.start();
    return { signal, housekeeping, ...(webhook ? { webhook } : {}), stop: stopLeader };
  };
  const stopLeader = async (graceMs?: number): Promise<void> => {
    await housekeeping.close();
    await channel.close(graceMs === undefined ? undefined : { graceMs });
    await webhook?.close();
  };
  const service = new TetherService({
    account: ACCOUNT,
    store,
    events,
    feed,
    incoming,
    leadership: soleLeadership(),
    startLeader,
    linkSnapshot: async () => undefined,
    clock,
    logger,
    maxAttachmentBytes: options.maxAttachmentBytes ?? 1024 * 1024,
    requestTimeoutMs: 5_000,
    shutdownTimeoutMs: 1_000,
    pid: 4242,
  });
  const settle = async (): Promise<void> => {
    for (let turn = 0; turn < 5; turn++) await flushPromises();
  };
  const until = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    for (let turn = 0; turn < 200; turn++) {
      if (await check()) return;
      await flushPromises();
    }
    throw new Error(`${what} did not happen while the event loop ran 200 turns`);
  };
  let closed: Promise<void> | undefined;
  return {
    stateDir,
    clock,
    transport,
    store,
    channel,
    signal,
    events,
    feed,
    incoming,
    housekeeping,
    webhook,
    service,
    logger,
    metrics,
    settle,
    until,
    async start() {
      await service.start();
      await settle();
    },
    close: () =>
      (closed ??= (async () => {
        const closing = service.close();
        let done = false;
        void closing.finally(() => (done = true));
        // a send still in flight is given its grace time, which passes on the fake clock
        for (let step = 0; !done && step < 1_000; step++) await clock.next();
        await closing;
        // a service that never started its leader leaves the parts to the harness
        if (!started) await stopLeader();
        stopRecording();
        await store.close();
      })()),
  };
}

/** Envelope timestamps: each event gets its own unless a test repeats one (a redelivery). */
let nextTimestamp = START;

/** An incoming message as the transport hands it over (parsed from an emulator envelope). */
export function incomingMessage(input: { readonly from?: string; readonly text?: string; readonly timestamp?: number } = {}): IncomingEvent {
  return parsed(buildMessageEnvelope({ from: input.from ?? FRIEND, text: input.text ?? 'hello', timestamp: input.timestamp ?? nextTimestamp++ }));
}

/** A delivery or read receipt for messages sent with these Signal timestamps. */
export function incomingReceipt(kind: 'delivery' | 'read', timestamps: readonly number[]): IncomingEvent {
  return parsed(buildReceiptEnvelope({ from: FRIEND, kind, timestamps, timestamp: nextTimestamp++ }));
}

function parsed(envelope: unknown): IncomingEvent {
  const result = parseReceiveFrame({ envelope, account: ACCOUNT }, ACCOUNT);
  if (!result.ok) throw new Error(`the test envelope did not parse: ${JSON.stringify(result)}`);
  return result.event;
}
