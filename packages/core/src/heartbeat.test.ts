import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { Heartbeat, type HeartbeatPort } from './heartbeat.js';
import { FakeClock } from './testing/fake-clock.js';

const OPTIONS = { intervalMs: 10_000, timeoutMs: 3_000 };

/** A heartbeat whose port records each ping and loss with the clock's time. */
function setup(clock: Clock) {
  const events: string[] = [];
  const port: HeartbeatPort = {
    ping: () => events.push(`ping@${clock.now()}`),
    lost: () => events.push(`lost@${clock.now()}`),
  };
  return { heartbeat: new Heartbeat(clock, OPTIONS, port), events };
}

/** Timers run on `timers`, but `now()` reads `offset()` ms away from them, like a stepped wall clock. */
function skewedClock(timers: FakeClock, offset: () => number): Clock {
  return {
    now: () => timers.now() + offset(),
    setTimeout: (callback, ms) => timers.setTimeout(callback, ms),
    clearTimeout: (handle) => timers.clearTimeout(handle),
  };
}

describe('Heartbeat', () => {
  it('pings after the interval without a sign of life, not before', () => {
    const clock = new FakeClock(0);
    const { events } = setup(clock);
    clock.advance(9_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['ping@10000']);
  });

  it('declares the link lost once, when the ping goes unanswered for the timeout', () => {
    const clock = new FakeClock(0);
    const { events } = setup(clock);
    clock.advance(12_999);
    expect(events).toEqual(['ping@10000']);
    clock.advance(1);
    expect(events).toEqual(['ping@10000', 'lost@13000']);
    clock.advance(100_000);
    expect(events).toEqual(['ping@10000', 'lost@13000']);
    expect(clock.pending).toBe(0);
  });

  it('an answer to the ping keeps the link alive and restarts the idle interval from it', () => {
    const clock = new FakeClock(0);
    const { heartbeat, events } = setup(clock);
    clock.advance(11_000);
    heartbeat.activity();
    clock.advance(9_999);
    expect(events).toEqual(['ping@10000']);
    clock.advance(1);
    expect(events).toEqual(['ping@10000', 'ping@21000']);
  });

  it('activity pushes the next ping back to a full interval after it', () => {
    const clock = new FakeClock(0);
    const { heartbeat, events } = setup(clock);
    clock.advance(4_000);
    heartbeat.activity();
    clock.advance(9_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['ping@14000']);
  });

  it('never pings a busy link and keeps a single timer armed', () => {
    const clock = new FakeClock(0);
    const { heartbeat, events } = setup(clock);
    for (let step = 0; step < 1_000; step++) {
      clock.advance(500);
      heartbeat.activity();
      expect(clock.pending).toBe(1);
    }
    expect(events).toEqual([]);
  });

  it('keeps pinging a link that answers each ping', () => {
    const clock = new FakeClock(0);
    const events: string[] = [];
    const heartbeat: Heartbeat = new Heartbeat(clock, OPTIONS, {
      ping: () => {
        events.push(`ping@${clock.now()}`);
        clock.setTimeout(() => heartbeat.activity(), 1_000);
      },
      lost: () => events.push(`lost@${clock.now()}`),
    });
    clock.advance(60_000);
    expect(events).toEqual(['ping@10000', 'ping@21000', 'ping@32000', 'ping@43000', 'ping@54000']);
  });

  it('does nothing after stop, and leaves no timer behind', () => {
    const clock = new FakeClock(0);
    const { heartbeat, events } = setup(clock);
    clock.advance(10_000);
    heartbeat.stop();
    heartbeat.stop();
    expect(clock.pending).toBe(0);
    clock.advance(100_000);
    expect(events).toEqual(['ping@10000']);
  });

  it('waits only the rest of the timeout when its timer fires early', () => {
    // A clock whose reading lags its timers by 1 s from the first ping on, as a slewed wall clock can.
    const timers = new FakeClock(0);
    let lag = 0;
    const clock = skewedClock(timers, () => -lag);
    const events: string[] = [];
    new Heartbeat(clock, OPTIONS, {
      ping: () => {
        events.push(`ping@${timers.now()}`);
        lag = 1_000;
      },
      lost: () => events.push(`lost@${timers.now()}`),
    });
    timers.advance(13_000);
    expect(events).toEqual(['ping@10000']);
    timers.advance(1_000);
    expect(events).toEqual(['ping@10000', 'lost@14000']);
  });

  // Bug: when ping() stops the heartbeat (e.g. the link closes synchronously as the ping is
  // written), #check re-arms a timeout timer after stop(), leaving a live timer behind.
  it('leaves no timer behind when stopped from inside ping', () => {
    const clock = new FakeClock(0);
    const lost: number[] = [];
    const heartbeat: Heartbeat = new Heartbeat(clock, OPTIONS, { ping: () => heartbeat.stop(), lost: () => lost.push(clock.now()) });
    clock.advance(10_000);
    expect(clock.pending).toBe(0);
    clock.advance(100_000);
    expect(lost).toEqual([]);
  });

  // Bug: Clock.now() is wall-clock time. If it steps back (NTP, VM resume), `intervalMs - idle`
  // becomes huge and the heartbeat stays deaf for as long as the step: a dead peer goes unnoticed.
  it('still pings within the interval after the wall clock steps back an hour', () => {
    const timers = new FakeClock(0);
    let offset = 0;
    const clock = skewedClock(timers, () => offset);
    const { heartbeat, events } = setup(clock);
    timers.advance(5_000);
    heartbeat.activity();
    offset = -3_600_000;
    timers.advance(20_000);
    expect(events.filter((event) => event.startsWith('ping'))).not.toEqual([]);
  });
});
