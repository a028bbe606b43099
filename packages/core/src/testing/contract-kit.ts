// What the transport contract suites share: the check type, a branded failure that always says
// what was expected and what happened instead, a real-time guard for waits (transports run on
// real sockets), and the one place a transport's `send` is called, so a throw becomes a finding.
import { TetherError } from '../errors.js';
import type { SendOutcome } from '../transport.js';
import type { SendOutcomeV2 } from '../transport-v2.js';

export interface ContractCheck {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface ContractOptions {
  /** How long a check waits for something the contract promises. @default 5_000 */
  readonly waitMs?: number;
}

/** A transport or a store broke its contract. `expected` and `actual` say how. */
export class ContractViolation extends TetherError {
  readonly expected: string;
  readonly actual: string;

  constructor(suite: string, what: string, expected: string, actual: string, options?: { cause?: unknown }) {
    super('contract-violation', `${suite}: ${what}: expected ${expected}; got ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

const host = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };

export const realTimers = {
  setTimeout: (callback: () => void, ms: number): unknown => host.setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => host.clearTimeout(handle),
};

/** Settles like `promise`, or `undefined` (marked as timed out) after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<{ readonly settled: true; readonly value: T } | { readonly settled: false }> {
  let handle: unknown;
  const timeout = new Promise<{ settled: false }>((resolve) => {
    handle = realTimers.setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: true as const, value })), timeout]);
  } finally {
    realTimers.clearTimeout(handle);
  }
}

/** Records a callback: `next` is its first call, `after()` the first call from now on. */
export function signalOf<T = void>(): {
  readonly fire: (value: T) => void;
  readonly next: Promise<T>;
  readonly after: () => Promise<T>;
  readonly count: () => number;
} {
  let fired = 0;
  let resolveFirst!: (value: T) => void;
  const next = new Promise<T>((done) => (resolveFirst = done));
  const waiters: ((value: T) => void)[] = [];
  return {
    fire: (value) => {
      fired++;
      resolveFirst(value);
      for (const waiter of waiters.splice(0)) waiter(value);
    },
    next,
    after: () => new Promise<T>((done) => waiters.push(done)),
    count: () => fired,
  };
}

/** One outcome, readable in a failure message. */
export function describeOutcome(outcome: SendOutcome | SendOutcomeV2): string {
  const fields: string[] = [];
  if ('error' in outcome) fields.push(`error ${JSON.stringify(outcome.error)}`);
  if ('reason' in outcome) fields.push(`reason ${outcome.reason}`);
  if ('backendId' in outcome) fields.push(`backendId ${JSON.stringify(outcome.backendId)}`);
  if ('timestamp' in outcome) fields.push(`timestamp ${String(outcome.timestamp)}`);
  return fields.length === 0 ? outcome.kind : `${outcome.kind} (${fields.join(', ')})`;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
