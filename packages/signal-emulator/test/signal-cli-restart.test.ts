// signal-cli restarting behind a live REST server (R:src/client/jsonrpc2.go:79-101, 103-196,
// 221-237 at a08db23; S:…/commands/DaemonCommand.java:128-146 at c26e063): the WebSocket stays
// open and silent, in-flight requests are orphaned, new ones meet gin's empty 500, what signal-cli
// pulls before REST has redialed is lost, and REST exits after 15 failed dials. The JSON-RPC
// daemon's own restart closes its connections and refuses new ones for the gap.
import { request } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { admin, post } from './helpers/http.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';
import { quietPeriod, track } from './helpers/queue.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const send = { number: account, recipients: [friend], message: 'hello' };
let emulator: Emulator;
const aborts: AbortController[] = [];

/** Waits for state that no event announces (the emulator's record of a send it is still answering). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

afterEach(async () => {
  for (const controller of aborts.splice(0)) controller.abort();
  await emulator.close();
});

describe('REST backend', () => {
  it('keeps the WebSocket open and silent, answers empty 500s, and drops what arrives until it has redialed', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const socket = await openReceiveSocket(base, account);
    // A long gap, ended by clearFaults below, so a slow machine cannot see REST redial early.
    const restarted = emulator.restartSignalCli(60_000);
    const lost = emulator.inject({ from: friend, text: 'pulled by signal-cli while REST redials' });
    expect((await request(`${base}/v1/health`)).status).toBe(204);
    for (const answer of [await request(`${base}/v1/accounts`), await post(`${base}/v2/send`, send)]) {
      expect(answer).toMatchObject({ status: 500, text: '' });
    }
    // REST's own validation still answers as usual: it runs before getRaw.
    expect((await post(`${base}/v2/send`, { number: account, message: 'x' })).status).toBe(400);
    emulator.clearFaults();
    await restarted;
    expect(emulator.dropped()).toEqual([{ timestamp: lost.timestamp, at: expect.any(Number) as unknown, backend: 'rest', account, reason: 'signal-cli-restart' }]);
    const kept = emulator.inject({ from: friend, text: 'after the reconnect' });
    expect((await socket.frames.next())['envelope']).toEqual(kept);
    expect(emulator.stats().restClients).toBe(1);
    expect((await request(`${base}/v1/accounts`)).json).toEqual([account]);
  });

  it('never answers a request that was with signal-cli when it died', async () => {
    emulator = await startEmulator({ account, restRedialIntervalMs: 20 });
    const base = emulator.restUrl ?? '';
    emulator.setLatency(300);
    const controller = new AbortController();
    aborts.push(controller);
    const inFlight = track(post(`${base}/v2/send`, send, { signal: controller.signal }));
    await until(() => emulator.sent().length === 1);
    await emulator.restartSignalCli(20);
    emulator.setLatency(0);
    expect((await post(`${base}/v2/send`, send)).status).toBe(201);
    await quietPeriod(400);
    expect(inFlight.settled).toBe(false);
  });

  it('redials at the interval and exits after 15 failed dials', async () => {
    emulator = await startEmulator({ account, restRedialIntervalMs: 10 });
    const base = emulator.restUrl ?? '';
    const started = Date.now();
    await emulator.restartSignalCli(25);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25); // redialed on the 30 ms attempt, not before
    await emulator.restartSignalCli(1_000);
    await expect(fetch(`${base}/v1/health`)).rejects.toThrow();
  });

  it('is driven by the admin API, which answers before the restart runs', async () => {
    emulator = await startEmulator({ account, restRedialIntervalMs: 20 });
    const base = emulator.restUrl ?? '';
    expect(await admin(base, '/faults/restart-signal-cli', { ms: 60 })).toEqual({ ok: true, ms: 60 });
    expect((await request(`${base}/v1/accounts`)).status).toBe(500);
    emulator.clearFaults();
    expect((await request(`${base}/v1/accounts`)).status).toBe(200);
    await expect(admin(base, '/faults/restart-signal-cli', {})).rejects.toThrow(/ms is required/);
  });
});

describe('JSON-RPC daemon', () => {
  it('closes its connections, refuses new ones for the gap, and on-start loses what it pulls before anyone reconnects', async () => {
    emulator = await startEmulator({ account, rest: false, jsonRpc: { receiveMode: 'on-start' } });
    const url = emulator.jsonRpcUrl ?? '';
    const client = await JsonRpcClient.connect(url);
    await client.request('version');
    const restarted = emulator.restartSignalCli(100);
    await client.closed;
    await expect(JsonRpcClient.connect(url)).rejects.toThrow();
    const lost = emulator.inject({ text: 'waits at Signal, pulled at start with nobody connected' });
    await restarted;
    const again = await JsonRpcClient.connect(url);
    expect((await again.request('version')).result).toBeDefined();
    expect(emulator.dropped()).toEqual([expect.objectContaining({ timestamp: lost.timestamp, backend: 'jsonrpc', reason: 'no-client' })]);
    await again.close();
  });

  it('manual mode keeps what arrived during the gap at Signal', async () => {
    emulator = await startEmulator({ account, rest: false, jsonRpc: { receiveMode: 'manual' } });
    const restarted = emulator.restartSignalCli(30);
    const kept = emulator.inject({ text: 'waits' });
    await restarted;
    const client = await JsonRpcClient.connect(emulator.jsonRpcUrl ?? '');
    await client.request('subscribeReceive', { account });
    expect(((await client.notifications.next()).params as { result: unknown }).result).toEqual({ envelope: kept, account });
    expect(emulator.dropped()).toEqual([]);
    await client.close();
  });
});
