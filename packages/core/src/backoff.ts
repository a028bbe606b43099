// Backoff as pure values: a policy and an attempt number in, a delay out. Randomness is a
// parameter so every schedule is reproducible. The cap is applied before the jitter (never after),
// so a long outage still spreads a fleet over [0, cap) instead of stacking it on the cap.

/** How the capped delay is randomised. */
export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffPolicy {
  /** Delay before the first retry (attempt 0), in ms. */
  readonly initialMs: number;
  /** Growth per attempt. */
  readonly factor: number;
  /** No delay is ever longer than this, in ms. */
  readonly maxMs: number;
  /** `full`: uniform in [0, capped); `equal`: in [capped/2, capped] (never above the cap); `none`: exactly capped. */
  readonly jitter: Jitter;
}

/** Node (and browsers) turn a timer longer than this into 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** 1 s, ×2, cap 60 s, full jitter. With jitter `none`: 1, 2, 4, 8, 16, 32, 60, 60 … s. */
export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'full' });

/** For links that lose data while down: first retry within 250 ms, cap 5 s. */
export const LOSS_PRONE_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 250, factor: 2, maxMs: 5_000, jitter: 'full' });

/** Checks a policy once, where it is built, so that `backoffDelay` never sees nonsense. */
export function backoffPolicy(policy: BackoffPolicy): BackoffPolicy {
  const { initialMs, factor, maxMs, jitter } = policy;
  if (!Number.isFinite(initialMs) || initialMs < 0) throw new RangeError(`backoff initialMs must be a finite number ≥ 0, got ${initialMs}`);
  if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`backoff factor must be a finite number ≥ 1, got ${factor}`);
  if (!Number.isFinite(maxMs) || maxMs < initialMs) throw new RangeError(`backoff maxMs must be finite and ≥ initialMs, got ${maxMs}`);
  if (jitter !== 'none' && jitter !== 'full' && jitter !== 'equal') throw new RangeError(`backoff jitter must be none, full or equal, got ${String(jitter)}`);
  return Object.freeze({ initialMs, factor, maxMs: Math.min(maxMs, MAX_TIMER_MS), jitter });
}

/** The delay before the retry numbered `attempt` (0 = first retry). */
export function cappedDelay(policy: BackoffPolicy, attempt: number): number {
  const cap = Math.min(policy.maxMs, MAX_TIMER_MS);
  if (policy.initialMs <= 0) return 0;
  if (policy.factor === 1) return Math.min(policy.initialMs, cap);
  // The exponent at which the cap is reached; beyond it the result cannot change, so clamp the
  // exponent there and the power never overflows to Infinity.
  const saturation = Math.ceil(Math.log(cap / policy.initialMs) / Math.log(policy.factor));
  const exponent = Math.min(Math.max(0, Math.floor(attempt) || 0), Math.max(0, saturation));
  return Math.min(cap, policy.initialMs * policy.factor ** exponent);
}

/**
 * Delay in whole ms before retry `attempt`: the capped exponential delay, then jitter.
 * `random` must return a number in [0, 1) like `Math.random`.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const capped = cappedDelay(policy, attempt);
  const r = clampUnit(random());
  switch (policy.jitter) {
    case 'none':
      return Math.floor(capped);
    case 'full':
      return Math.floor(capped * r);
    case 'equal':
      return Math.floor(capped / 2 + (capped / 2) * r);
  }
}

function clampUnit(value: number): number {
  if (!(value >= 0)) return 0; // also NaN
  return value >= 1 ? 1 - Number.EPSILON : value;
}

/** Clamps any timer duration to what timers can really wait. */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}
