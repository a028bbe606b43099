// The receive link's state machine as a pure reducer: (state, event) → { state, effects }.
// Time and randomness arrive inside events, so the reducer is deterministic. Effects are data;
// the shell in connection.ts runs them. Every state × event pair has an outcome: events that do
// not apply leave the state as it is (and a stray link is closed).
import { backoffDelay, type BackoffPolicy } from './backoff.js';

export type { LinkStateKind } from './vocabulary.js';

/** `attempt` counts consecutive failed attempts; it resets only after proven health. */
export type LinkState =
  | { readonly kind: 'connecting'; readonly since: number; readonly attempt: number }
  | { readonly kind: 'syncing'; readonly since: number; readonly attempt: number }
  | { readonly kind: 'connected'; readonly since: number; readonly attempt: number }
  | {
      readonly kind: 'disconnected';
      readonly since: number;
      readonly attempt: number;
      readonly delayMs: number;
      readonly nextAttemptAt: number;
      readonly cause: string;
    }
  | { readonly kind: 'reconnecting'; readonly since: number; readonly attempt: number }
  /** The backend refused us for good (bad token, revoked account); nothing retries until `reconnect`. */
  | { readonly kind: 'failed'; readonly since: number; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'closed'; readonly since: number; readonly attempt: number };

export type LinkEvent =
  /** The transport's connect resolved: the link is ready. */
  | { readonly type: 'link-up'; readonly at: number; readonly backlog: boolean }
  /** The connect attempt failed or timed out. `random` is one draw in [0, 1) for the jitter. */
  | { readonly type: 'connect-failed'; readonly at: number; readonly cause: string; readonly random: number }
  /** The connect attempt failed in a way no retry can fix (a non-retriable TransportError). */
  | { readonly type: 'connect-refused'; readonly at: number; readonly cause: string }
  /** Someone asked to connect again now: leaves `failed`, or skips the rest of a backoff wait. */
  | { readonly type: 'reconnect'; readonly at: number }
  /** An open link ended (peer closed, error, missed heartbeat). */
  | { readonly type: 'link-lost'; readonly at: number; readonly cause: string; readonly random: number }
  /** The backoff timer fired. */
  | { readonly type: 'retry-due'; readonly at: number }
  /** The outbox has nothing left from the backlog. */
  | { readonly type: 'backlog-drained'; readonly at: number }
  /** The link stayed up for the minimum uptime: proven healthy. */
  | { readonly type: 'stable'; readonly at: number }
  | { readonly type: 'close'; readonly at: number };

export type LinkEffect =
  | { readonly type: 'connect'; readonly attempt: number }
  | { readonly type: 'close-link' }
  | { readonly type: 'abort-connect' }
  | { readonly type: 'schedule-retry'; readonly delayMs: number }
  | { readonly type: 'cancel-retry' }
  | { readonly type: 'schedule-stable'; readonly delayMs: number }
  | { readonly type: 'cancel-stable' };

export interface LinkMachineConfig {
  readonly backoff: BackoffPolicy;
  /** How long the link must stay up before the attempt counter resets. */
  readonly minUptimeMs: number;
}

export interface Transition {
  readonly state: LinkState;
  readonly effects: readonly LinkEffect[];
}

export function initialLinkState(at: number): LinkState {
  return { kind: 'connecting', since: at, attempt: 0 };
}

const NONE: readonly LinkEffect[] = Object.freeze([]);

export function transition(state: LinkState, event: LinkEvent, config: LinkMachineConfig): Transition {
  if (state.kind === 'closed') {
    return { state, effects: event.type === 'link-up' ? [{ type: 'close-link' }] : NONE };
  }
  switch (event.type) {
    case 'close':
      return { state: { kind: 'closed', since: event.at, attempt: state.attempt }, effects: closeEffects(state) };
    case 'link-up':
      if (state.kind !== 'connecting' && state.kind !== 'reconnecting') return { state, effects: [{ type: 'close-link' }] };
      return {
        state: { kind: event.backlog ? 'syncing' : 'connected', since: event.at, attempt: state.attempt },
        effects: [{ type: 'schedule-stable', delayMs: config.minUptimeMs }],
      };
    case 'connect-failed':
      if (state.kind !== 'connecting' && state.kind !== 'reconnecting') return { state, effects: NONE };
      return retryLater(state.attempt, event, config, NONE);
    case 'connect-refused':
      if (state.kind !== 'connecting' && state.kind !== 'reconnecting') return { state, effects: NONE };
      return { state: { kind: 'failed', since: event.at, attempt: state.attempt + 1, reason: event.cause }, effects: NONE };
    case 'reconnect':
      if (state.kind === 'failed') return { state: { kind: 'connecting', since: event.at, attempt: 0 }, effects: [{ type: 'connect', attempt: 0 }] };
      if (state.kind !== 'disconnected') return { state, effects: NONE };
      return {
        state: { kind: 'reconnecting', since: event.at, attempt: state.attempt },
        effects: [{ type: 'cancel-retry' }, { type: 'connect', attempt: state.attempt }],
      };
    case 'link-lost':
      if (state.kind !== 'connected' && state.kind !== 'syncing') return { state, effects: NONE };
      return retryLater(state.attempt, event, config, [{ type: 'cancel-stable' }]);
    case 'retry-due':
      if (state.kind !== 'disconnected') return { state, effects: NONE };
      return { state: { kind: 'reconnecting', since: event.at, attempt: state.attempt }, effects: [{ type: 'connect', attempt: state.attempt }] };
    case 'backlog-drained':
      if (state.kind !== 'syncing') return { state, effects: NONE };
      return { state: { kind: 'connected', since: event.at, attempt: state.attempt }, effects: NONE };
    case 'stable':
      if (state.kind !== 'connected' && state.kind !== 'syncing') return { state, effects: NONE };
      return { state: { ...state, attempt: 0 }, effects: NONE };
  }
}

function retryLater(
  attempt: number,
  event: { at: number; cause: string; random: number },
  config: LinkMachineConfig,
  first: readonly LinkEffect[],
): Transition {
  const delayMs = backoffDelay(config.backoff, attempt, () => event.random);
  return {
    state: { kind: 'disconnected', since: event.at, attempt: attempt + 1, delayMs, nextAttemptAt: event.at + delayMs, cause: event.cause },
    effects: [...first, { type: 'schedule-retry', delayMs }],
  };
}

function closeEffects(state: LinkState): readonly LinkEffect[] {
  switch (state.kind) {
    case 'connecting':
    case 'reconnecting':
      return [{ type: 'abort-connect' }];
    case 'connected':
    case 'syncing':
      return [{ type: 'cancel-stable' }, { type: 'close-link' }];
    case 'disconnected':
      return [{ type: 'cancel-retry' }];
    case 'failed':
    case 'closed':
      return NONE;
  }
}
