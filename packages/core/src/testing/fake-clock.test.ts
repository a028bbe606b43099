import { describe, expect, it } from 'vitest';
import { FakeClock, flushPromises } from './fake-clock.js';

describe('FakeClock', () => {
  it('starts at the given time, or at 0, and stands still until told', () => {
    expect(new FakeClock().now()).toBe(0);
    const clock = new FakeClock(1_700_000_000_000);
    expect(clock.now()).toBe(1_700_000_000_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_700_000_000_250);
  });

  it('runs a timer when its time comes, not before', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([100]);
    clock.advance(1_000);
    expect(fired).toEqual([100]);
  });

  it('runs due timers in time order, ties in the order they were set, each at its own time', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(30);
  });

  it('runs timers set by a timer within the same advance when they fall due in it', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 0);
      clock.setTimeout(() => fired.push(clock.now()), 15);
      clock.setTimeout(() => fired.push(clock.now()), 100);
    }, 10);
    clock.advance(30);
    expect(fired).toEqual([10, 10, 25]);
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(110);
  });

  it('treats a negative delay as 0', () => {
    const clock = new FakeClock(50);
    let fired = false;
    clock.setTimeout(() => (fired = true), -20);
    expect(clock.nextAt).toBe(50);
    clock.advance(0);
    expect(fired).toBe(true);
  });

  it('cancels a timer by its handle and ignores unknown handles', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    const first = clock.setTimeout(() => fired.push('first'), 10);
    clock.setTimeout(() => fired.push('second'), 20);
    clock.clearTimeout(first);
    clock.clearTimeout('no such timer');
    clock.clearTimeout(undefined);
    expect(clock.pending).toBe(1);
    clock.advance(20);
    expect(fired).toEqual(['second']);
  });

  it('lets a timer cancel another that is due in the same advance', () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => clock.clearTimeout(later), 10);
    const later = clock.setTimeout(() => fired.push('later'), 20);
    clock.advance(50);
    expect(fired).toEqual([]);
  });

  it('counts pending timers and tells when the next is due', () => {
    const clock = new FakeClock(0);
    expect(clock.pending).toBe(0);
    expect(clock.nextAt).toBeUndefined();
    clock.setTimeout(() => {}, 40);
    clock.setTimeout(() => {}, 15);
    expect(clock.pending).toBe(2);
    expect(clock.nextAt).toBe(15);
    clock.advance(15);
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(40);
  });

  it('advance does not wait for promises, advanceAsync does', async () => {
    const schedule = (clock: FakeClock, fired: number[]) => {
      clock.setTimeout(() => {
        void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 5));
      }, 10);
    };
    const syncClock = new FakeClock(0);
    const syncFired: number[] = [];
    schedule(syncClock, syncFired);
    syncClock.advance(100);
    await flushPromises();
    expect(syncFired).toEqual([]);
    expect(syncClock.nextAt).toBe(105);

    const asyncClock = new FakeClock(0);
    const asyncFired: number[] = [];
    schedule(asyncClock, asyncFired);
    await asyncClock.advanceAsync(100);
    expect(asyncFired).toEqual([15]);
    expect(asyncClock.now()).toBe(100);
    expect(asyncClock.pending).toBe(0);
  });

  it('advanceAsync lets an awaiting caller see a settled promise before time moves on', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    void (async () => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
      seen.push(clock.now());
    })();
    await clock.advanceAsync(50);
    expect(seen).toEqual([10]);
  });

  it('next runs the next timer and jumps time exactly to it', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 30);
    clock.setTimeout(() => fired.push(clock.now()), 70);
    await clock.next();
    expect(fired).toEqual([30]);
    expect(clock.now()).toBe(30);
    await clock.next();
    expect(fired).toEqual([30, 70]);
    expect(clock.now()).toBe(70);
  });

  it('next with no timers only lets promises settle', async () => {
    const clock = new FakeClock(5);
    let settled = false;
    void Promise.resolve().then(() => (settled = true));
    await clock.next();
    expect(settled).toBe(true);
    expect(clock.now()).toBe(5);
  });
});

describe('flushPromises', () => {
  it('lets chained promise reactions run', async () => {
    const steps: number[] = [];
    void Promise.resolve()
      .then(() => steps.push(1))
      .then(() => steps.push(2))
      .then(() => steps.push(3));
    await flushPromises();
    expect(steps).toEqual([1, 2, 3]);
  });
});
