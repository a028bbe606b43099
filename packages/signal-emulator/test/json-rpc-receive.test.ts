// Receive semantics of the JSON-RPC daemon. on-start: every connection gets bare notifications
// and a message with no connection is lost. manual: messages wait until someone subscribes, go
// to the next subscriber, and survive a daemon restart: the lossless path Tether relies on.
import { join } from 'node:path';
import { tempDir } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';

const account = '+4915112345678';
const cleanup: (() => Promise<void> | void)[] = [];

async function start(receiveMode: 'on-start' | 'on-connection' | 'manual', unix?: string): Promise<Emulator> {
  const emulator = await startEmulator({ account, rest: false, jsonRpc: { receiveMode, ...(unix === undefined ? {} : { unix }) } });
  cleanup.push(() => emulator.close());
  return emulator;
}

async function connect(url: string | undefined): Promise<JsonRpcClient> {
  const client = await JsonRpcClient.connect(url ?? '');
  cleanup.push(() => void client.socket.destroy());
  return client;
}

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('on-start', () => {
  it('auto-subscribes every connection with bare receive notifications', async () => {
    const emulator = await start('on-start');
    const first = await connect(emulator.jsonRpcUrl);
    const second = await connect(emulator.jsonRpcUrl);
    await first.request('version');
    await second.request('version');
    const envelope = emulator.inject({ text: 'hi' });
    for (const client of [first, second]) {
      expect(await client.notifications.next()).toEqual({ jsonrpc: '2.0', method: 'receive', params: { envelope, account } });
    }
    expect(emulator.stats()).toMatchObject({ jsonRpcClients: 2, subscriptions: 2 });
  });

  it('loses messages while no connection is open, and counts them', async () => {
    const emulator = await start('on-start');
    const lost = emulator.inject({ text: 'nobody home' });
    const client = await connect(emulator.jsonRpcUrl);
    await client.request('version');
    const kept = emulator.inject({ text: 'hello' });
    expect((await client.notifications.next()).params).toEqual({ envelope: kept, account });
    expect(emulator.dropped()).toEqual([{ timestamp: lost.timestamp, at: expect.any(Number) as unknown, backend: 'jsonrpc', account, reason: 'no-client' }]);
  });

  it('loses what arrived during a restart, since the daemon pulls it before anyone reconnects', async () => {
    const emulator = await start('on-start');
    await emulator.stop();
    const lost = emulator.inject({ text: 'while down' });
    await emulator.restart();
    expect(emulator.dropped().map((record) => record.timestamp)).toEqual([lost.timestamp]);
  });

  it('refuses the receive method', async () => {
    const emulator = await start('on-start');
    const client = await connect(emulator.jsonRpcUrl);
    expect((await client.request('receive', { timeout: 0 })).error).toEqual({
      code: -1,
      message: 'Receive command cannot be used if messages are already being received.',
      data: null,
    });
  });
});

// DaemonCommand.java:114-146 and 309-311 at c26e063: on-connection registers the stdout handler as
// weak, so only the connections' auto-subscriptions make signal-cli pull.
describe('on-connection', () => {
  it('pushes bare notifications like on-start, but keeps messages at Signal while nobody is connected', async () => {
    const emulator = await start('on-connection');
    const waiting = emulator.inject({ text: 'before anyone connected' });
    const client = await connect(emulator.jsonRpcUrl);
    expect((await client.notifications.next()).params).toEqual({ envelope: waiting, account });
    await client.close();
    const later = emulator.inject({ text: 'while the connection was closed' });
    const again = await connect(emulator.jsonRpcUrl);
    expect((await again.notifications.next()).params).toEqual({ envelope: later, account });
    expect((await again.request('receive', { timeout: 1 })).error).toMatchObject({ code: -1 });
    expect(emulator.dropped()).toEqual([]);
  });
});

describe('manual', () => {
  it('delivers nothing until subscribeReceive, then the queue, wrapped with the subscription id', async () => {
    const emulator = await start('manual');
    const client = await connect(emulator.jsonRpcUrl);
    const queued = [emulator.inject({ text: 'one' }), emulator.inject({ text: 'two' })];
    const subscribed = await client.request('subscribeReceive');
    expect(subscribed.result).toBe(0);
    for (const envelope of queued) {
      expect(await client.notifications.next()).toEqual({
        jsonrpc: '2.0',
        method: 'receive',
        params: { subscription: 0, result: { envelope, account } },
      });
    }
    expect(emulator.dropped()).toEqual([]);
  });

  it('queues again when the last subscriber leaves, for the next one', async () => {
    const emulator = await start('manual');
    const first = await connect(emulator.jsonRpcUrl);
    const id = (await first.request('subscribeReceive')).result as number;
    expect((await first.request('unsubscribeReceive', { subscription: id })).result).toEqual({});
    expect((await first.request('unsubscribeReceive', { subscription: id })).error).toMatchObject({ code: -1, message: 'Unknown subscription id' });
    const afterUnsubscribe = emulator.inject({ text: 'a' });
    const second = await connect(emulator.jsonRpcUrl);
    await first.close();
    const afterClose = emulator.inject({ text: 'b' });
    const nextId = (await second.request('subscribeReceive')).result as number;
    expect((await second.notifications.next()).params).toEqual({ subscription: nextId, result: { envelope: afterUnsubscribe, account } });
    expect((await second.notifications.next()).params).toEqual({ subscription: nextId, result: { envelope: afterClose, account } });
    expect(emulator.stats().subscriptions).toBe(1);
  });

  it('keeps queued messages across a restart on the same Unix socket path', async () => {
    const directory = tempDir();
    cleanup.push(() => directory.remove());
    const path = join(directory.path, 'daemon.sock');
    const emulator = await start('manual', path);
    const before = await connect(`unix:${path}`);
    await before.request('version');
    const queued = emulator.inject({ text: 'sent while nobody listened' });
    await emulator.restart();
    await before.closed;
    await emulator.stop();
    const whileDown = emulator.inject({ text: 'sent while the daemon was down' });
    await emulator.restart();
    const after = await connect(`unix:${path}`);
    await after.request('subscribeReceive');
    expect(((await after.notifications.next()).params as { result: unknown }).result).toEqual({ envelope: queued, account });
    expect(((await after.notifications.next()).params as { result: unknown }).result).toEqual({ envelope: whileDown, account });
    expect(emulator.dropped()).toEqual([]);
  });

  it('duplicates notifications for each subscription of a connection, as signal-cli does', async () => {
    const emulator = await start('manual');
    const client = await connect(emulator.jsonRpcUrl);
    const ids = [(await client.request('subscribeReceive')).result, (await client.request('subscribeReceive')).result];
    emulator.inject({ text: 'twice' });
    const subscriptions = [await client.notifications.next(), await client.notifications.next()].map(
      (message) => (message.params as { subscription: number }).subscription,
    );
    expect(subscriptions).toEqual(ids);
  });
});
