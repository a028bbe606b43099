import { describe, expect, it } from 'vitest';
import type { ReceiveFrame } from '../envelope-types.js';
import { GroupRegistry } from '../groups.js';
import { SentLog } from '../sent-log.js';
import { SignalCli } from '../signal-cli.js';
import { ReceiveHub, type HubConnection } from './receive-hub.js';

const frame = (timestamp: number): ReceiveFrame => ({ account: '+4915112345678', envelope: { timestamp } as ReceiveFrame['envelope'] & object });

function setup(mode: 'on-start' | 'manual') {
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
    expect(hub.receive(connection(), 0, -1)).toMatchObject({ code: -1 });
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
    await expect(hub.receive(client, 10, 2)).resolves.toEqual([frame(1), frame(2)]);
    await expect(hub.receive(client, 0, -1)).resolves.toEqual([frame(3)]);
    const waiting = hub.receive(client, -1, 1);
    expect(hub.receive(connection(), 0, -1)).toMatchObject({ code: -1 });
    hub.deliver(frame(4));
    await expect(waiting).resolves.toEqual([frame(4)]);
  });
});
