// Finds signal-cli's receive mode from what the daemon does, never from configuration alone, and
// lets each incoming message through once whatever the mode. Pure: the JSON-RPC transport feeds
// it the connect-time probe and every `receive` notification, and acts on what it answers.
//
// Upstream (S:…/commands/DaemonCommand.java, …/jsonrpc/SignalJsonRpcDispatcherHandler.java at
// c26e063): `on-start` and `on-connection` auto-subscribe each connection and push bare
// `{envelope, account}` params; `manual` pushes `{subscription, result}` only after
// `subscribeReceive`. The `receive` method works only while nothing receives for the account.

import { TransportError } from '@tether/core';

/** What the user may assert with `receiveMode`: manual, or on-start (which covers on-connection). */
export type ReceiveMode = 'manual' | 'on-start';

/**
 * The connect-time probe, `receive` with maxMessages 0: `manual` when it answered (nothing else
 * receives, so the daemon does not push), `busy` when signal-cli said messages are already being
 * received (an auto-subscribing daemon, or someone else subscribed in manual mode).
 */
export type ReceiveProbe = 'manual' | 'busy';

export interface ConnectPlan {
  /** Call subscribeReceive: needed unless the daemon certainly pushes by itself. */
  readonly subscribe: boolean;
  readonly mode: ReceiveMode;
  /** False while the mode is a reading the first frames may still correct. */
  readonly certain: boolean;
}

/** The plan for a new connection, or the contradiction between what was configured and what was found. */
export function planConnect(configured: ReceiveMode | undefined, probe: ReceiveProbe): ConnectPlan | { readonly contradiction: string } {
  if (probe === 'manual') {
    if (configured === 'on-start') return { contradiction: contradiction('on-start', 'manual') };
    return { subscribe: true, mode: 'manual', certain: true };
  }
  if (configured === 'on-start') return { subscribe: false, mode: 'on-start', certain: true };
  // Busy is what an auto-subscribing daemon answers, but also a manual one with another subscriber:
  // subscribe anyway (nothing is missed), and let the first frames tell.
  return { subscribe: true, mode: configured ?? 'on-start', certain: configured !== undefined };
}

/** Logged once per transport when the daemon turns out to push messages unasked. */
export const LOSSY_WARNING =
  'signal-cli pushes every message unasked (--receive-mode on-start or on-connection): messages that arrive while Tether is not connected are lost; run `signal-cli daemon --receive-mode manual` for lossless receive';

/** A refusal only a change of configuration can fix: the reconnect loop must not hide it. */
export function refusal(message: string): TransportError {
  const error = new TransportError(message);
  error.retriable = false;
  return error;
}

export function contradiction(configured: ReceiveMode, found: ReceiveMode): string {
  const what =
    found === 'manual'
      ? 'signal-cli waits for subscribeReceive, so it runs with --receive-mode manual'
      : 'signal-cli pushes every message unasked, so it runs with --receive-mode on-start (or on-connection)';
  return `receive mode is configured as ${configured}, but ${what}: remove the receive-mode setting (Tether detects it) or set it to ${found}`;
}

export interface NotificationVerdict {
  /** The frame to pass on; absent when this notification duplicates one already passed on. */
  readonly frame?: unknown;
  /** An explicit subscription that duplicates the daemon's own: unsubscribe it. */
  readonly unsubscribe?: number;
  /** The mode changed (it became certain, or turned out other than read at connect). */
  readonly mode?: ReceiveMode;
  /** The daemon contradicts the configured mode. */
  readonly contradiction?: string;
}

interface Seen {
  readonly form: 'bare' | 'wrapped';
  readonly key: string | undefined;
}

/**
 * Sorts one link's `receive` notifications. signal-cli calls a connection's handlers in a set of
 * no fixed order, so the two copies of an envelope (bare and wrapped) arrive next to each other,
 * either first: a copy whose twin was just passed on is dropped. It exists from the link's first
 * byte, before the probe has answered, so no notification slips past it.
 */
export class NotificationFilter {
  #mode: ReceiveMode;
  #certain = false;
  #autoSeen = false;
  /** Our subscription's id; `pending` while subscribeReceive has not answered (any id is ours then). */
  #subscription: number | 'pending' | undefined;
  #last: Seen | undefined;

  constructor(private readonly configured: ReceiveMode | undefined) {
    this.#mode = configured ?? 'on-start';
  }

  get mode(): ReceiveMode {
    return this.#mode;
  }

  /** Bare notifications came: the daemon pushes by itself (so no subscription is needed). */
  get autoSubscribed(): boolean {
    return this.#autoSeen;
  }

  /** The connect-time plan; what the frames already showed wins. */
  apply(plan: ConnectPlan): void {
    if (this.#autoSeen) return;
    this.#mode = plan.mode;
    this.#certain = plan.certain;
  }

  expectSubscription(): void {
    this.#subscription = 'pending';
  }

  subscribed(id: number): void {
    this.#subscription = id;
  }

  accept(params: unknown): NotificationVerdict {
    const wrapped = wrappedFrame(params);
    const frame = wrapped === undefined ? params : wrapped.frame;
    const seen: Seen = { form: wrapped === undefined ? 'bare' : 'wrapped', key: frameKey(frame) };
    const last = this.#last;
    this.#last = seen;
    const twin = last !== undefined && last.form !== seen.form && last.key !== undefined && last.key === seen.key;
    if (wrapped === undefined) return this.#bare(frame, twin);
    const ours = this.#subscription === 'pending' || (this.#subscription !== undefined && wrapped.subscription === this.#subscription);
    if (!ours || this.#autoSeen) return {};
    // A wrapped copy after another wrapped one: that one had no bare twin, so nothing pushes unasked.
    if (!this.#certain && last?.form === 'wrapped' && last.key !== seen.key) {
      this.#certain = true;
      if (this.#mode !== 'manual') {
        this.#mode = 'manual';
        return { frame, mode: 'manual' };
      }
    }
    return twin ? {} : { frame };
  }

  #bare(frame: unknown, twin: boolean): NotificationVerdict {
    const passed = twin ? {} : { frame };
    const first = !this.#autoSeen;
    this.#autoSeen = true;
    // From here on wrapped copies are duplicates (they are dropped above).
    if (this.configured === 'manual') return { ...passed, contradiction: contradiction('manual', 'on-start') };
    if (!first) return passed;
    const changed = this.#mode !== 'on-start' || !this.#certain;
    this.#mode = 'on-start';
    this.#certain = true;
    const subscription = typeof this.#subscription === 'number' ? { unsubscribe: this.#subscription } : {};
    return { ...passed, ...subscription, ...(changed ? { mode: 'on-start' as const } : {}) };
  }
}

function wrappedFrame(params: unknown): { subscription: unknown; frame: unknown } | undefined {
  if (typeof params !== 'object' || params === null || !('subscription' in params) || !('result' in params)) return undefined;
  const { subscription, result } = params as { subscription: unknown; result: unknown };
  return { subscription, frame: result };
}

/** Which envelope a frame carries: its sender, device, timestamp, account and whether it failed. */
export function frameKey(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const { envelope, account, exception } = frame as { envelope?: unknown; account?: unknown; exception?: unknown };
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { sourceUuid, sourceNumber, source, sourceDevice, timestamp } = envelope as Record<string, unknown>;
  if (typeof timestamp !== 'number') return undefined;
  return JSON.stringify([sourceUuid ?? sourceNumber ?? source ?? null, sourceDevice ?? null, timestamp, account ?? null, exception !== undefined]);
}
