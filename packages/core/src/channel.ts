// A channel wires one transport to the reconnect loop, the send gate and the outbox: link up →
// readiness check and drain; gate open → drain; backlog drained → `connected`. This is the whole
// resilience machinery behind one object; the daemon adds durability and an API around it.
import { systemClock, type Clock } from './clock.js';
import { Connection, type ConnectionOptions, type LinkChange } from './connection.js';
import type { LinkState } from './connection-machine.js';
import { noopLogger } from './logger.js';
import { Outbox, type OutboxOptions, type SendOutcomeEvent } from './outbox.js';
import type { OutboxCounts, OutboxRecord, OutboxStore } from './outbox-store.js';
import { SendGate, type GateChange, type GateState, type SendGateOptions } from './send-gate.js';
import type { Transport } from './transport.js';

/** The reconnect loop's and the outbox's options (documented there), plus the channel's own. */
export interface ChannelOptions<Out, In>
  extends Pick<
      ConnectionOptions<In>,
      'onIncoming' | 'clock' | 'random' | 'logger' | 'backoff' | 'minUptimeMs' | 'connectTimeoutMs' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'
    >,
    Pick<OutboxOptions<Out>, 'sendTimeoutMs' | 'unknownPolicy' | 'pacing'> {
  readonly transport: Transport<Out, In>;
  readonly store: OutboxStore<Out>;
  /** Periodic readiness probe while the gate is open (ms); off when absent or the transport has no probe. */
  readonly probeIntervalMs?: number;
  readonly gate?: Pick<SendGateOptions, 'rateLimitBackoff' | 'probeBackoff' | 'unauthorizedBackoff' | 'sendTimeoutPauseMs' | 'probeTimeoutMs'>;
  /** Every send's outcome with its duration (metrics). */
  readonly onSendOutcome?: (event: SendOutcomeEvent) => void;
}

export interface ChannelStatus {
  readonly link: LinkState;
  readonly gate: GateState;
  readonly outbox: OutboxCounts;
  readonly lastError?: string;
  readonly lastActivityAt?: number;
}

export class Channel<Out, In> {
  readonly connection: Connection<In>;
  readonly gate: SendGate;
  readonly outbox: Outbox<Out>;
  readonly #store: OutboxStore<Out>;
  readonly #clock: Clock;
  readonly #probeIntervalMs: number | undefined;
  readonly #unsubscribe: (() => void)[] = [];
  #probeTimer: unknown;

  constructor(options: ChannelOptions<Out, In>) {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const logger = options.logger ?? noopLogger;
    const { transport, store } = options;
    this.#store = store;
    this.#clock = clock;
    this.#probeIntervalMs = transport.probe ? options.probeIntervalMs : undefined;
    this.connection = new Connection<In>({
      transport,
      clock,
      random,
      logger,
      hasBacklog: () => store.head() !== undefined,
      ...(options.onIncoming ? { onIncoming: options.onIncoming } : {}),
      ...pick(options, ['backoff', 'minUptimeMs', 'connectTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs']),
    });
    this.gate = new SendGate({
      clock,
      random,
      logger,
      ...(transport.probe ? { probe: (signal: AbortSignal) => transport.probe!(signal) } : {}),
      ...options.gate,
    });
    this.outbox = new Outbox<Out>({
      store,
      clock,
      random,
      logger,
      gate: this.gate,
      send: (message, sendOptions) => transport.send(message, sendOptions),
      canSend: () => this.connection.isUp,
      onIdle: () => this.connection.backlogDrained(),
      ...pick(options, ['sendTimeoutMs', 'unknownPolicy', 'pacing']),
      ...(options.onSendOutcome ? { onOutcome: options.onSendOutcome } : {}),
    });
    this.#unsubscribe.push(
      this.connection.onChange((change) => {
        if (change.to === 'connected' || change.to === 'syncing') {
          if (change.from !== 'connected' && change.from !== 'syncing') void this.gate.checkReadiness();
          this.outbox.kick();
        }
      }),
    );
  }

  /** Recovers messages a crash left `sending`, then starts connecting. */
  start(): void {
    this.outbox.recover();
    this.connection.start();
    this.#scheduleProbe();
  }

  /** Queues a message (committed in the store before this returns). */
  send(message: Out, options: { readonly expiresAt?: number } = {}): OutboxRecord<Out> {
    return this.outbox.enqueue(message, options);
  }

  onLinkChange(listener: (change: LinkChange) => void): () => void {
    return this.connection.onChange(listener);
  }

  onGateChange(listener: (change: GateChange) => void): () => void {
    return this.gate.onChange(listener);
  }

  onMessageChange(listener: (record: OutboxRecord<Out>) => void): () => void {
    return this.outbox.onChange(listener);
  }

  status(): ChannelStatus {
    const { lastError, lastActivityAt } = this.connection;
    return {
      link: this.connection.state,
      gate: this.gate.state,
      outbox: this.#store.counts(),
      ...(lastError === undefined ? {} : { lastError }),
      ...(lastActivityAt === undefined ? {} : { lastActivityAt }),
    };
  }

  /** Stops intake of work, lets the send in flight finish within `graceMs`, then closes the link. */
  async close(options: { readonly graceMs?: number } = {}): Promise<void> {
    if (this.#probeTimer !== undefined) this.#clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.outbox.close(options);
    this.gate.close();
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #scheduleProbe(): void {
    const interval = this.#probeIntervalMs;
    if (interval === undefined) return;
    this.#probeTimer = this.#clock.setTimeout(() => {
      if (this.connection.isUp && this.gate.isOpen) void this.gate.checkReadiness();
      this.#scheduleProbe();
    }, interval);
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const result: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) result[key] = source[key];
  return result;
}
