// The real tetherd against the emulator: the outbox keeps order across backend outages and
// daemon kills, classifies failures, pauses for rate limits, and loses nothing accepted.
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir, type EventStream } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function emulatorFor(kind: 'rest' | 'jsonrpc'): Promise<Emulator> {
  const emulator = await startEmulator({ account: '+4915112345678', ...(kind === 'jsonrpc' ? { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } } : {}) });
  running.push({ stop: () => emulator.close() });
  return emulator;
}

function daemon(stateDir: string, url: string, env: Record<string, string> = {}): Tetherd {
  const tetherd = new Tetherd(stateDir, { TETHER_SIGNAL_URL: url, ...env });
  running.push({ stop: () => tetherd.kill() });
  return tetherd;
}

async function post(tetherd: Tetherd, text: string): Promise<Message> {
  const response = await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: text });
  expect(response.status).toBe(202);
  return response.body;
}

function allReach(stream: EventStream, ids: readonly string[], states: readonly string[]): Promise<unknown> {
  return stream.until((events) => {
    const latest = new Map<string, string>();
    for (const event of events) if (event.event === 'message') latest.set(String(event.data['id']), String(event.data['state']));
    return ids.every((id) => states.includes(latest.get(id) ?? ''));
  }, `${ids.length} messages ${states.join('|')}`);
}

const linkIs = (stream: EventStream, state: string) =>
  stream.until((events) => events.some((event) => event.event === 'state' && event.data['to'] === state), `state ${state}`);

for (const kind of ['rest', 'jsonrpc'] as const) {
  describe(`tetherd outbox over ${kind}`, () => {
    it('queues 100 while the backend is down and delivers them all, in order, when it returns', async () => {
      const emulator = await emulatorFor(kind);
      const tetherd = daemon(tempDir(), kind === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!);
      await tetherd.ready();
      const stream = tetherd.events('?kinds=state,message', '0');
      await linkIs(stream, 'connected');
      await emulator.stop();
      await linkIs(stream, 'disconnected');
      const ids: string[] = [];
      for (let index = 0; index < 100; index++) ids.push((await post(tetherd, `queued ${index}`)).id);
      const status = await tetherd.request<{ outbox: { queued: number }; state: string }>('GET', '/v1/status');
      expect(status.body.outbox.queued).toBe(100);
      expect(['disconnected', 'reconnecting']).toContain(status.body.state);
      await emulator.restart();
      await allReach(stream, ids, ['sent']);
      expect(emulator.sent().map((record) => record.message)).toEqual(ids.map((_, index) => `queued ${index}`));
      await linkIs(stream, 'syncing');
      stream.close();
    });
  });
}

describe('tetherd survives SIGKILL', () => {
  it('with messages queued and again in the middle of a drain: nothing lost, every duplicate marked ambiguous', async () => {
    const emulator = await emulatorFor('rest');
    const stateDir = tempDir();
    let tetherd = daemon(stateDir, emulator.restUrl!);
    await tetherd.ready();
    await emulator.stop();
    const ids: string[] = [];
    for (let index = 0; index < 200; index++) ids.push((await post(tetherd, `m${index}`)).id);
    await tetherd.kill('SIGKILL');

    // second life: the backend is back and slow, so the drain is under way when we kill again
    await emulator.restart();
    emulator.setLatency(5);
    tetherd = daemon(stateDir, emulator.restUrl!);
    await tetherd.ready();
    const draining = tetherd.events('?kinds=message');
    await draining.until((events) => events.filter((event) => event.data['state'] === 'sent').length >= 20, 'the drain to be under way');
    await tetherd.kill('SIGKILL');
    expect(emulator.sent().length).toBeLessThan(200);

    // third life: everything goes out
    emulator.setLatency(0);
    tetherd = daemon(stateDir, emulator.restUrl!);
    await tetherd.ready();
    const stream = tetherd.events('?kinds=message', '0');
    await allReach(stream, ids, ['sent']);
    const list = await tetherd.request<Message[]>('GET', '/v1/messages?limit=1000');
    const byText = new Map(list.body.map((message) => [message.id, message]));
    const sentTexts = emulator.sent().map((record) => record.message);
    for (const [index, id] of ids.entries()) {
      const copies = sentTexts.filter((text) => text === `m${index}`).length;
      expect(copies, `m${index}`).toBeGreaterThanOrEqual(1);
      if (copies > 1) expect(byText.get(id)?.ambiguous, `m${index} was sent ${copies} times`).toBe(true);
    }
    // and first deliveries kept the order
    const firsts = sentTexts.filter((text, index) => sentTexts.indexOf(text) === index);
    expect(firsts).toEqual(ids.map((_, index) => `m${index}`));
    stream.close();
  });
});

describe('tetherd send outcomes', () => {
  it('fails a permanent 400 and moves on; pauses the gate on a 429 without hammering', async () => {
    const emulator = await emulatorFor('rest');
    const tetherd = daemon(tempDir(), emulator.restUrl!);
    await tetherd.ready();
    const stream = tetherd.events('?kinds=state,gate,message', '0');
    await linkIs(stream, 'connected');
    emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
    const bad = await post(tetherd, 'untrusted');
    const good = await post(tetherd, 'fine');
    await allReach(stream, [bad.id], ['failed']);
    await allReach(stream, [good.id], ['sent']);
    const failed = await tetherd.request<Message>('GET', `/v1/messages/${bad.id}`);
    expect(failed.body).toMatchObject({ state: 'failed', error: expect.stringMatching(/untrusted/), message: 'untrusted' });

    emulator.rateLimitNextSends(1);
    const limited = await post(tetherd, 'rate limited');
    await stream.until((events) => events.some((event) => event.event === 'gate' && event.data['reason'] === 'rate-limited'), 'rate-limit pause');
    const before = emulator.stats().requests;
    await post(tetherd, 'behind it');
    const status = await tetherd.request<{ gate: { state: string; reason: string; until: string } }>('GET', '/v1/status');
    expect(status.body.gate).toMatchObject({ state: 'paused', reason: 'rate-limited' });
    expect(Date.parse(status.body.gate.until) - Date.now()).toBeGreaterThan(10_000); // 30 s backoff with equal jitter (15–30 s), nothing sent meanwhile
    expect(emulator.stats().requests).toBe(before);
    const record = await tetherd.request<Message>('GET', `/v1/messages/${limited.id}`);
    expect(record.body).toMatchObject({ state: 'queued', ambiguous: true });
    stream.close();
  });
});
