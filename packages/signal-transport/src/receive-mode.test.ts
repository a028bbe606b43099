import { describe, expect, it } from 'vitest';
import { frameKey, NotificationFilter, planConnect, type ConnectPlan, type ReceiveMode } from './receive-mode.js';

const ACCOUNT = '+4915200000001';
const frame = (timestamp: number) => ({ envelope: { sourceUuid: 'ca354906-75fd-4290-a4bd-324b4c0ad454', sourceDevice: 1, timestamp }, account: ACCOUNT });
const wrapped = (subscription: number, timestamp: number) => ({ subscription, result: frame(timestamp) });

function filter(configured: ReceiveMode | undefined, probe: 'manual' | 'busy', subscription?: number): NotificationFilter {
  const made = new NotificationFilter(configured);
  made.apply(planConnect(configured, probe) as ConnectPlan);
  if (subscription !== undefined) made.subscribed(subscription);
  return made;
}

describe('planConnect', () => {
  it.each([
    [undefined, 'manual', { subscribe: true, mode: 'manual', certain: true }],
    ['manual', 'manual', { subscribe: true, mode: 'manual', certain: true }],
    [undefined, 'busy', { subscribe: true, mode: 'on-start', certain: false }],
    ['manual', 'busy', { subscribe: true, mode: 'manual', certain: true }],
    ['on-start', 'busy', { subscribe: false, mode: 'on-start', certain: true }],
  ] as const)('configured %s, probe %s', (configured, probe, plan) => {
    expect(planConnect(configured, probe)).toEqual(plan);
  });

  it('names what was configured, what was found and the fix', () => {
    expect(planConnect('on-start', 'manual')).toEqual({
      contradiction: expect.stringMatching(/configured as on-start, but signal-cli waits for subscribeReceive.*--receive-mode manual.*set it to manual/) as string,
    });
  });
});

describe('NotificationFilter', () => {
  it('manual: passes every wrapped frame of our subscription on, including a redelivery', () => {
    const made = filter(undefined, 'manual', 4);
    expect(made.accept(wrapped(4, 1))).toEqual({ frame: frame(1) });
    expect(made.accept(wrapped(4, 1))).toEqual({ frame: frame(1) });
    expect(made.accept(wrapped(7, 2))).toEqual({});
    expect(made.mode).toBe('manual');
  });

  // HashSet order: the auto-subscription's copy may come first or second (ManagerImpl:177-178).
  it('an auto-subscribing daemon, bare copy first: unsubscribes ours and passes each envelope once', () => {
    const made = filter(undefined, 'busy', 4);
    expect(made.accept(frame(1))).toEqual({ frame: frame(1), unsubscribe: 4, mode: 'on-start' });
    expect(made.accept(wrapped(4, 1))).toEqual({});
    expect(made.accept(frame(2))).toEqual({ frame: frame(2) });
    expect(made.accept(wrapped(4, 2))).toEqual({});
  });

  it('an auto-subscribing daemon, wrapped copy first: drops the bare twin', () => {
    const made = filter(undefined, 'busy', 4);
    expect(made.accept(wrapped(4, 1))).toEqual({ frame: frame(1) });
    expect(made.accept(frame(1))).toEqual({ unsubscribe: 4, mode: 'on-start' });
    expect(made.accept(frame(2))).toEqual({ frame: frame(2) });
  });

  it('a busy probe that was another subscriber: two wrapped frames in a row mean manual', () => {
    const made = filter(undefined, 'busy', 4);
    expect(made.accept(wrapped(4, 1))).toEqual({ frame: frame(1) });
    expect(made.accept(wrapped(4, 2))).toEqual({ frame: frame(2), mode: 'manual' });
    expect(made.accept(wrapped(4, 3))).toEqual({ frame: frame(3) });
  });

  it('configured manual, but the daemon pushes: a contradiction, and the twin is not passed on twice', () => {
    const made = filter('manual', 'busy', 4);
    expect(made.accept(frame(1))).toEqual({ frame: frame(1), contradiction: expect.stringMatching(/configured as manual, but signal-cli pushes/) as string });
    expect(made.accept(wrapped(4, 1))).toEqual({});
  });

  it('configured on-start: bare frames pass, nothing to unsubscribe', () => {
    const made = filter('on-start', 'busy');
    expect(made.accept(frame(1))).toEqual({ frame: frame(1) });
    expect(made.accept(wrapped(0, 2))).toEqual({});
  });

  it('takes wrapped frames of any id while subscribeReceive has not answered', () => {
    const made = new NotificationFilter(undefined);
    made.apply(planConnect(undefined, 'manual') as ConnectPlan);
    made.expectSubscription();
    expect(made.accept(wrapped(9, 1))).toEqual({ frame: frame(1) });
    expect(made.autoSubscribed).toBe(false);
    made.accept(frame(2));
    made.apply(planConnect(undefined, 'manual') as ConnectPlan);
    expect(made.mode).toBe('on-start');
  });

  it('keys frames by sender, device, timestamp, account and failure; anything else has no key', () => {
    expect(frameKey(frame(1))).not.toEqual(frameKey({ ...frame(1), exception: { message: 'x' } }));
    expect(frameKey({ envelope: { timestamp: 'x' } })).toBeUndefined();
    expect(frameKey(null)).toBeUndefined();
    expect(frameKey({ account: ACCOUNT })).toBeUndefined();
  });
});
