// Batch sends through the real tetherd: a thousand messages in one request, all or nothing, in
// order, the idempotency key covering the batch.
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, SendBatchResponse, Status } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

describe('POST /v1/messages with { messages }', () => {
  it('refuses a 1,000-item batch with one bad item whole, naming its index; then commits a good one in order, once per key', async () => {
    const emulator = await startEmulator({ account: '+4915112345678' });
    running.push({ stop: () => emulator.close() });
    await emulator.stop();
    const tetherd = new Tetherd(tempDir(), { TETHER_SIGNAL_URL: emulator.restUrl! });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.ready();
    const messages = Array.from({ length: 1_000 }, (_, index) => ({ recipients: [FRIEND], message: `item ${index}` }));
    const bad = messages.map((item, index) => (index === 637 ? { ...item, recipients: ['+49 1'] } : item));
    const refused = await tetherd.request('POST', '/v1/messages', { messages: bad });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'invalid-recipient', field: 'messages[637].recipients' } } });
    expect((await tetherd.request<Status>('GET', '/v1/status')).body.outbox.queued).toBe(0);
    expect((await tetherd.request('POST', '/v1/messages', { messages: [...messages, messages[0]] })).body).toMatchObject({ error: { code: 'invalid-batch', field: 'messages' } });

    const accepted = await tetherd.request<SendBatchResponse>('POST', '/v1/messages', { messages }, { 'idempotency-key': 'batch-1' });
    expect(accepted.status).toBe(202);
    expect(accepted.body.messages.map((message) => message.state)).toEqual(messages.map(() => 'queued'));
    const again = await tetherd.request<SendBatchResponse>('POST', '/v1/messages', { messages }, { 'idempotency-key': 'batch-1' });
    expect(again.status).toBe(200);
    expect(again.body.messages.map((message) => message.id)).toEqual(accepted.body.messages.map((message) => message.id));
    expect((await tetherd.request('POST', '/v1/messages', { messages: messages.slice(1) }, { 'idempotency-key': 'batch-1' })).status).toBe(409);
    expect((await tetherd.request<Status>('GET', '/v1/status')).body.outbox.queued).toBe(1_000);

    await emulator.restart();
    const stream = tetherd.events('?kinds=message', '0');
    const ids = accepted.body.messages.map((message) => message.id);
    await stream.until((events) => {
      const sent = new Set(events.filter((event) => event.data['state'] === 'sent').map((event) => event.data['id']));
      return ids.every((id) => sent.has(id));
    }, '1,000 messages sent');
    stream.close();
    expect(emulator.sent().map((record) => record.message)).toEqual(messages.map((item) => item.message));
    const last = await tetherd.request<Message>('GET', `/v1/messages/${ids[999]}`);
    expect(last.body).toMatchObject({ state: 'sent', message: 'item 999' });
  });
});
