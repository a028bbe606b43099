// What exists only on the instance that leads the account's link: the Signal side (transport,
// reconnect loop, gate, outbox), the record of its changes, the webhooks and the timed upkeep.
// With one tetherd they live as long as the daemon; with several they are built when this
// instance takes the lead and closed when it steps down.
import type { Housekeeping } from './housekeeping.js';
import type { SignalSide } from './ports.js';
import type { WebhookDeliverer } from './webhooks.js';

export interface LeaderParts {
  readonly signal: SignalSide;
  readonly housekeeping: Housekeeping;
  readonly webhook?: WebhookDeliverer;
  /** Stops everything, letting the send in flight finish within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** Builds and starts the leader's parts; `epoch` is the lease's, undefined without a shared store. */
export type StartLeader = (epoch: number | undefined) => Promise<LeaderParts>;
