// A multi-account signal-cli (S:…/jsonrpc/SignalJsonRpcDispatcherHandler.java:61-75, 149-157,
// 240-266 and SignalJsonRpcCommandHandler.java:101-139 at c26e063; the REST server runs one such
// daemon for all its numbers, R:src/scripts/jsonrpc2-helper.go). subscribeReceive without an
// account subscribes, and so makes pull, every account; with one, only that account pulls.
import { request } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { post } from './helpers/http.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';
import { quietPeriod } from './helpers/queue.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const first = '+4915112345678';
const second = '+4915100000002';
const friend = '+4915100000001';
let emulator: Emulator;
const clients: JsonRpcClient[] = [];

async function client(): Promise<JsonRpcClient> {
  const connected = await JsonRpcClient.connect(emulator.jsonRpcUrl ?? '');
  clients.push(connected);
  return connected;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((connected) => connected.close()));
  await emulator.close();
});

describe('JSON-RPC, manual mode', () => {
  it('leaves the other account\'s messages at Signal for whoever subscribes for it later', async () => {
    emulator = await startEmulator({ accounts: [first, second], rest: false, jsonRpc: { receiveMode: 'manual' } });
    const ours = await client();
    const id = (await ours.request('subscribeReceive', { account: first })).result;
    const theirs = emulator.inject({ account: second, text: 'for the second account' });
    const mine = emulator.inject({ text: 'for the first' });
    expect((await ours.notifications.next()).params).toEqual({ subscription: id, result: { envelope: mine, account: first } });
    await quietPeriod();
    expect(ours.notifications.buffered).toEqual([]);
    const later = await client();
    const laterId = (await later.request('subscribeReceive', { account: second })).result;
    expect((await later.notifications.next()).params).toEqual({ subscription: laterId, result: { envelope: theirs, account: second } });
  });

  it('subscribeReceive without an account pulls, and so consumes, every account\'s messages', async () => {
    emulator = await startEmulator({ accounts: [first, second], rest: false, jsonRpc: { receiveMode: 'manual' } });
    const theirs = emulator.inject({ account: second, text: 'taken by the greedy subscription' });
    const greedy = await client();
    await greedy.request('subscribeReceive');
    expect(((await greedy.notifications.next()).params as { result: unknown }).result).toEqual({ envelope: theirs, account: second });
  });

  it('needs the account parameter once there are two, and lists both', async () => {
    emulator = await startEmulator({ account: first, accounts: [second], rest: false, jsonRpc: {} });
    const connected = await client();
    expect((await connected.request('send', { recipient: friend, message: 'x' })).error).toEqual({ code: -32602, message: 'Method requires valid account parameter', data: null });
    expect((await connected.request('listAccounts')).result).toEqual([{ number: first }, { number: second }]);
    expect((await connected.request('send', { account: second, recipient: friend, message: 'from the second' })).result).toBeDefined();
    expect(emulator.sent()).toMatchObject([{ account: second, message: 'from the second' }]);
  });
});

describe('REST', () => {
  it('lists every account and sends frames only to the matching path', async () => {
    emulator = await startEmulator({ accounts: [first, second] });
    const base = emulator.restUrl ?? '';
    expect((await request(`${base}/v1/accounts`)).json).toEqual([first, second]);
    const socket = await openReceiveSocket(base, second);
    const lost = emulator.inject({ text: 'nobody listens for the first account' });
    const envelope = emulator.inject({ account: second, text: 'hello second' });
    expect(await socket.frames.next()).toEqual({ envelope, account: second });
    expect(emulator.dropped()).toMatchObject([{ timestamp: lost.timestamp, account: first, reason: 'no-client' }]);
    expect((await post(`${base}/v2/send`, { number: second, recipients: [friend], message: 'x' })).status).toBe(201);
    expect(() => emulator.inject({ account: '+4915199999999' })).toThrow(RangeError);
  });
});
