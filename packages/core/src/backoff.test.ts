import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  backoffPolicy,
  cappedDelay,
  clampTimerMs,
  DEFAULT_BACKOFF,
  LOSS_PRONE_BACKOFF,
  MAX_TIMER_MS,
  type BackoffPolicy,
  type Jitter,
} from './backoff.js';

/** A small seeded PRNG (mulberry32), so that every schedule in these tests is reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const withJitter = (policy: BackoffPolicy, jitter: Jitter): BackoffPolicy => ({ ...policy, jitter });

/** The textbook schedule, computed step by step without any clamping tricks. */
function referenceCapped(policy: BackoffPolicy, attempt: number): number {
  const cap = Math.min(policy.maxMs, MAX_TIMER_MS);
  let delay = policy.initialMs;
  for (let step = 0; step < attempt && delay < cap; step++) delay *= policy.factor;
  return Math.min(cap, delay);
}

const policyArbitrary = fc
  .record({
    initialMs: fc.integer({ min: 0, max: 100_000 }),
    factor: fc.oneof(fc.constantFrom(1, 1.5, 2, 3, 10), fc.double({ min: 1, max: 16, noNaN: true })),
    extraMs: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.constant(2 ** 40)),
    jitter: fc.constantFrom<Jitter>('none', 'full', 'equal'),
  })
  .map(({ initialMs, factor, extraMs, jitter }) => backoffPolicy({ initialMs, factor, maxMs: initialMs + extraMs, jitter }));

const attemptArbitrary = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constant(10_000), fc.integer({ min: 0, max: 2 ** 31 }));
const drawArbitrary = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay presets', () => {
  it('follows the classic 1, 2, 4 … 60 s schedule for the default policy without jitter', () => {
    const policy = withJitter(DEFAULT_BACKOFF, 'none');
    const delays = Array.from({ length: 9 }, (_, attempt) => backoffDelay(policy, attempt));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('uses 1 s, ×2, a 60 s cap and full jitter by default', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'full' });
    expect(Object.isFrozen(DEFAULT_BACKOFF)).toBe(true);
  });

  it('retries a loss-prone link within 250 ms and never waits more than 5 s', () => {
    expect(LOSS_PRONE_BACKOFF).toEqual({ initialMs: 250, factor: 2, maxMs: 5_000, jitter: 'full' });
    expect(Object.isFrozen(LOSS_PRONE_BACKOFF)).toBe(true);
    const random = seededRandom(7);
    for (let draw = 0; draw < 1_000; draw++) expect(backoffDelay(LOSS_PRONE_BACKOFF, 0, random)).toBeLessThan(250);
    expect(backoffDelay(LOSS_PRONE_BACKOFF, 0, () => 0.999_999)).toBe(249);
    const schedule = Array.from({ length: 8 }, (_, attempt) => backoffDelay(withJitter(LOSS_PRONE_BACKOFF, 'none'), attempt));
    expect(schedule).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });
});

