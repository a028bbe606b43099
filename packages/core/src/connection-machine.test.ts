import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackoffPolicy } from './backoff.js';
import {
  initialLinkState,
  transition,
  type LinkEffect,
  type LinkEvent,
  type LinkMachineConfig,
  type LinkState,
  type LinkStateKind,
} from './connection-machine.js';

const backoff: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'none' };
const config: LinkMachineConfig = { backoff, minUptimeMs: 5_000 };

const AT = 100;
const NOW = 200;

/** One representative state of each kind, all at attempt 2 so that a reset is visible. */
const STATES: Record<LinkStateKind, LinkState> = {
  connecting: { kind: 'connecting', since: AT, attempt: 2 },
  syncing: { kind: 'syncing', since: AT, attempt: 2 },
  connected: { kind: 'connected', since: AT, attempt: 2 },
  disconnected: { kind: 'disconnected', since: AT, attempt: 2, delayMs: 2_000, nextAttemptAt: AT + 2_000, cause: 'refused' },
  reconnecting: { kind: 'reconnecting', since: AT, attempt: 2 },
  failed: { kind: 'failed', since: AT, attempt: 2, reason: 'token revoked' },
  closed: { kind: 'closed', since: AT, attempt: 2 },
};

type EventType = LinkEvent['type'];

const EVENTS: Record<EventType, LinkEvent> = {
  'link-up': { type: 'link-up', at: NOW, backlog: true },
  'connect-failed': { type: 'connect-failed', at: NOW, cause: 'connect refused', random: 0.5 },
  'connect-refused': { type: 'connect-refused', at: NOW, cause: 'token revoked' },
  reconnect: { type: 'reconnect', at: NOW },
  'link-lost': { type: 'link-lost', at: NOW, cause: 'peer closed', random: 0.5 },
  'retry-due': { type: 'retry-due', at: NOW },
  'backlog-drained': { type: 'backlog-drained', at: NOW },
  stable: { type: 'stable', at: NOW },
  close: { type: 'close', at: NOW },
};

type Row = readonly [from: LinkStateKind, event: EventType, to: LinkStateKind, effects: readonly LinkEffect['type'][], changed: boolean];

// Every state × event pair, written out by hand: 7 states × 9 events = 63 rows. `changed: false`
// means the reducer must hand back the very same state object.
const TABLE: readonly Row[] = [
  ['connecting', 'link-up', 'syncing', ['schedule-stable'], true],
  ['connecting', 'connect-failed', 'disconnected', ['schedule-retry'], true],
  ['connecting', 'link-lost', 'connecting', [], false],
  ['connecting', 'retry-due', 'connecting', [], false],
  ['connecting', 'backlog-drained', 'connecting', [], false],
  ['connecting', 'stable', 'connecting', [], false],
  ['connecting', 'connect-refused', 'failed', [], true],
  ['connecting', 'reconnect', 'connecting', [], false],
  ['connecting', 'close', 'closed', ['abort-connect'], true],

  ['syncing', 'link-up', 'syncing', ['close-link'], false],
  ['syncing', 'connect-failed', 'syncing', [], false],
  ['syncing', 'link-lost', 'disconnected', ['cancel-stable', 'schedule-retry'], true],
  ['syncing', 'retry-due', 'syncing', [], false],
  ['syncing', 'backlog-drained', 'connected', [], true],
  ['syncing', 'stable', 'syncing', [], true],
  ['syncing', 'connect-refused', 'syncing', [], false],
  ['syncing', 'reconnect', 'syncing', [], false],
  ['syncing', 'close', 'closed', ['cancel-stable', 'close-link'], true],

  ['connected', 'link-up', 'connected', ['close-link'], false],
  ['connected', 'connect-failed', 'connected', [], false],
  ['connected', 'link-lost', 'disconnected', ['cancel-stable', 'schedule-retry'], true],
  ['connected', 'retry-due', 'connected', [], false],
  ['connected', 'backlog-drained', 'connected', [], false],
  ['connected', 'stable', 'connected', [], true],
  ['connected', 'connect-refused', 'connected', [], false],
  ['connected', 'reconnect', 'connected', [], false],
  ['connected', 'close', 'closed', ['cancel-stable', 'close-link'], true],

  ['disconnected', 'link-up', 'disconnected', ['close-link'], false],
  ['disconnected', 'connect-failed', 'disconnected', [], false],
  ['disconnected', 'link-lost', 'disconnected', [], false],
  ['disconnected', 'retry-due', 'reconnecting', ['connect'], true],
  ['disconnected', 'backlog-drained', 'disconnected', [], false],
  ['disconnected', 'stable', 'disconnected', [], false],
  ['disconnected', 'connect-refused', 'disconnected', [], false],
  ['disconnected', 'reconnect', 'reconnecting', ['cancel-retry', 'connect'], true],
  ['disconnected', 'close', 'closed', ['cancel-retry'], true],

  ['reconnecting', 'link-up', 'syncing', ['schedule-stable'], true],
  ['reconnecting', 'connect-failed', 'disconnected', ['schedule-retry'], true],
  ['reconnecting', 'link-lost', 'reconnecting', [], false],
  ['reconnecting', 'retry-due', 'reconnecting', [], false],
  ['reconnecting', 'backlog-drained', 'reconnecting', [], false],
  ['reconnecting', 'stable', 'reconnecting', [], false],
  ['reconnecting', 'connect-refused', 'failed', [], true],
  ['reconnecting', 'reconnect', 'reconnecting', [], false],
  ['reconnecting', 'close', 'closed', ['abort-connect'], true],

  ['failed', 'link-up', 'failed', ['close-link'], false],
  ['failed', 'connect-failed', 'failed', [], false],
  ['failed', 'connect-refused', 'failed', [], false],
  ['failed', 'link-lost', 'failed', [], false],
  ['failed', 'retry-due', 'failed', [], false],
  ['failed', 'backlog-drained', 'failed', [], false],
  ['failed', 'stable', 'failed', [], false],
  ['failed', 'reconnect', 'connecting', ['connect'], true],
  ['failed', 'close', 'closed', [], true],

  ['closed', 'link-up', 'closed', ['close-link'], false],
  ['closed', 'connect-failed', 'closed', [], false],
  ['closed', 'link-lost', 'closed', [], false],
  ['closed', 'retry-due', 'closed', [], false],
  ['closed', 'backlog-drained', 'closed', [], false],
  ['closed', 'stable', 'closed', [], false],
  ['closed', 'connect-refused', 'closed', [], false],
  ['closed', 'reconnect', 'closed', [], false],
  ['closed', 'close', 'closed', [], false],
];

