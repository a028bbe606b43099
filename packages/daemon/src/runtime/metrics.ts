// The daemon's Prometheus metrics (prom-client, one registry per daemon): link and gate state,
// reconnects, loss windows, outbox depth and age, send outcomes by class and their latency,
// seconds paused by reason, incoming events by kind, and subscribers. Gauges that mirror state
// are computed when scraped; counters are fed by events as they happen.
import type { GateChange, LinkChange, SendOutcomeEvent } from '@tether/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DropReason, LossWindowRecord, MetricsPort } from '../app/ports.js';
import { GATE_REASONS, LINK_STATES, ROLES, type Status } from '../protocol/index.js';

export interface MetricsSource {
  status(): Promise<Status>;
  subscribers(): number;
}

export class Metrics implements MetricsPort {
  readonly registry = new Registry();
  /** The status read once per scrape, for every gauge that mirrors it. */
  #snapshot: Status | undefined;
  #source: MetricsSource | undefined;
  #rendering: Promise<unknown> = Promise.resolve();
  readonly #reconnects: Counter;
  readonly #lossWindows: Counter;
  readonly #lossSeconds: Counter;
  readonly #outcomes: Counter<'class'>;
  readonly #latency: Histogram<'class'>;
  readonly #pausedSeconds: Counter<'reason'>;
  readonly #incoming: Counter<'kind'>;
  readonly #dropped: Counter<'reason'>;
  readonly #webhook: Counter<'result'>;
  readonly #failovers: Counter;

  constructor() {
    const registers = [this.registry];
    const status = (): Status | undefined => this.#snapshot;
    const subscribers = (): number => this.#source?.subscribers() ?? 0;
    new Gauge({
      name: 'tether_link_state',
      help: 'The receive link state: 1 for the current one.',
      labelNames: ['state'],
      registers,
      collect() {
        const state = status()?.state;
        for (const each of LINK_STATES) this.set({ state: each }, each === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tether_gate_paused',
      help: 'Whether the send gate is paused, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        const reason = status()?.gate.reason;
        for (const each of GATE_REASONS) this.set({ reason: each }, each === reason ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tether_outbox_messages',
      help: 'Messages in the outbox by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const outbox = status()?.outbox;
        for (const state of ['queued', 'sending', 'failed', 'unknown'] as const) this.set({ state }, outbox?.[state] ?? 0);
      },
    });
    new Gauge({
      name: 'tether_outbox_oldest_queued_seconds',
      help: 'Age of the oldest queued message (0 when none).',
      registers,
      collect() {
        const oldest = status()?.outbox.oldestQueuedAt;
        this.set(oldest ? Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) : 0);
      },
    });
    new Gauge({ name: 'tether_event_subscribers', help: 'Connected event-stream subscribers.', registers, collect() { this.set(subscribers()); } });
    this.#reconnects = new Counter({ name: 'tether_reconnects_total', help: 'Reconnect attempts started.', registers });
    this.#lossWindows = new Counter({ name: 'tether_loss_windows_total', help: 'Possible-loss windows closed (REST backend).', registers });
    this.#lossSeconds = new Counter({ name: 'tether_loss_window_seconds_total', help: 'Total length of closed possible-loss windows.', registers });
    this.#outcomes = new Counter({ name: 'tether_send_outcomes_total', help: 'Send attempts by outcome class.', labelNames: ['class'], registers });
    this.#latency = new Histogram({
      name: 'tether_send_duration_seconds',
      help: 'Time from request to outcome, by outcome class.',
      labelNames: ['class'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#pausedSeconds = new Counter({ name: 'tether_gate_paused_seconds_total', help: 'Seconds the send gate spent paused, by reason (counted when it reopens or changes reason).', labelNames: ['reason'], registers });
    this.#incoming = new Counter({ name: 'tether_incoming_events_total', help: 'Incoming events committed to the spool, by kind.', labelNames: ['kind'], registers });
    this.#dropped = new Counter({ name: 'tether_incoming_dropped_total', help: 'Incoming events not spooled, by reason (duplicate, not-allowed, spool-failed).', labelNames: ['reason'], registers });
    this.#failovers = new Counter({ name: 'tether_failovers_total', help: 'Times this instance took the lead from another (shared database).', registers });
    new Gauge({
      name: 'tether_role',
      help: 'With a shared database: 1 for this instance\'s role (leader or standby).',
      labelNames: ['role'],
      registers,
      collect() {
        const role = status()?.role;
        if (role === undefined) return;
        for (const each of ROLES) this.set({ role: each }, each === role ? 1 : 0);
      },
    });
    this.#webhook = new Counter({ name: 'tether_webhook_deliveries_total', help: 'Webhook delivery attempts by result.', labelNames: ['result'], registers });
  }

  /** Where the gauges read the daemon's state. */
  attach(source: MetricsSource): void {
    this.#source = source;
  }

  /** The Prometheus exposition, with the status read once for every gauge. */
  render(): Promise<{ readonly contentType: string; readonly body: string }> {
    // One scrape at a time: each reads its own snapshot.
    const rendering = this.#rendering.then(async () => {
      this.#snapshot = await this.#source?.status();
      try {
        return { contentType: this.registry.contentType, body: await this.registry.metrics() };
      } finally {
        this.#snapshot = undefined;
      }
    });
    this.#rendering = rendering.catch(() => undefined);
    return rendering;
  }

  link(change: LinkChange): void {
    if (change.to === 'reconnecting') this.#reconnects.inc();
  }

  lossWindow(window: LossWindowRecord): void {
    this.#lossWindows.inc();
    this.#lossSeconds.inc(Math.max(0, window.to - window.from) / 1000);
  }

  gate(change: GateChange): void {
    if (change.from.state === 'paused') this.#pausedSeconds.inc({ reason: change.from.reason }, Math.max(0, change.to.since - change.from.since) / 1000);
  }

  outcome(event: SendOutcomeEvent): void {
    this.#outcomes.inc({ class: event.outcome.kind });
    this.#latency.observe({ class: event.outcome.kind }, event.durationMs / 1000);
  }

  incoming(kind: string): void {
    this.#incoming.inc({ kind });
  }

  dropped(reason: DropReason): void {
    this.#dropped.inc({ reason });
  }

  failover(): void {
    this.#failovers.inc();
  }

  webhook(result: 'delivered' | 'failed' | 'dead-letter'): void {
    this.#webhook.inc({ result });
  }
}
