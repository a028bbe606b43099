import { describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS } from './backoff.js';
import { sleep, systemClock } from './clock.js';
import { AbortedError } from './errors.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';

/** Follows a promise without awaiting it, so a test can ask "has it settled yet?". */
function track(promise: Promise<unknown>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly error: unknown } {
  const tracked = { state: 'pending' as 'pending' | 'resolved' | 'rejected', error: undefined as unknown };
  promise.then(
    () => (tracked.state = 'resolved'),
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

describe('systemClock', () => {
  it('tells the wall-clock time in ms since the epoch', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(Object.isFrozen(systemClock)).toBe(true);
  });

  it('clamps each delay to what a real timer can wait, then hands the handle back for clearing', () => {
    const handles: unknown[] = [];
    const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((_: () => void, ms: number) => {
      handles.push(ms);
      return `handle-${handles.length}`;
    }) as unknown as typeof setTimeout);
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout').mockImplementation(() => {});
    try {
      const callback = (): void => {};
      expect(systemClock.setTimeout(callback, 2 ** 40)).toBe('handle-1');
      systemClock.setTimeout(callback, -10);
      systemClock.setTimeout(callback, Number.NaN);
      systemClock.setTimeout(callback, 12.3);
      systemClock.clearTimeout('handle-1');
      expect(setSpy.mock.calls.map(([handler]) => handler)).toEqual([callback, callback, callback, callback]);
      expect(handles).toEqual([MAX_TIMER_MS, 0, 0, 13]);
      expect(clearSpy).toHaveBeenCalledWith('handle-1');
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });
});

describe('sleep', () => {
  it('resolves once the clock has moved by the delay, not before', async () => {
    const clock = new FakeClock(0);
    const wait = track(sleep(clock, 1_000));
    clock.advance(999);
    await flushPromises();
    expect(wait.state).toBe('pending');
    clock.advance(1);
    await flushPromises();
    expect(wait.state).toBe('resolved');
  });

  it('rejects at once with AbortedError when the signal has already aborted, arming no timer', async () => {
    const clock = new FakeClock(0);
    const reason = new Error('shutting down');
    const wait = sleep(clock, 1_000, AbortSignal.abort(reason));
    await expect(wait).rejects.toBeInstanceOf(AbortedError);
    await expect(wait).rejects.toMatchObject({ code: 'aborted', cause: reason });
    expect(clock.pending).toBe(0);
  });

  it('rejects as soon as the signal aborts and cancels its timer', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const wait = track(sleep(clock, 60_000, controller.signal));
    clock.advance(10);
    expect(clock.pending).toBe(1);
    controller.abort('closing');
    await flushPromises();
    expect(wait.state).toBe('rejected');
    expect(AbortedError.isInstance(wait.error)).toBe(true);
    expect((wait.error as AbortedError).cause).toBe('closing');
    expect(clock.pending).toBe(0);
  });

  it('removes its abort listener when the wait completes', async () => {
    const clock = new FakeClock(0);
    const { signal } = new AbortController();
    const add = vi.spyOn(signal, 'addEventListener');
    const remove = vi.spyOn(signal, 'removeEventListener');
    const wait = sleep(clock, 5, signal);
    clock.advance(5);
    await wait;
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
  });

  it('ignores an abort that comes after the wait completed', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const wait = track(sleep(clock, 5, controller.signal));
    clock.advance(5);
    await flushPromises();
    controller.abort();
    await flushPromises();
    expect(wait.state).toBe('resolved');
  });
});
