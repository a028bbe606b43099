// Every fault against the REST backend, over real sockets: reset connections, stop and restart on
// the same port, freeze, failed, rate-limited, hung and slow sends, redelivery, and signal-cli down
// or starting behind a live REST server.
import { request, type RequestOptions } from '@tether/test-helpers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from '../src/index.js';
import { admin, post } from './helpers/http.js';
import { quietPeriod, track } from './helpers/queue.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const message = { number: account, recipients: [friend], message: 'hello' };
let emulator: Emulator;
let base: string;
const aborts: AbortController[] = [];

/** A request that may never be answered; aborted after the test. */
function pending(path: string, init: RequestOptions = {}) {
  const controller = new AbortController();
  aborts.push(controller);
  return track(request(`${base}${path}`, { ...init, signal: controller.signal }));
}

beforeEach(async () => {
  emulator = await startEmulator({ account, restPingIntervalMs: 10 });
  base = emulator.restUrl ?? '';
});
afterEach(async () => {
  for (const controller of aborts.splice(0)) controller.abort();
  await emulator.close();
});

describe('connections', () => {
  it('dropConnections resets every socket without a close frame; the server keeps listening', async () => {
    const socket = await openReceiveSocket(base, account);
    emulator.dropConnections();
    expect((await socket.closed).code).toBe(1006);
    expect((await request(`${base}/v1/about`)).status).toBe(200);
  });

  it('stop and restart come back on the same port and keep the sent history', async () => {
    await post(`${base}/v2/send`, message);
    const socket = await openReceiveSocket(base, account);
    await emulator.stop();
    await socket.closed;
    await expect(fetch(`${base}/v1/health`)).rejects.toThrow();
    const whileDown = emulator.inject({ text: 'arrives while the REST server is down' });
    await emulator.restart();
    expect(emulator.restUrl).toBe(base);
    expect(emulator.sent()).toHaveLength(1);
    // signal-cli pulls what waited at Signal on start; nobody is attached yet, so it is lost.
    expect(emulator.dropped().map((record) => record.timestamp)).toEqual([whileDown.timestamp]);
    const again = await openReceiveSocket(base, account);
    const envelope = emulator.inject({ text: 'after restart' });
    expect((await again.frames.next())['envelope']).toEqual(envelope);
  });
});

describe('freeze', () => {
  it('keeps TCP open but answers nothing until unfrozen, then everything proceeds', async () => {
    const socket = await openReceiveSocket(base, account);
    emulator.freeze();
    const about = pending('/v1/about');
    const pongs: Buffer[] = [];
    const pong = new Promise((resolve) => socket.socket.once('pong', resolve));
    socket.socket.on('pong', (data: Buffer) => pongs.push(data));
    socket.socket.ping('during freeze');
    const envelope = emulator.inject({ text: 'held' });
    const pingsBefore = socket.pings.buffered.length;
    await admin(base, '/stats');
    await quietPeriod();
    expect(about.settled).toBe(false);
    expect(socket.frames.buffered).toEqual([]);
    expect(pongs).toEqual([]);
    expect(socket.pings.buffered.length).toBe(pingsBefore);
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    emulator.unfreeze();
    expect((await about.promise).status).toBe(200);
    expect((await socket.frames.next())['envelope']).toEqual(envelope);
    await pong;
  });
});