describe('backoffDelay jitter', () => {
  const policy: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'full' };

  it('spreads full jitter uniformly over [0, capped)', () => {
    expect(backoffDelay(policy, 2, () => 0)).toBe(0);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(2_000);
    expect(backoffDelay(policy, 2, () => 0.999_999_9)).toBe(3_999);
  });

  it('keeps equal jitter in [capped / 2, capped)', () => {
    const equal = withJitter(policy, 'equal');
    expect(backoffDelay(equal, 2, () => 0)).toBe(2_000);
    expect(backoffDelay(equal, 2, () => 0.5)).toBe(3_000);
    expect(backoffDelay(equal, 2, () => 0.999_999_9)).toBe(3_999);
  });

  it('ignores the random draw when jitter is none', () => {
    const none = withJitter(policy, 'none');
    expect(backoffDelay(none, 3, () => 0)).toBe(8_000);
    expect(backoffDelay(none, 3, () => 0.9)).toBe(8_000);
  });

  it('randomises after the cap, so delays deep into an outage still cover [0, cap)', () => {
    const random = seededRandom(2024);
    const samples = 10_000;
    const buckets = new Array<number>(10).fill(0);
    let atCap = 0;
    let nearCap = 0;
    for (let sample = 0; sample < samples; sample++) {
      const delay = backoffDelay(DEFAULT_BACKOFF, 10_000, random);
      if (delay === 60_000) atCap++;
      if (delay >= 59_400) nearCap++;
      buckets[Math.floor(delay / 6_000)]!++;
    }
    // socket.io's clamp-after-jitter puts about 97 % of these on the cap; uniform puts about 1 % in its top 1 %.
    expect(atCap).toBe(0);
    expect(nearCap / samples).toBeLessThan(0.02);
    for (const count of buckets) {
      expect(count / samples).toBeGreaterThan(0.08);
      expect(count / samples).toBeLessThan(0.12);
    }
  });

  it('keeps equal jitter spread over the top half of the cap deep into an outage', () => {
    const random = seededRandom(99);
    const delays = Array.from({ length: 5_000 }, () => backoffDelay(withJitter(DEFAULT_BACKOFF, 'equal'), 10_000, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...delays)).toBeLessThan(60_000);
    expect(delays.filter((delay) => delay < 45_000).length / delays.length).toBeGreaterThan(0.45);
    expect(delays.filter((delay) => delay >= 59_700).length / delays.length).toBeLessThan(0.02);
  });

  it('is deterministic for a seeded random', () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, (_, attempt) => backoffDelay(DEFAULT_BACKOFF, attempt, random));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('treats a random draw outside [0, 1) as the nearest valid draw', () => {
    expect(backoffDelay(policy, 0, () => 1)).toBe(999);
    expect(backoffDelay(policy, 0, () => 7)).toBe(999);
    expect(backoffDelay(policy, 0, () => -0.5)).toBe(0);
    expect(backoffDelay(policy, 0, () => Number.NaN)).toBe(0);
  });

  it('uses Math.random when no random is given', () => {
    for (let draw = 0; draw < 100; draw++) {
      const delay = backoffDelay(policy, 3);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(8_000);
    }
  });
});

