// Sends through the compat endpoint land in the durable outbox. `wait` answers with Signal's own
// timestamp once it accepted the message; `queue`, and `wait` past TETHER_COMPAT_WAIT_MS, answer
// 201 with Tether's provisional timestamp, and the message is delivered when Signal is back.
import { makeGroupId, restGroupId, startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const groupId = makeGroupId('compat-send');

async function setup(env: Record<string, string> = {}): Promise<{ emulator: Emulator; tetherd: Tetherd; base: string }> {
  const emulator = await startEmulator({ account: ACCOUNT, groups: [{ id: groupId, name: 'Send', members: [FRIEND] }] });
  running.push({ stop: () => emulator.close() });
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl!, ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.logLine(/"to":"connected"/);
  return { emulator, tetherd, base };
}

const v2 = (message: string, fields: Record<string, unknown> = {}): Record<string, unknown> => ({ number: ACCOUNT, recipients: [FRIEND], message, ...fields });
const sentTexts = (emulator: Emulator): (string | null)[] => emulator.sent().map((record) => record.message);

async function createdAt(tetherd: Tetherd, id: string): Promise<string> {
  const message = await tetherd.request<{ createdAt: string }>('GET', `/v1/messages/${id}`);
  return String(Date.parse(message.body.createdAt));
}

describe('compat sends, wait mode (the default)', () => {
  it("answers once Signal accepted the message, with Signal's timestamp", async () => {
    const { emulator, base } = await setup();
    const reply = await call(base, 'POST', '/v2/send', v2('hello'));
    expect(reply.status).toBe(201);
    expect(reply.headers['x-tether-send']).toBe('sent');
    const [record] = emulator.sent();
    expect(record).toMatchObject({ message: 'hello', recipients: [FRIEND] });
    expect(reply.body).toEqual({ timestamp: String(record!.timestamp) });
  });

  it('falls back to a provisional timestamp while Signal is away, and delivers once it is back', async () => {
    const { emulator, tetherd, base } = await setup({ TETHER_COMPAT_WAIT_MS: '300' });
    await emulator.stop();
    await tetherd.logLine(/"to":"disconnected"/);
    const stream = tetherd.events('?kinds=message');
    await stream.opened;
    const reply = await call(base, 'POST', '/v2/send', v2('while away'));
    expect(reply.status).toBe(201);
    expect(reply.headers['x-tether-send']).toBe('queued');
    const id = String(reply.headers['x-tether-message-id']);
    expect(reply.body).toEqual({ timestamp: await createdAt(tetherd, id) });
    expect(sentTexts(emulator)).toEqual([]);
    await emulator.restart();
    await stream.until((events) => events.some((event) => event.data['id'] === id && event.data['state'] === 'sent'), 'the queued message sent');
    expect(sentTexts(emulator)).toEqual(['while away']);
    stream.close();
  });

  it('answers a permanent failure like the real API (400 with the reason)', async () => {
    const { emulator, base } = await setup();
    emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
    const reply = await call(base, 'POST', '/v2/send', v2('untrusted'));
    expect(reply.status).toBe(400);
    expect(reply.headers['x-tether-send']).toBe('failed');
    expect((reply.body as { error: string }).error).toMatch(/untrusted/i);
  });

  it('sends attachments, group messages and the deprecated /v1/send through the outbox', async () => {
    const { emulator, base } = await setup();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
    const pdf = `data:application/pdf;filename=report.pdf;base64,${Buffer.from('%PDF-1.4').toString('base64')}`;
    expect((await call(base, 'POST', '/v2/send', v2('', { base64_attachments: [png, pdf] }))).status).toBe(201);
    expect((await call(base, 'POST', '/v2/send', v2('to the group', { recipients: [restGroupId(groupId)] }))).status).toBe(201);
    const v1 = await call(base, 'POST', '/v1/send', { number: ACCOUNT, recipients: [FRIEND], message: 'by v1' });
    const v1Group = await call(base, 'POST', '/v1/send', { number: ACCOUNT, recipients: [Buffer.from(groupId).toString('base64')], message: 'v1 group', is_group: true });
    expect([v1.status, v1Group.status]).toEqual([201, 201]);
    const sent = emulator.sent();
    expect(sent[0]!.attachments).toEqual([
      { contentType: 'image/png', filename: null, size: 8 },
      { contentType: 'application/pdf', filename: 'report.pdf', size: 8 },
    ]);
    expect(sent.slice(1).map((record) => [record.message, record.groupId ?? record.recipients])).toEqual([
      ['to the group', groupId],
      ['by v1', [FRIEND]],
      ['v1 group', groupId],
    ]);
    expect(v1.body).toEqual({ timestamp: String(sent[2]!.timestamp) });
  });

  it('takes numbers with spaces as the real API does, and honours an Idempotency-Key', async () => {
    const { emulator, base } = await setup();
    const headers = { 'idempotency-key': 'compat-once' };
    const first = await call(base, 'POST', '/v2/send', v2('once', { recipients: ['+49 151 87654321'] }), headers);
    const again = await call(base, 'POST', '/v2/send', v2('once', { recipients: ['+49 151 87654321'] }), headers);
    expect(again.headers['x-tether-message-id']).toBe(first.headers['x-tether-message-id']);
    expect(again.body).toEqual(first.body);
    expect(emulator.sent().map((record) => record.recipients)).toEqual([[FRIEND]]);
  });
});

describe('compat sends, queue mode', () => {
  it('answers as soon as the message is committed, with the provisional timestamp, though Signal has not answered', async () => {
    const { emulator, tetherd, base } = await setup({ TETHER_COMPAT_SEND: 'queue' });
    // The first send never gets an answer: only an endpoint that does not wait can reply now.
    emulator.hangNextSends(1, { deliver: true });
    const reply = await call(base, 'POST', '/v2/send', v2('queued'));
    expect(reply.status).toBe(201);
    expect(reply.headers['x-tether-send']).toBe('queued');
    expect(reply.body).toEqual({ timestamp: await createdAt(tetherd, String(reply.headers['x-tether-message-id'])) });
    expect((await call(base, 'GET', '/v1/about')).body).toMatchObject({ tether: { send: 'queue' } });
  });
});

describe('compat listener', () => {
  it('stops tetherd with a message naming the setting when its address is taken', async () => {
    const emulator = await startEmulator({ account: ACCOUNT });
    running.push({ stop: () => emulator.close() });
    const taken = new URL(emulator.restUrl!).host;
    const tetherd = new Tetherd(tempDir(), { TETHER_SIGNAL_URL: emulator.restUrl!, TETHER_COMPAT_LISTEN: taken });
    running.push({ stop: () => tetherd.kill() });
    expect(await tetherd.exited).toEqual({ code: 1, signal: null });
    expect(tetherd.stderr).toMatch(/TETHER_COMPAT_LISTEN: .*EADDRINUSE/);
  });
});