describe('send faults', () => {
  it('fails the next sends with the given status and body, then recovers', async () => {
    emulator.failNextSends(2, { status: 400, body: { error: 'Failed to send message' } });
    expect(await post(`${base}/v2/send`, message)).toMatchObject({ status: 400, json: { error: 'Failed to send message' } });
    expect((await post(`${base}/v2/send`, message)).status).toBe(400);
    expect((await post(`${base}/v2/send`, message)).status).toBe(201);
    expect(emulator.sent()).toHaveLength(1);
  });

  it('maps a JSON-RPC error as the REST layer does', async () => {
    emulator.failNextSends(1, { jsonRpcError: { code: -4, message: 'Failed to send message due to untrusted identities' } });
    emulator.failNextSends(1, { jsonRpcError: { code: -32603, message: 'Failed to send message: [429] Rate limit exceeded: 429 (RateLimitException) (UnexpectedErrorException)' } });
    expect(await post(`${base}/v2/send`, message)).toMatchObject({ status: 400, json: { error: 'Failed to send message due to untrusted identities' } });
    expect((await post(`${base}/v2/send`, message)).json).toEqual({
      error: 'Failed to send message: [429] Rate limit exceeded: 429 (RateLimitException) (UnexpectedErrorException)',
    });
  });

  it('answers 429 with the challenge token, or with [""] for a plain rate limit, until the challenge is solved', async () => {
    emulator.rateLimitNextSends(1);
    emulator.rateLimitNextSends(5, { challengeToken: 'captcha-please', retryAfterSeconds: 86_400 });
    const plain = await post(`${base}/v2/send`, message);
    expect(plain.status).toBe(429);
    expect(plain.json).toMatchObject({ challenge_tokens: [''], account });
    const proof = await post(`${base}/v2/send`, message);
    expect(proof.json).toEqual({
      error:
        "Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.",
      challenge_tokens: ['captcha-please'],
      account,
    });
    const solved = await post(`${base}/v1/accounts/${encodeURIComponent(account)}/rate-limit-challenge`, {
      challenge_token: 'captcha-please',
      captcha: 'signalcaptcha://solved',
    });
    expect(solved.status).toBe(204);
    expect((await post(`${base}/v2/send`, message)).status).toBe(201);
  });

  it('hangs the next send forever, recording it when asked: the "timed out but delivered" case', async () => {
    emulator.hangNextSends(1, { deliver: true });
    const hung = pending('/v2/send', { method: 'POST', body: JSON.stringify(message) });
    expect((await post(`${base}/v2/send`, { ...message, message: 'next' })).status).toBe(201);
    expect(hung.settled).toBe(false);
    expect(emulator.sent().map((record) => record.message)).toEqual(['hello', 'next']);
  });

  it('answers a hung send late with 201, without recording a delivered one twice', async () => {
    emulator.hangNextSends(1, { deliver: true });
    const hung = post(`${base}/v2/send`, message);
    await new Promise<void>((resolve) => {
      const check = (): void => void (emulator.sent().length > 0 ? resolve() : setImmediate(check));
      check();
    });
    expect(emulator.answerHungSends()).toBe(1);
    expect((await hung).status).toBe(201);
    expect(emulator.sent().map((record) => record.message)).toEqual(['hello']);
  });

  it('delays send answers by the latency, not other requests', async () => {
    emulator.setLatency(300);
    const order: string[] = [];
    const send = post(`${base}/v2/send`, message).then(() => order.push('send'));
    await request(`${base}/v1/about`).then(() => order.push('about'));
    await send;
    expect(order).toEqual(['about', 'send']);
  });
});

describe('incoming faults', () => {
  it('redelivers an envelope: the same frame twice', async () => {
    const socket = await openReceiveSocket(base, account);
    const envelope = emulator.inject({ text: 'twice' });
    expect(emulator.redeliver(envelope.timestamp)).toEqual(envelope);
    expect(await socket.frames.next()).toEqual(await socket.frames.next());
    expect(() => emulator.redeliver(1)).toThrow(RangeError);
  });
});

describe('signal-cli behind the REST server', () => {
  it('down: health stays 204 and pings go on, accounts and sends hang, frames wait at Signal', async () => {
    const socket = await openReceiveSocket(base, account);
    emulator.setSignalCli('down');
    expect((await request(`${base}/v1/health`)).status).toBe(204);
    const accounts = pending('/v1/accounts');
    const send = pending('/v2/send', { method: 'POST', body: JSON.stringify(message) });
    const envelope = emulator.inject({ text: 'waits' });
    await socket.pings.next();
    await socket.pings.next();
    expect(accounts.settled || send.settled).toBe(false);
    expect(socket.frames.buffered).toEqual([]);
    emulator.setSignalCli('up');
    expect((await socket.frames.next())['envelope']).toEqual(envelope);
    expect((await request(`${base}/v1/accounts`)).json).toEqual([account]);
    // Requests caught in the outage are orphaned for good, as with the real server.
    expect(accounts.settled || send.settled).toBe(false);
  });

  it('starting: the account does not exist yet', async () => {
    emulator.setSignalCli('starting');
    expect(await post(`${base}/v2/send`, message)).toMatchObject({ status: 400, json: { error: 'Specified account does not exist' } });
    expect((await request(`${base}/v1/accounts`)).json).toEqual([]);
    emulator.setSignalCli('up');
    expect((await post(`${base}/v2/send`, message)).status).toBe(201);
  });
});
