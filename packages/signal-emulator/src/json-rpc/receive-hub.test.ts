import { describe, expect, it } from 'vitest';
import type { ReceiveFrame } from '../envelope-types.js';
import { GroupRegistry } from '../groups.js';
import { SentLog } from '../sent-log.js';
import { SignalCli } from '../signal-cli.js';
import { ReceiveHub, type HubConnection, type ReceiveMode } from './receive-hub.js';

const account = '+4915112345678';
const frame = (timestamp: number, to = account): ReceiveFrame => ({ account: to, envelope: { timestamp } as ReceiveFrame['envelope'] & object });

function setup(mode: ReceiveMode) {
  const signalCli = new SignalCli('+4915112345678', () => 1, new SentLog(), new GroupRegistry());
  const dropped: ReceiveFrame[] = [];
  const hub = new ReceiveHub(mode, signalCli, (lost) => dropped.push(lost));
  const connection = (): HubConnection & { received: unknown[] } => {
    const received: unknown[] = [];
    return { received, notify: (params) => received.push(params) };
  };
  return { hub, dropped, connection, signalCli };
}

describe('ReceiveHub on-start', () => {
  it('auto-subscribes connections with bare params and loses frames nobody is connected for', () => {
    const { hub, dropped, connection } = setup('on-start');
    hub.start();
    hub.deliver(frame(1));
    expect(dropped.map((lost) => lost.envelope?.timestamp)).toEqual([1]);
    const first = connection();
    hub.connect(first);
    hub.deliver(frame(2));
    expect(first.received).toEqual([frame(2)]);
    expect(hub.subscriptions).toBe(1);
  });

  it('refuses the receive method', () => {
    const { hub, connection } = setup('on-start');
    hub.start();
    expect(hub.receive(connection(), account, 0, -1)).toMatchObject({ code: -1 });
  });
});

describe('ReceiveHub manual', () => {
  it('keeps frames queued until a subscriber comes, then wraps them with its id', async () => {
    const { hub, dropped, connection } = setup('manual');
    hub.start();
    const client = connection();
    hub.connect(client);
    hub.deliver(frame(1));
    expect(client.received).toEqual([]);
    const id = hub.subscribe(client);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.received).toEqual([{ subscription: id, result: frame(1) }]);
    expect(hub.unsubscribe(client, id)).toBe(true);
    expect(hub.unsubscribe(client, id)).toBe(false);
    hub.deliver(frame(2));
    hub.disconnect(client);
    const next = connection();
    const nextId = hub.subscribe(next);
    await new Promise((resolve) => setImmediate(resolve));
    expect(next.received).toEqual([{ subscription: nextId, result: frame(2) }]);
    expect(dropped).toEqual([]);
  });

  it('holds frames across a stop and while signal-cli is starting', () => {
    const { hub, connection, signalCli } = setup('manual');
    hub.start();
    hub.stop();
    hub.deliver(frame(1));
    hub.start();
    signalCli.state = 'starting';
    hub.deliver(frame(2));
    const client = connection();
    hub.subscribe(client);
    hub.pump();
    expect(client.received).toEqual([]);
    signalCli.state = 'up';
    hub.pump();
    expect(client.received).toHaveLength(2);
  });

  it('serves the receive method from the queue and up to maxMessages', async () => {
    const { hub, connection } = setup('manual');
    hub.start();
    hub.deliver(frame(1));
    hub.deliver(frame(2));
    hub.deliver(frame(3));
    const client = connection();
    await expect(hub.receive(client, account, 10, 2)).resolves.toEqual([frame(1), frame(2)]);
    // maxMessages 0 and a timeout of 0 return before reading (ReceiveHelper.receiveMessagesInternal)
    await expect(hub.receive(client, account, 10, 0)).resolves.toEqual([]);
    await expect(hub.receive(client, account, 0, -1)).resolves.toEqual([]);
    await expect(hub.receive(client, account, 0.05, -1)).resolves.toEqual([frame(3)]);
    const waiting = hub.receive(client, account, -1, 1);
    expect(hub.receive(connection(), account, 1, -1)).toMatchObject({ code: -1 });
    hub.deliver(frame(4));
    await expect(waiting).resolves.toEqual([frame(4)]);
  });
});

describe('ReceiveHub on-connection', () => {
  // DaemonCommand: the stdout handler is weak unless on-start, so pulling starts with the first
  // connection's auto-subscription and stops when the last one goes.
  it('keeps frames at Signal while no connection is open, and pushes them bare to the next', () => {
    const { hub, dropped, connection } = setup('on-connection');
    hub.start();
    hub.deliver(frame(1));
    const first = connection();
    hub.connect(first);
    expect(first.received).toEqual([frame(1)]);
    hub.disconnect(first);
    hub.deliver(frame(2));
    const second = connection();
    hub.connect(second);
    expect(second.received).toEqual([frame(2)]);
    expect(hub.receive(second, account, 1, -1)).toMatchObject({ code: -1 });
    expect(dropped).toEqual([]);
  });
});

describe('ReceiveHub with several accounts', () => {
  const other = '+4915100000002';
  function twoAccounts(mode: 'on-start' | 'manual') {
    const signalCli = new SignalCli([account, other], () => 1, new SentLog(), new GroupRegistry());
    const dropped: ReceiveFrame[] = [];
    const hub = new ReceiveHub(mode, signalCli, (lost) => dropped.push(lost));
    const connection = (): HubConnection & { received: unknown[] } => {
      const received: unknown[] = [];
      return { received, notify: (params) => received.push(params) };
    };
    hub.start();
    return { hub, dropped, connection };
  }

  // SignalJsonRpcDispatcherHandler.SubscribeReceiveCommand: with an account only that manager
  // gets a handler (and pulls); the multi-account form subscribes every manager.
  it('manual: a subscription for one account leaves the other account\'s messages at Signal', async () => {
    const { hub, connection } = twoAccounts('manual');
    const ours = connection();
    const id = hub.subscribe(ours, account);
    await new Promise((resolve) => setImmediate(resolve));
    hub.deliver(frame(1, other));
    hub.deliver(frame(2));
    expect(ours.received).toEqual([{ subscription: id, result: frame(2) }]);
    const theirs = connection();
    const theirId = hub.subscribe(theirs, other);
    await new Promise((resolve) => setImmediate(resolve));
    expect(theirs.received).toEqual([{ subscription: theirId, result: frame(1, other) }]);
  });

  it('manual: a subscription without an account pulls every account, so it consumes theirs too', async () => {
    const { hub, connection } = twoAccounts('manual');
    hub.deliver(frame(1, other));
    const greedy = connection();
    const id = hub.subscribe(greedy);
    await new Promise((resolve) => setImmediate(resolve));
    expect(greedy.received).toEqual([{ subscription: id, result: frame(1, other) }]);
    hub.unsubscribe(greedy, id);
    hub.deliver(frame(2, other));
    const later = connection();
    hub.subscribe(later, other);
    await new Promise((resolve) => setImmediate(resolve));
    expect(later.received).toHaveLength(1);
  });

  it('on-start: every connection gets every account\'s messages, bare', () => {
    const { hub, dropped, connection } = twoAccounts('on-start');
    hub.deliver(frame(1, other));
    const client = connection();
    hub.connect(client);
    hub.deliver(frame(2, other));
    hub.deliver(frame(3));
    expect(client.received).toEqual([frame(2, other), frame(3)]);
    expect(dropped).toEqual([frame(1, other)]);
    hub.unsubscribeAccount(client, other);
    expect(hub.subscriptions).toBe(1);
  });
});
