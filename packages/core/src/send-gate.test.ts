import { describe, expect, it } from 'vitest';
import { SendGate, type GateChange } from './send-gate.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';

function setup(probe?: (signal: AbortSignal) => Promise<boolean>) {
  const clock = new FakeClock(0);
  const gate = new SendGate({
    clock,
    random: () => 0.5,
    sendTimeoutPauseMs: 5_000,
    rateLimitBackoff: { initialMs: 30_000, factor: 2, maxMs: 3_600_000, jitter: 'none' },
    probeBackoff: { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 'none' },
    ...(probe ? { probe } : {}),
  });
  const changes: GateChange[] = [];
  gate.onChange((change) => changes.push(change));
  return { clock, gate, changes };
}

describe('SendGate', () => {
  it('starts open', () => {
    const { gate } = setup();
    expect(gate.isOpen).toBe(true);
    expect(gate.state).toEqual({ state: 'open', since: 0 });
  });

  it('pauses for Retry-After when the backend names it, then reopens by itself', () => {
    const { clock, gate, changes } = setup();
    gate.pause('rate-limited', { retryAfterMs: 12_000, error: '429' });
    expect(gate.state).toEqual({ state: 'paused', reason: 'rate-limited', since: 0, until: 12_000, error: '429' });
    clock.advance(11_999);
    expect(gate.isOpen).toBe(false);
    clock.advance(1);
    expect(gate.isOpen).toBe(true);
    expect(changes.map((change) => change.cause)).toEqual(['429', 'rate-limited pause elapsed']);
  });

  it('backs off from 30 s towards 1 h on repeated rate limits without Retry-After, and resets after a success', () => {
    const { clock, gate } = setup();
    const untils: number[] = [];
    for (let i = 0; i < 9; i++) {
      gate.pause('rate-limited');
      const state = gate.state;
      if (state.state !== 'paused' || state.until === undefined) throw new Error('expected a timed pause');
      untils.push(state.until - clock.now());
      clock.advance(state.until - clock.now());
    }
    expect(untils).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
    gate.recordSuccess();
    gate.pause('rate-limited');
    expect(gate.state).toMatchObject({ until: clock.now() + 30_000 });
  });

  it('holds a captcha pause until it is opened by hand, and lets no other pause replace it', () => {
    const { clock, gate } = setup();
    gate.pause('captcha-required', { challengeToken: 'token-1' });
    gate.pause('send-timeout');
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'captcha-required', challengeToken: 'token-1' });
    clock.advance(24 * 3_600_000);
    expect(gate.isOpen).toBe(false);
    gate.open('challenge submitted');
    expect(gate.isOpen).toBe(true);
  });

  it('pauses briefly after a send timeout', () => {
    const { clock, gate } = setup();
    gate.pause('send-timeout');
    clock.advance(4_999);
    expect(gate.isOpen).toBe(false);
    clock.advance(1);
    expect(gate.isOpen).toBe(true);
  });

  it('probes with backoff while the backend is not ready and reopens when a probe succeeds', async () => {
    const answers = [false, false, true];
    const probes: number[] = [];
    const { clock, gate } = setup(async () => {
      probes.push(clock.now());
      return answers.shift() ?? true;
    });
    gate.pause('backend-not-ready', { error: 'Specified account does not exist' });
    await clock.advanceAsync(1_000 + 2_000 + 4_000);
    expect(probes).toEqual([1_000, 3_000, 7_000]);
    expect(gate.isOpen).toBe(true);
  });

  it('treats a probe that hangs past its deadline as not ready, and aborts it', async () => {
    let aborted = false;
    const clock = new FakeClock(0);
    const gate = new SendGate({
      clock,
      probeTimeoutMs: 2_000,
      probe: (signal) =>
        new Promise<boolean>(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const checking = gate.checkReadiness();
    await clock.advanceAsync(1_999);
    expect(gate.isOpen).toBe(true);
    await clock.advanceAsync(1);
    await checking;
    expect(aborted).toBe(true);
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'backend-not-ready' });
    gate.close();
  });

  it('treats a throwing probe as not ready', async () => {
    let calls = 0;
    const { clock, gate } = setup(async () => {
      calls++;
      if (calls === 1) throw new Error('socket hang up');
      return true;
    });
    gate.pause('backend-not-ready');
    await clock.advanceAsync(1_000);
    expect(gate.isOpen).toBe(false);
    await clock.advanceAsync(2_000);
    expect(gate.isOpen).toBe(true);
  });

  it('keeps backing off across consecutive not-ready pauses until a send succeeds', async () => {
    const { clock, gate } = setup();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      gate.pause('backend-not-ready');
      const paused = clock.now();
      await clock.next();
      waits.push(clock.now() - paused);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    gate.recordSuccess();
    gate.pause('backend-not-ready');
    const paused = clock.now();
    await clock.next();
    expect(clock.now() - paused).toBe(1_000);
  });

  it('reopens after the backoff when there is no probe', async () => {
    const { clock, gate } = setup();
    gate.pause('backend-not-ready');
    await clock.advanceAsync(1_000);
    expect(gate.isOpen).toBe(true);
  });

  it('checkReadiness pauses the gate when the probe fails, and does nothing without a probe', async () => {
    const plain = setup();
    await plain.gate.checkReadiness();
    expect(plain.gate.isOpen).toBe(true);

    const { gate } = setup(async () => false);
    await gate.checkReadiness();
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'backend-not-ready', error: 'readiness probe failed' });
  });

  it('a new pause replaces an older one, cancelling its timer', async () => {
    const { clock, gate } = setup();
    gate.pause('send-timeout');
    gate.pause('rate-limited', { retryAfterMs: 60_000 });
    clock.advance(5_000);
    expect(gate.state).toMatchObject({ reason: 'rate-limited' });
    clock.advance(55_000);
    expect(gate.isOpen).toBe(true);
  });

  it('streams the current state first and ends on close; ignores everything after close', async () => {
    const { clock, gate } = setup();
    const states = gate.states();
    expect((await states.next()).value).toMatchObject({ state: 'open' });
    gate.pause('send-timeout');
    expect((await states.next()).value).toMatchObject({ state: 'paused' });
    gate.close();
    expect(clock.pending).toBe(0);
    gate.pause('rate-limited');
    gate.open('late');
    await gate.checkReadiness();
    const rest: unknown[] = [];
    for await (const state of states) rest.push(state);
    expect(rest).toEqual([]); // the stream ends; nothing after close
    expect(gate.state).toMatchObject({ state: 'paused', reason: 'send-timeout' });
    await flushPromises();
  });

  it('open() on an open gate changes nothing', () => {
    const { gate, changes } = setup();
    gate.open('nothing to do');
    expect(changes).toEqual([]);
  });

  it('pauses unauthorized with its own backoff (30 s, ×2, cap 10 min), reopening by itself, until a success resets it', () => {
    const clock = new FakeClock(0);
    const gate = new SendGate({ clock, random: () => 0.5, unauthorizedBackoff: { initialMs: 30_000, factor: 2, maxMs: 600_000, jitter: 'none' } });
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      gate.pause('unauthorized', { error: '401 Unauthorized' });
      const state = gate.state;
      if (state.state !== 'paused' || state.until === undefined) throw new Error('expected a timed pause');
      expect(state).toMatchObject({ reason: 'unauthorized', error: '401 Unauthorized' });
      waits.push(state.until - clock.now());
      clock.advance(state.until - clock.now());
      expect(gate.isOpen).toBe(true);
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
    gate.recordSuccess();
    gate.pause('unauthorized');
    expect(gate.state).toMatchObject({ until: clock.now() + 30_000 });
    gate.open('operator re-linked the account');
    expect(gate.isOpen).toBe(true);
  });

  it('defaults to equal jitter for unauthorized: never below half the step', () => {
    const clock = new FakeClock(0);
    const gate = new SendGate({ clock, random: () => 0 });
    gate.pause('unauthorized');
    expect(gate.state).toMatchObject({ until: 15_000 });
  });

  it('arms its timer before telling listeners, and a throwing listener cannot keep it paused', () => {
    const { clock, gate } = setup();
    const pendingWhenTold: number[] = [];
    gate.onChange((change) => {
      if (change.to.state === 'paused') pendingWhenTold.push(clock.pending);
      throw new Error('listener bug');
    });
    gate.pause('send-timeout');
    expect(pendingWhenTold).toEqual([1]);
    clock.advance(5_000);
    expect(gate.isOpen).toBe(true);
  });
});
