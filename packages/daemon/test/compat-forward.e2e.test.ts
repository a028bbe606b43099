// What the compat endpoint does not queue goes straight to the backend while the link is up:
// typing indicators, receipts, reactions, and (REST backend) sends with stickers, edits, link
// previews or view-once. Without a link they get 503, while plain sends (and styled text, quotes
// and mentions) are still queued. Both backends.
import { makeGroupId, restGroupId, startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const groupId = makeGroupId('compat-forward');
const number = encodeURIComponent(ACCOUNT);
const actions: [string, string, Record<string, unknown>][] = [
  ['PUT', `/v1/typing-indicator/${number}`, { recipient: FRIEND }],
  ['DELETE', `/v1/typing-indicator/${number}`, { recipient: restGroupId(groupId) }],
  ['POST', `/v1/receipts/${number}`, { recipient: FRIEND, receipt_type: 'viewed', timestamp: 1_700_000_000_000 }],
  ['POST', `/v1/reactions/${number}`, { recipient: restGroupId(groupId), reaction: '👍', target_author: FRIEND, timestamp: 1_700_000_000_000 }],
  ['DELETE', `/v1/reactions/${number}`, { recipient: FRIEND, target_author: FRIEND, timestamp: 1_700_000_000_000 }],
];

async function emulatorFor(options: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<Emulator> {
  const emulator = await startEmulator({ account: ACCOUNT, groups: [{ id: groupId, name: 'Forward', members: [FRIEND] }], ...options });
  running.push({ stop: () => emulator.close() });
  return emulator;
}

async function daemonFor(url: string, env: Record<string, string> = {}): Promise<{ base: string; tetherd: Awaited<ReturnType<typeof compatDaemon>>['tetherd'] }> {
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: url, ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.logLine(/"to":"connected"/);
  return { tetherd, base };
}

const stickered = { number: ACCOUNT, recipients: [FRIEND], message: 'a sticker', sticker: '0a1b2c3d:1' };

describe('REST backend', () => {
  it('forwards typing, receipts and reactions, and passes the backend answer back', async () => {
    const emulator = await emulatorFor();
    const { base } = await daemonFor(emulator.restUrl!);
    const before = emulator.stats().requests;
    for (const [method, path, body] of actions) expect(await call(base, method, path, body)).toMatchObject({ status: 204, text: '' });
    expect(emulator.stats().requests - before).toBeGreaterThanOrEqual(actions.length);
    const refused = await call(base, 'PUT', `/v1/typing-indicator/${number}`, { recipient: '+1' });
    expect(refused).toMatchObject({ status: 400, body: (await call(emulator.restUrl!, 'PUT', `/v1/typing-indicator/${number}`, { recipient: '+1' })).body });
  });

  it('forwards a send with a sticker as it is, answering with the real timestamp', async () => {
    const emulator = await emulatorFor();
    const { base } = await daemonFor(emulator.restUrl!);
    const reply = await call(base, 'POST', '/v2/send', stickered);
    expect(reply.status).toBe(201);
    expect(reply.headers['x-tether-message-id']).toBeUndefined();
    const [record] = emulator.sent();
    expect(record).toMatchObject({ message: 'a sticker' });
    expect(reply.body).toEqual({ timestamp: String(record!.timestamp) });
  });

  it('answers 503 for what it cannot queue while the link is down, and still queues plain sends', async () => {
    const emulator = await emulatorFor();
    const { tetherd, base } = await daemonFor(emulator.restUrl!, { TETHER_COMPAT_WAIT_MS: '100' });
    await emulator.stop();
    await tetherd.logLine(/"to":"disconnected"/);
    for (const [method, path, body] of actions) {
      const reply = await call(base, method, path, body);
      expect(reply.status).toBe(503);
      expect((reply.body as { error: string }).error).toMatch(/not connected/);
    }
    expect((await call(base, 'POST', '/v2/send', stickered)).status).toBe(503);
    const plain = await call(base, 'POST', '/v2/send', { number: ACCOUNT, recipients: [FRIEND], message: 'plain' });
    expect(plain).toMatchObject({ status: 201, headers: { 'x-tether-send': 'queued' } });
  });
});

describe('JSON-RPC backend', () => {
  it('calls sendTyping, sendReceipt and sendReaction, and queues plain sends', async () => {
    const emulator = await emulatorFor({ rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } });
    const { base } = await daemonFor(emulator.jsonRpcUrl!, { TETHER_RECEIVE_MODE: 'manual' });
    for (const [method, path, body] of actions) expect(await call(base, method, path, body)).toMatchObject({ status: 204, text: '' });
    const refused = await call(base, 'PUT', `/v1/typing-indicator/${number}`, { recipient: '+1' });
    expect(refused).toMatchObject({ status: 400, body: { error: expect.stringMatching(/Invalid phone number/) as unknown } });
    const sent = await call(base, 'POST', '/v2/send', { number: ACCOUNT, recipients: [FRIEND], message: 'over json-rpc' });
    expect(sent).toMatchObject({ status: 201, body: { timestamp: String(emulator.sent()[0]!.timestamp) } });
    const rich = await call(base, 'POST', '/v2/send', stickered);
    expect(rich).toMatchObject({ status: 400, body: { error: expect.stringMatching(/sticker .*JSON-RPC/) as unknown } });
    expect((await call(base, 'GET', '/v1/about')).body).toMatchObject({ capabilities: { 'v2/send': ['quotes', 'mentions'] }, tether: { backend: 'jsonrpc' } });
  });
});
