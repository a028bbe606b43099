import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';
import { FakeClock } from './testing/fake-clock.js';

describe('Pacer', () => {
  it('allows a burst, then one send per interval', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer(clock, { ratePerMinute: 60, burst: 3 });
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 0, 0]);
    expect(pacer.reserve()).toBe(1_000);
    clock.advance(999);
    expect(pacer.reserve()).toBe(1);
    clock.advance(1);
    expect(pacer.reserve()).toBe(0);
    clock.advance(60_000);
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 0, 0, 1_000]); // refills to the burst, no further
  });

  it('defaults to a burst of one and refuses a rate that is not positive', () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer(clock, { ratePerMinute: 120 });
    expect([pacer.reserve(), pacer.reserve()]).toEqual([0, 500]);
    expect(() => new Pacer(clock, { ratePerMinute: 0 })).toThrow(RangeError);
  });
});
