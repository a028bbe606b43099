import type { LinkChange } from '@tether/core';
import { FakeClock } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import { LossWindows } from './loss-windows.js';

/** A channel that only announces link changes, as the loss windows need it. */
function fakeChannel() {
  const listeners = new Set<(change: LinkChange) => void>();
  const connection = { lastActivityAt: undefined as number | undefined };
  return {
    connection,
    onLinkChange(listener: (change: LinkChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    change(from: string, to: string, at: number) {
      for (const listener of listeners) listener({ from, to, at, attempt: 0 } as unknown as LinkChange);
    },
  };
}

function setup(options: { openSince?: number; previousRun?: boolean; lossy?: () => boolean } = {}) {
  const clock = new FakeClock(1_000);
  const closed: { from: number; to: number }[] = [];
  const opened: number[] = [];
  const windows = new LossWindows({
    clock,
    ...(options.openSince === undefined ? {} : { openSince: options.openSince }),
    ...(options.previousRun === undefined ? {} : { openSinceFromPreviousRun: options.previousRun }),
    ...(options.lossy ? { isLossy: options.lossy } : {}),
    onClosed: (window) => closed.push(window),
    onOpened: (from) => opened.push(from),
  });
  const channel = fakeChannel();
  windows.follow(channel as never);
  return { clock, windows, channel, closed, opened };
}

describe('LossWindows', () => {
  it('opens at the last sign of life when the link goes, and closes when it is back', () => {
    const { windows, channel, closed } = setup({ openSince: 500 });
    channel.change('connecting', 'connected', 1_000);
    channel.connection.lastActivityAt = 1_900;
    channel.change('connected', 'disconnected', 2_000);
    expect(windows.list()).toEqual([{ from: 500, to: 1_000 }, { from: 1_900 }]);
    channel.change('reconnecting', 'syncing', 2_500);
    expect(closed).toEqual([{ from: 500, to: 1_000 }, { from: 1_900, to: 2_500 }]);
  });

  it('opens from the last good probe when a probe fails while the link is up, and closes at the next good one', () => {
    const { clock, windows, channel, closed } = setup();
    channel.change('connecting', 'connected', 1_000);
    clock.advance(4_000);
    windows.probed(true); // 5_000
    clock.advance(5_000);
    windows.probed(false); // 10_000: signal-cli went somewhere after 5_000
    windows.probed(false);
    expect(windows.list()).toEqual([{ from: 5_000 }]);
    clock.advance(3_000);
    windows.probed(true);
    expect(closed).toEqual([{ from: 5_000, to: 13_000 }]);
  });

  it('opens from the moment the last good probe was sent, not when its answer came', () => {
    const { clock, windows, channel, closed } = setup();
    channel.change('connecting', 'connected', 1_000);
    clock.advance(4_100);
    windows.probed(true, 5_000); // sent at 5_000, answered at 5_100: alive somewhere in between
    clock.advance(4_900);
    windows.probed(false, 9_990);
    expect(windows.list()).toEqual([{ from: 5_000 }]);
    clock.advance(1_000);
    windows.probed(true, 10_500);
    expect(closed).toEqual([{ from: 5_000, to: 11_000 }]);
  });

  it('tells when a window opens or reaches further back, not when it merely stays open', () => {
    const { clock, windows, channel, opened } = setup();
    channel.change('connecting', 'connected', 1_000);
    clock.advance(2_000);
    windows.probed(true, 2_000);
    clock.advance(1_000);
    channel.connection.lastActivityAt = 3_500;
    windows.probed(false); // from 2_000
    channel.change('connected', 'disconnected', 4_000); // from min(2_000, 3_500): no news
    expect(opened).toEqual([2_000]);
    channel.change('reconnecting', 'connected', 4_500);
    windows.probed(true);
    channel.connection.lastActivityAt = 4_800;
    channel.change('connected', 'disconnected', 5_000);
    expect(opened).toEqual([2_000, 4_800]);
  });

  it('starts at the link coming up when no probe succeeded since, and ignores probes while the link is down', () => {
    const { clock, windows, channel } = setup();
    windows.probed(false);
    expect(windows.list()).toEqual([]);
    channel.change('connecting', 'connected', 1_000);
    clock.advance(1_000);
    windows.probed(false);
    expect(windows.list()).toEqual([{ from: 1_000 }]);
  });

  it('keeps one window open while either cause lasts', () => {
    const { clock, windows, channel, closed } = setup();
    channel.change('connecting', 'connected', 1_000);
    clock.advance(1_000);
    windows.probed(false); // from 1_000
    channel.change('connected', 'disconnected', 3_000);
    channel.change('reconnecting', 'connected', 4_000);
    expect(closed).toEqual([]);
    clock.advance(4_000);
    windows.probed(true);
    expect(closed).toEqual([{ from: 1_000, to: 6_000 }]);
  });

  it('keeps the link gaps of a backend that keeps messages waiting: what was on the wire when the link broke may be gone', () => {
    const { windows, channel, closed } = setup({ openSince: 0, lossy: () => false });
    channel.change('connecting', 'connected', 1_000); // a fresh start: nothing was in flight
    channel.change('connected', 'disconnected', 2_000);
    channel.change('reconnecting', 'connected', 3_000);
    expect(closed).toEqual([{ from: 2_000, to: 3_000 }]);
    expect(windows.list()).toEqual(closed);
  });

  it("keeps the first window of a run that continues a previous one, with any backend", () => {
    const { channel, closed } = setup({ openSince: 500, previousRun: true, lossy: () => false });
    channel.change('connecting', 'connected', 1_000);
    expect(closed).toEqual([{ from: 500, to: 1_000 }]);
  });

  it('keeps the first window of a fresh start only where the backend drops what arrives unheard', () => {
    let lossy = false;
    const fresh = setup({ openSince: 500, lossy: () => lossy });
    fresh.channel.change('connecting', 'connected', 1_000);
    expect(fresh.closed).toEqual([]);
    lossy = true;
    const rest = setup({ openSince: 500, lossy: () => lossy });
    rest.channel.change('connecting', 'connected', 1_000);
    expect(rest.closed).toEqual([{ from: 500, to: 1_000 }]);
  });
});