describe('link state machine: the full state × event table', () => {
  it('has one row for every state × event pair', () => {
    const pairs = new Set(TABLE.map(([from, event]) => `${from} × ${event}`));
    expect(pairs.size).toBe(63);
    for (const from of Object.keys(STATES)) for (const event of Object.keys(EVENTS)) expect(pairs).toContain(`${from} × ${event}`);
  });

  it.each(TABLE)('%s × %s → %s with effects %j', (from, event, to, effects, changed) => {
    const state = STATES[from];
    const result = transition(state, EVENTS[event], config);
    expect(result.state.kind).toBe(to);
    expect(result.effects.map((effect) => effect.type)).toEqual(effects);
    if (changed) expect(result.state.since).toBe(event === 'stable' ? AT : NOW);
    else expect(result.state).toBe(state);
  });
});

describe('link state machine: details of each transition', () => {
  it('starts connecting at attempt 0', () => {
    expect(initialLinkState(42)).toEqual({ kind: 'connecting', since: 42, attempt: 0 });
  });

  it('goes straight to connected when the link comes up with no backlog', () => {
    const result = transition(STATES.reconnecting, { type: 'link-up', at: NOW, backlog: false }, config);
    expect(result.state).toEqual({ kind: 'connected', since: NOW, attempt: 2 });
    expect(result.effects).toEqual([{ type: 'schedule-stable', delayMs: 5_000 }]);
  });

  it('keeps the attempt counter on link-up: only proven health resets it', () => {
    const up = transition(STATES.reconnecting, EVENTS['link-up'], config);
    expect(up.state).toEqual({ kind: 'syncing', since: NOW, attempt: 2 });
    const stable = transition(up.state, EVENTS.stable, config);
    expect(stable.state).toEqual({ kind: 'syncing', since: NOW, attempt: 0 });
  });

  it('waits the backoff for the current attempt, then counts the failure', () => {
    const result = transition(STATES.reconnecting, EVENTS['connect-failed'], config);
    expect(result.state).toEqual({
      kind: 'disconnected',
      since: NOW,
      attempt: 3,
      delayMs: 4_000,
      nextAttemptAt: NOW + 4_000,
      cause: 'connect refused',
    });
    expect(result.effects).toEqual([{ type: 'schedule-retry', delayMs: 4_000 }]);
  });

  it('draws the jitter from the event, so the reducer stays pure', () => {
    const jittered: LinkMachineConfig = { ...config, backoff: { ...backoff, jitter: 'full' } };
    const low = transition(STATES.connected, { ...EVENTS['link-lost'], random: 0.25 } as LinkEvent, jittered);
    const high = transition(STATES.connected, { ...EVENTS['link-lost'], random: 0.75 } as LinkEvent, jittered);
    expect(low.state).toMatchObject({ kind: 'disconnected', delayMs: 1_000, nextAttemptAt: NOW + 1_000, cause: 'peer closed' });
    expect(high.effects).toEqual([{ type: 'cancel-stable' }, { type: 'schedule-retry', delayMs: 3_000 }]);
    expect(transition(STATES.connected, { ...EVENTS['link-lost'], random: 0.25 } as LinkEvent, jittered)).toEqual(low);
  });

  it('reconnects with the attempt it was waiting for', () => {
    const result = transition(STATES.disconnected, EVENTS['retry-due'], config);
    expect(result.state).toEqual({ kind: 'reconnecting', since: NOW, attempt: 2 });
    expect(result.effects).toEqual([{ type: 'connect', attempt: 2 }]);
  });

  it('becomes connected when the backlog drains, keeping the attempt', () => {
    expect(transition(STATES.syncing, EVENTS['backlog-drained'], config).state).toEqual({ kind: 'connected', since: NOW, attempt: 2 });
  });

  it('resets the attempt once the link proved healthy, without moving since', () => {
    expect(transition(STATES.connected, EVENTS.stable, config).state).toEqual({ kind: 'connected', since: AT, attempt: 0 });
  });

  it('fails for good on a refusal, keeping the reason, and starts over from attempt 0 on reconnect', () => {
    const refused = transition(STATES.reconnecting, EVENTS['connect-refused'], config);
    expect(refused).toEqual({ state: { kind: 'failed', since: NOW, attempt: 3, reason: 'token revoked' }, effects: [] });
    const again = transition(refused.state, { type: 'reconnect', at: NOW + 1 }, config);
    expect(again).toEqual({ state: { kind: 'connecting', since: NOW + 1, attempt: 0 }, effects: [{ type: 'connect', attempt: 0 }] });
  });

  it('cuts a backoff wait short on reconnect, keeping the attempt', () => {
    const result = transition(STATES.disconnected, EVENTS.reconnect, config);
    expect(result.state).toEqual({ kind: 'reconnecting', since: NOW, attempt: 2 });
    expect(result.effects).toEqual([{ type: 'cancel-retry' }, { type: 'connect', attempt: 2 }]);
  });

  it('keeps the attempt when closing', () => {
    expect(transition(STATES.disconnected, EVENTS.close, config).state).toEqual({ kind: 'closed', since: NOW, attempt: 2 });
  });

  it('backs off further on a flapping link that never stays up', () => {
    let state = initialLinkState(0);
    const delays: number[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      state = transition(state, { type: 'link-up', at: 0, backlog: false }, config).state;
      const lost = transition(state, { type: 'link-lost', at: 0, cause: 'reset', random: 0 }, config);
      delays.push(...lost.effects.flatMap((effect) => (effect.type === 'schedule-retry' ? [effect.delayMs] : [])));
      state = transition(lost.state, { type: 'retry-due', at: 0 }, config).state;
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('starts again from the first delay after a stable period', () => {
    let state = transition(STATES.reconnecting, { type: 'link-up', at: 0, backlog: false }, config).state;
    state = transition(state, { type: 'stable', at: 5_000 }, config).state;
    const lost = transition(state, { type: 'link-lost', at: 6_000, cause: 'reset', random: 0 }, config);
    expect(lost.state).toMatchObject({ kind: 'disconnected', attempt: 1, delayMs: 1_000 });
  });
});

const eventArbitrary: fc.Arbitrary<LinkEvent> = fc.oneof(
  fc.boolean().map((backlog): LinkEvent => ({ type: 'link-up', at: 0, backlog })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((random): LinkEvent => ({ type: 'connect-failed', at: 0, cause: 'x', random })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((random): LinkEvent => ({ type: 'link-lost', at: 0, cause: 'x', random })),
  fc.constant<LinkEvent>({ type: 'retry-due', at: 0 }),
  fc.constant<LinkEvent>({ type: 'backlog-drained', at: 0 }),
  fc.constant<LinkEvent>({ type: 'stable', at: 0 }),
  fc.constant<LinkEvent>({ type: 'connect-refused', at: 0, cause: 'x' }),
  fc.constant<LinkEvent>({ type: 'reconnect', at: 0 }),
  fc.constant<LinkEvent>({ type: 'close', at: 0 }),
);

describe('link state machine property', () => {
  it('stays within its invariants for any sequence of events', () => {
    const jittered: LinkMachineConfig = { ...config, backoff: { ...backoff, jitter: 'full' } };
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 100 }), (events) => {
        let state = initialLinkState(0);
        let stableScheduled = false;
        let retryScheduled = false;
        for (const event of events) {
          const before = state;
          const { state: after, effects } = transition(state, event, jittered);
          state = after;
          expect(state.attempt).toBeGreaterThanOrEqual(0);
          if (before.kind === 'closed') expect(state).toBe(before);
          for (const effect of effects) {
            if (effect.type === 'schedule-retry') {
              expect(effect.delayMs).toBeGreaterThanOrEqual(0);
              expect(effect.delayMs).toBeLessThanOrEqual(60_000);
              retryScheduled = true;
            }
            if (effect.type === 'schedule-stable') stableScheduled = true;
            if (effect.type === 'cancel-stable') {
              expect(stableScheduled).toBe(true);
              stableScheduled = false;
            }
            if (effect.type === 'cancel-retry' || effect.type === 'connect') retryScheduled = false;
          }
          // A stability timer runs exactly while the link is up; a retry timer exactly while disconnected.
          expect(stableScheduled).toBe(state.kind === 'connected' || state.kind === 'syncing');
          expect(retryScheduled).toBe(state.kind === 'disconnected');
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
