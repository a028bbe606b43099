// A channel wires one transport (v1 or v2) to the reconnect loop, the send gate and the outbox:
// link up → readiness check and drain; gate open → drain; backlog drained → `connected`; receipts
// → messages delivered or read. The whole resilience machinery behind one object; the daemon adds
// durability and an API around it.
import { systemClock, type Clock } from './clock.js';
import { Connection, type ConnectionOptions, type LinkChange } from './connection.js';
import type { LinkState } from './connection-machine.js';
import type { Disposer, Event } from './event.js';
import { noopLogger } from './logger.js';
import { Outbox, type OutboxOptions, type SendOutcomeEvent } from './outbox.js';
import type { OutboxCounts, OutboxRecord, OutboxStore } from './outbox-store.js';
import { SendGate, type GateChange, type GateState, type SendGateOptions } from './send-gate.js';
import { toTransportV2, type AnyTransport } from './transport-adapter.js';
import { isLinkUp } from './vocabulary.js';

/** The gate's tuning, as a channel passes it on (each option is documented on SendGateOptions). */
export type ChannelGateOptions = Pick<SendGateOptions, 'rateLimitBackoff' | 'probeBackoff' | 'unauthorizedBackoff' | 'sendTimeoutPauseMs' | 'probeTimeoutMs'>;

/**
 * Everything a channel wires. The reconnect loop's options and the outbox's are documented (with
 * their defaults) where they are defined; the README lists them all in one table.
 */
export interface ChannelOptions<Out, In>
  extends Pick<
      ConnectionOptions<In>,
      'onIncoming' | 'clock' | 'random' | 'logger' | 'backoff' | 'minUptimeMs' | 'connectTimeoutMs' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'
    >,
    Pick<OutboxOptions<Out>, 'sendTimeoutMs' | 'unknownPolicy' | 'maxRetriableAttempts' | 'retryBackoff' | 'pacing' | 'mayAct'> {
  /** A v1 transport is adapted to v2. */
  readonly transport: AnyTransport<Out, In>;
  readonly store: OutboxStore<Out>;
  /** Periodic readiness probe while the link is up and the gate open (ms). @default off (also off when the transport has no probe) */
  readonly probeIntervalMs?: number;
  /** The send gate's backoffs and pauses. @default SEND_GATE_DEFAULTS */
  readonly gate?: ChannelGateOptions;
  /** Every send's outcome with its duration (metrics). @default nothing */
  readonly onSendOutcome?: (event: SendOutcomeEvent) => void;
}

export interface ChannelStatus {
  /** `failed` carries the reason; `disconnected` when the next attempt is due. */
  readonly link: LinkState;
  readonly gate: GateState;
  readonly outbox: OutboxCounts;
  /** The last connect failure or link loss, kept after recovery. */
  readonly lastError?: string;
  readonly lastActivityAt?: number;
}

export class Channel<Out, In> {
  readonly connection: Connection<In>;
  readonly gate: SendGate;
  readonly outbox: Outbox<Out>;
  /** Every change of the link's state. */
  readonly onLinkChange: Event<LinkChange>;
  /** Every change of the send gate. */
  readonly onGateChange: Event<GateChange>;
  /** Every change of a message, in the order the store took them. */
  readonly onMessageChange: Event<OutboxRecord<Out>>;
  readonly #store: OutboxStore<Out>;
  readonly #clock: Clock;
  readonly #probeIntervalMs: number | undefined;
  readonly #unsubscribe: Disposer[] = [];
  #probeTimer: unknown;

  constructor(options: ChannelOptions<Out, In>) {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const logger = options.logger ?? noopLogger;
    const { store } = options;
    const transport = toTransportV2(options.transport);
    this.#store = store;
    this.#clock = clock;
    this.#probeIntervalMs = transport.probe ? options.probeIntervalMs : undefined;
    this.connection = new Connection<In>({
      transport,
      clock,
      random,
      logger,
      hasBacklog: () => this.outbox.hasBacklog,
      onReceipt: (receipt) => {
        this.outbox.applyReceipt(receipt).catch((error: unknown) => logger.error({ err: error }, 'receipt could not be stored'));
      },
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
      ...pick(options, ['sendTimeoutMs', 'unknownPolicy', 'maxRetriableAttempts', 'retryBackoff', 'pacing', 'mayAct']),
      ...(options.onSendOutcome ? { onOutcome: options.onSendOutcome } : {}),
    });
    this.onLinkChange = this.connection.onChange;
    this.onGateChange = this.gate.onChange;
    this.onMessageChange = this.outbox.onChange;
    this.#unsubscribe.push(
      this.connection.onChange((change) => {
        if (!isLinkUp(change.to)) return;
        if (!isLinkUp(change.from)) void this.gate.checkReadiness();
        this.outbox.kick();
      }),
    );
  }

  /** Recovers messages a crash left `sending`, then starts connecting. Rejects (and connects nothing) if the store cannot be read. */
  async start(): Promise<void> {
    await this.outbox.recover();
    this.connection.start();
    this.#scheduleProbe();
  }

  /** Queues a message; resolves once the store has committed it. */
  send(message: Out, options: { readonly expiresAt?: number } = {}): Promise<OutboxRecord<Out>> {
    return this.outbox.enqueue(message, options);
  }

  /** Leaves the terminal `failed` link state (or cuts a backoff wait short) and connects now. */
  reconnect(): void {
    this.connection.reconnect();
  }

  async status(): Promise<ChannelStatus> {
    const outbox = await this.#store.counts();
    const { lastError, lastActivityAt } = this.connection;
    return {
      link: this.connection.state,
      gate: this.gate.state,
      outbox,
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