describe('backoffDelay limits', () => {
  it('stays finite and on the cap at attempt 10,000 and beyond', () => {
    const none = withJitter(DEFAULT_BACKOFF, 'none');
    for (const attempt of [1_024, 1_075, 10_000, 1e9, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      expect(cappedDelay(none, attempt)).toBe(60_000);
      expect(backoffDelay(none, attempt)).toBe(60_000);
    }
  });

  it('never overflows a huge factor', () => {
    const policy: BackoffPolicy = { initialMs: 1, factor: 1e300, maxMs: 1_000, jitter: 'none' };
    expect([0, 1, 2, 10_000].map((attempt) => backoffDelay(policy, attempt))).toEqual([1, 1_000, 1_000, 1_000]);
  });

  it('clamps every delay to 2^31 − 1 ms, the longest a timer can wait', () => {
    const policy: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 1e15, jitter: 'none' };
    expect(backoffDelay(policy, 10_000)).toBe(MAX_TIMER_MS);
    expect(backoffDelay(withJitter(policy, 'full'), 10_000, () => 0.999_999_999)).toBeLessThan(MAX_TIMER_MS);
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });

  it('treats a negative or fractional attempt as the whole attempt below it, never below 0', () => {
    const none = withJitter(DEFAULT_BACKOFF, 'none');
    expect(backoffDelay(none, -5)).toBe(1_000);
    expect(backoffDelay(none, 2.9)).toBe(4_000);
  });

  // Bug: Math.max(0, NaN) is NaN, so a NaN attempt yields a NaN delay (Node turns it into a 1 ms timer).
  it('gives a finite delay within the cap even for a NaN attempt', () => {
    const delay = backoffDelay(withJitter(DEFAULT_BACKOFF, 'none'), Number.NaN);
    expect(Number.isFinite(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it('waits nothing when the initial delay is 0', () => {
    const policy: BackoffPolicy = { initialMs: 0, factor: 2, maxMs: 1_000, jitter: 'none' };
    expect([0, 5, 10_000].map((attempt) => backoffDelay(policy, attempt))).toEqual([0, 0, 0]);
  });

  it('keeps a constant delay when the factor is 1', () => {
    const policy: BackoffPolicy = { initialMs: 700, factor: 1, maxMs: 1_000, jitter: 'none' };
    expect([0, 1, 10_000].map((attempt) => backoffDelay(policy, attempt))).toEqual([700, 700, 700]);
  });

  it('never exceeds the cap even when an unchecked policy starts above it', () => {
    const policy: BackoffPolicy = { initialMs: 5_000, factor: 2, maxMs: 1_000, jitter: 'none' };
    expect(backoffDelay(policy, 0)).toBe(1_000);
    expect(cappedDelay({ ...policy, factor: 1 }, 0)).toBe(1_000);
  });
});

describe('backoff properties', () => {
  it('is a whole number in [0, cap], within the jitter band of the capped delay', () => {
    fc.assert(
      fc.property(policyArbitrary, attemptArbitrary, drawArbitrary, (policy, attempt, draw) => {
        const cap = Math.min(policy.maxMs, MAX_TIMER_MS);
        const capped = cappedDelay(policy, attempt);
        const delay = backoffDelay(policy, attempt, () => draw);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(cap);
        expect(capped).toBeLessThanOrEqual(cap);
        if (policy.jitter === 'none') expect(delay).toBe(Math.floor(capped));
        if (policy.jitter === 'full' && capped > 0) expect(delay).toBeLessThan(capped);
        // Two roundings (capped/2 + capped/2·r) can land exactly on capped for r = 1 − 2^−53.
        if (policy.jitter === 'equal') expect(delay).toBeGreaterThanOrEqual(Math.floor(capped / 2));
      }),
      { numRuns: 1_000 },
    );
  });

  it('matches the textbook min(cap, initial × factor^attempt) schedule', () => {
    fc.assert(
      fc.property(policyArbitrary, fc.integer({ min: 0, max: 80 }), (policy, attempt) => {
        // Repeated multiplication and a single power differ in the last bits, nothing more.
        const expected = referenceCapped(policy, attempt);
        expect(Math.abs(cappedDelay(policy, attempt) - expected)).toBeLessThanOrEqual(expected * 1e-12);
      }),
      { numRuns: 1_000 },
    );
  });

  it('never shrinks from one attempt to the next', () => {
    fc.assert(
      fc.property(policyArbitrary, fc.integer({ min: 0, max: 10_000 }), (policy, attempt) => {
        expect(cappedDelay(policy, attempt + 1)).toBeGreaterThanOrEqual(cappedDelay(policy, attempt));
      }),
      { numRuns: 1_000 },
    );
  });

  it('still spreads over the cap at attempt 10,000 for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = seededRandom(seed);
        const delays = Array.from({ length: 200 }, () => backoffDelay(DEFAULT_BACKOFF, 10_000, random));
        // A uniform draw puts about 2 of 200 in the top 1 %; clamp-after-jitter would put about 194 there.
        expect(delays.filter((delay) => delay >= 59_400).length).toBeLessThan(20);
        expect(Math.min(...delays)).toBeLessThan(15_000);
        expect(Math.max(...delays)).toBeGreaterThan(45_000);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('backoffPolicy', () => {
  it('returns a frozen copy of a valid policy', () => {
    const policy = backoffPolicy({ initialMs: 250, factor: 2, maxMs: 5_000, jitter: 'equal' });
    expect(policy).toEqual({ initialMs: 250, factor: 2, maxMs: 5_000, jitter: 'equal' });
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('clamps the cap to the longest timer', () => {
    expect(backoffPolicy({ initialMs: 1, factor: 2, maxMs: 1e12, jitter: 'full' }).maxMs).toBe(MAX_TIMER_MS);
  });

  it.each<[string, Partial<BackoffPolicy>, RegExp]>([
    ['a negative initial delay', { initialMs: -1 }, /initialMs/],
    ['a NaN initial delay', { initialMs: Number.NaN }, /initialMs/],
    ['an infinite initial delay', { initialMs: Number.POSITIVE_INFINITY }, /initialMs/],
    ['a factor below 1', { factor: 0.5 }, /factor/],
    ['a NaN factor', { factor: Number.NaN }, /factor/],
    ['an infinite factor', { factor: Number.POSITIVE_INFINITY }, /factor/],
    ['a cap below the initial delay', { maxMs: 10 }, /maxMs/],
    ['an infinite cap', { maxMs: Number.POSITIVE_INFINITY }, /maxMs/],
    ['an unknown jitter', { jitter: 'decorrelated' as Jitter }, /jitter/],
  ])('rejects %s', (_, override, message) => {
    expect(() => backoffPolicy({ initialMs: 100, factor: 2, maxMs: 1_000, jitter: 'full', ...override })).toThrow(RangeError);
    expect(() => backoffPolicy({ initialMs: 100, factor: 2, maxMs: 1_000, jitter: 'full', ...override })).toThrow(message);
  });
});

describe('clampTimerMs', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [Number.NaN, 0],
    [0.2, 1],
    [1_500.5, 1_501],
    [MAX_TIMER_MS, MAX_TIMER_MS],
    [MAX_TIMER_MS + 1, MAX_TIMER_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_MS],
  ])('clamps %d ms to %d ms', (input, expected) => {
    expect(clampTimerMs(input)).toBe(expected);
  });
});
