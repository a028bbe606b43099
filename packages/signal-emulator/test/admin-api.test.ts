// The admin HTTP API under /_emulator/: on the REST port, and on its own port when only the
// JSON-RPC daemon runs. It is never frozen and drives the same operations as the programmatic API.
import { request } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type SentRecord } from '../src/index.js';
import { admin, post } from './helpers/http.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const account = '+4915112345678';
const friend = '+4915100000001';
let emulator: Emulator;

afterEach(() => emulator.close());

/** Retries until a restarted server accepts connections again (the restart runs after the answer). */
async function whenListening<T>(attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('admin API on the REST port', () => {
  it('injects, reads sent and dropped records, and reports stats', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const lost = (await admin(base, '/inject', { text: 'nobody' })) as { envelope: { timestamp: number } };
    const socket = await openReceiveSocket(base, account);
    const { envelope } = (await admin(base, '/inject', { from: friend, text: 'hi', attachments: [{ contentType: 'image/png' }] })) as {
      envelope: unknown;
    };
    expect(await socket.frames.next()).toEqual({ envelope, account });
    await admin(base, '/inject/receipt', { kind: 'read', timestamps: [1] });
    await admin(base, '/inject/typing', {});
    await admin(base, '/inject/reaction', { emoji: '👍', targetAuthor: account, targetTimestamp: 1 });
    await admin(base, '/inject/frame', { account, exception: { message: 'm', type: 'T' } });
    for (let frame = 0; frame < 4; frame += 1) await socket.frames.next();
    await post(`${base}/v2/send`, { number: account, recipients: [friend], message: 'out' });
    const sent = (await admin(base, '/sent')) as SentRecord[];
    expect(sent).toEqual(emulator.sent());
    expect(await admin(base, '/sent?since=1')).toEqual([]);
    expect(await admin(base, '/dropped')).toEqual([expect.objectContaining({ timestamp: lost.envelope.timestamp, backend: 'rest' })]);
    expect(await admin(base, '/stats')).toMatchObject({ restClients: 1, requests: expect.any(Number) as unknown });
    expect(await admin(base, '/state')).toMatchObject({ restUrl: base, jsonRpcUrl: null });
  });

  it('sets send faults and signal-cli state, and stays reachable while frozen', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const message = { number: account, recipients: [friend], message: 'x' };
    await admin(base, '/faults/fail-next-sends', { count: 1, status: 400, body: { error: 'Failed to send message' } });
    await admin(base, '/faults/rate-limit-next-sends', { count: 1, challengeToken: 'tok' });
    expect((await post(`${base}/v2/send`, message)).status).toBe(400);
    expect((await post(`${base}/v2/send`, message)).json).toMatchObject({ challenge_tokens: ['tok'] });
    await admin(base, '/faults/freeze');
    expect(await admin(base, '/stats')).toBeDefined();
    await admin(base, '/faults/unfreeze');
    await admin(base, '/faults/signal-cli', { state: 'starting' });
    expect((await request(`${base}/v1/accounts`)).json).toEqual([]);
    await admin(base, '/faults/hang-next-sends', { count: 1 });
    await admin(base, '/faults/latency', { ms: 5 });
    await admin(base, '/faults/clear');
    expect((await post(`${base}/v2/send`, message)).status).toBe(201);
    expect(await admin(base, '/challenges')).toEqual([]);
  });

  it('injects each newer data-message part for the account it names', async () => {
    emulator = await startEmulator({ accounts: [account, '+4915100000002'] });
    const base = emulator.restUrl ?? '';
    const socket = await openReceiveSocket(base, '+4915100000002');
    const { envelope } = (await admin(base, '/inject/part', { account: '+4915100000002', from: friend, part: 'poll-create', question: 'Lunch?', options: ['yes', 'no'] })) as {
      envelope: { dataMessage: unknown };
    };
    expect(envelope.dataMessage).toMatchObject({ message: null, pollCreate: { question: 'Lunch?', allowMultiple: false, options: ['yes', 'no'] } });
    expect(await socket.frames.next()).toEqual({ envelope, account: '+4915100000002' });
    for (const bad of [{ part: 'poll-close' }, { part: 'pin', targetAuthor: friend }, { part: 'remote-delete', targetTimestamp: 1, question: 'x' }, { part: 'payment', account: '+4915199999999' }]) {
      expect((await post(`${base}/_emulator/inject/part`, bad)).status).toBe(400);
    }
  });

  it('rejects bad input with 400 and unknown routes with 404', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    expect((await post(`${base}/_emulator/inject`, { txt: 'typo' })).status).toBe(400);
    expect((await post(`${base}/_emulator/faults/hang-next-sends`, { count: -1 })).status).toBe(400);
    expect((await post(`${base}/_emulator/faults/signal-cli`, { state: 'sleepy' })).status).toBe(400);
    expect((await post(`${base}/_emulator/redeliver`, { timestamp: 1 })).status).toBe(400);
    expect((await request(`${base}/_emulator/inject`, { method: 'POST', body: '{' })).status).toBe(400);
    expect((await post(`${base}/_emulator/stop`, {})).status).toBe(400);
    expect((await request(`${base}/_emulator/nothing`)).status).toBe(404);
  });

  it('drops connections and restarts the backend after answering', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const first = await openReceiveSocket(base, account);
    await admin(base, '/faults/drop-connections');
    expect((await first.closed).code).toBe(1006);
    const second = await openReceiveSocket(base, account);
    expect(await admin(base, '/restart', { downMs: 20 })).toEqual({ ok: true, downMs: 20 });
    await second.closed;
    await whenListening(() => fetch(`${base}/v1/health`));
    expect((await request(`${base}/v1/about`)).status).toBe(200);
  });
});

describe('admin API on its own port', () => {
  it('drives a JSON-RPC-only emulator, including stop and start', async () => {
    emulator = await startEmulator({ account, rest: false, jsonRpc: { receiveMode: 'manual' }, admin: { port: 0 } });
    const base = emulator.adminUrl ?? '';
    expect(emulator.restUrl).toBeUndefined();
    const client = await JsonRpcClient.connect(emulator.jsonRpcUrl ?? '');
    await client.request('subscribeReceive');
    const { envelope } = (await admin(base, '/inject', { text: 'via admin' })) as { envelope: unknown };
    expect((await client.notifications.next()).params).toEqual({ subscription: 0, result: { envelope, account } });
    await admin(base, '/stop');
    await client.closed;
    await expect(JsonRpcClient.connect(emulator.jsonRpcUrl ?? '')).rejects.toThrow();
    await admin(base, '/start');
    const again = await whenListening(() => JsonRpcClient.connect(emulator.jsonRpcUrl ?? ''));
    expect((await again.request('version')).result).toBeDefined();
    again.socket.destroy();
    expect((await request(`${base}/v1/about`)).status).toBe(404);
  });
});
