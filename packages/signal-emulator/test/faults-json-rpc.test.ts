// Every fault against the JSON-RPC daemon, over real TCP and Unix sockets.
import { join } from 'node:path';
import { tempDir } from '@tether/test-helpers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';
import { quietPeriod, track } from './helpers/queue.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const directory = tempDir();
const unixPath = join(directory.path, 'rpc.sock');
let emulator: Emulator;
let tcpUrl: string;
const clients: JsonRpcClient[] = [];

async function client(url = tcpUrl): Promise<JsonRpcClient> {
  const connected = await JsonRpcClient.connect(url);
  clients.push(connected);
  return connected;
}

const send = (connected: JsonRpcClient, text = 'hello') => connected.request('send', { account, recipient: friend, message: text });

beforeEach(async () => {
  emulator = await startEmulator({ account, rest: false, jsonRpc: { tcp: { port: 0 }, unix: unixPath } });
  tcpUrl = emulator.jsonRpcUrl ?? '';
});
afterEach(async () => {
  for (const connected of clients.splice(0)) connected.socket.destroy();
  await emulator.close();
});
afterAll(() => directory.remove());

describe('connections', () => {
  it('dropConnections resets TCP and Unix clients; new connections are accepted', async () => {
    const tcp = await client();
    const unix = await client(`unix:${unixPath}`);
    await Promise.all([tcp.request('version'), unix.request('version')]);
    emulator.dropConnections();
    await Promise.all([tcp.closed, unix.closed]);
    expect((await (await client()).request('version')).result).toBeDefined();
  });

  it('stop and restart come back on the same port and path, keeping the sent history', async () => {
    await send(await client());
    await emulator.stop();
    await expect(JsonRpcClient.connect(tcpUrl)).rejects.toThrow();
    await emulator.restart();
    expect(emulator.jsonRpcUrl).toBe(tcpUrl);
    expect((await send(await client(`unix:${unixPath}`))).result).toBeDefined();
    expect(emulator.sent()).toHaveLength(2);
  });
});

describe('freeze', () => {
  it('holds answers and notifications with the connection open, then delivers them in order', async () => {
    const connected = await client();
    await connected.request('version');
    emulator.freeze();
    const answer = track(send(connected));
    const envelope = emulator.inject({ text: 'held' });
    await quietPeriod();
    expect(answer.settled).toBe(false);
    expect(connected.notifications.buffered).toEqual([]);
    expect(connected.socket.destroyed).toBe(false);
    emulator.unfreeze();
    expect((await answer.promise).result).toBeDefined();
    expect((await connected.notifications.next()).params).toEqual({ envelope, account });
  });
});

describe('send faults', () => {
  it('fails the next send with the given JSON-RPC error, data always present', async () => {
    const connected = await client();
    emulator.failNextSends(1, { jsonRpcError: { code: -1, message: 'The user +4915100000001 is not registered.' } });
    expect((await send(connected)).error).toEqual({ code: -1, message: 'The user +4915100000001 is not registered.', data: null });
    expect((await send(connected)).result).toBeDefined();
  });

  it('maps a REST 429 with a challenge token to -5 with the token per result', async () => {
    const connected = await client();
    emulator.failNextSends(1, { status: 429, body: { error: 'x', challenge_tokens: ['t1'] } });
    expect((await send(connected)).error).toMatchObject({
      code: -5,
      message: 'Failed to send message due to rate limiting',
      data: { response: { results: [{ type: 'RATE_LIMIT_FAILURE', token: 't1', recipientAddress: { number: friend } }] } },
    });
  });

  it('rate limits with -5, token and retryAfterSeconds, until submitRateLimitChallenge', async () => {
    const connected = await client();
    emulator.rateLimitNextSends(3, { challengeToken: 'tok', retryAfterSeconds: 60 });
    const limited = await send(connected);
    expect(limited.error).toEqual({
      code: -5,
      message: 'Failed to send message due to rate limiting',
      data: {
        response: {
          timestamp: expect.any(Number) as unknown,
          results: [
            { recipientAddress: expect.objectContaining({ number: friend }) as unknown, type: 'RATE_LIMIT_FAILURE', token: 'tok', retryAfterSeconds: 60 },
          ],
        },
      },
    });
    await connected.request('submitRateLimitChallenge', { challenge: 'tok', captcha: 'signalcaptcha://ok' });
    expect((await send(connected)).result).toBeDefined();
    expect(emulator.sent()).toHaveLength(1);
  });

  it('hangs the next send: no answer for its id while later requests are answered', async () => {
    const connected = await client();
    emulator.hangNextSends(1);
    const hung = track(send(connected, 'lost in signal-cli'));
    expect((await send(connected, 'next')).result).toBeDefined();
    expect(hung.settled).toBe(false);
    expect(emulator.sent().map((record) => record.message)).toEqual(['next']);
  });

  it('answers hung sends late, as accepted, recording them then (a slow send that ends after all)', async () => {
    const connected = await client();
    emulator.hangNextSends(1);
    const hung = send(connected, 'slow');
    expect((await send(connected, 'next')).result).toBeDefined();
    expect(emulator.answerHungSends()).toBe(1);
    expect((await hung).result).toMatchObject({ timestamp: expect.any(Number) as unknown });
    expect(emulator.sent().map((record) => record.message)).toEqual(['next', 'slow']);
    expect(emulator.answerHungSends()).toBe(0);
  });
});

describe('incoming faults and signal-cli state', () => {
  it('redelivers an envelope to the connection twice', async () => {
    const connected = await client();
    await connected.request('version');
    const envelope = emulator.inject({ text: 'dup' });
    emulator.redeliver(envelope.timestamp);
    expect((await connected.notifications.next()).params).toEqual((await connected.notifications.next()).params);
  });

  it('answers -32602 while signal-cli is starting', async () => {
    const connected = await client();
    emulator.setSignalCli('starting');
    expect((await send(connected)).error).toEqual({ code: -32602, message: 'Specified account does not exist', data: null });
    expect((await connected.request('send', { recipient: friend, message: 'x' })).error).toMatchObject({
      code: -32602,
      message: 'Method requires valid account parameter',
    });
    expect((await connected.request('listAccounts')).result).toEqual([]);
    emulator.setSignalCli('up');
    expect((await send(connected)).result).toBeDefined();
  });
});
