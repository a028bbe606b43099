// The service's operations on the in-process harness (real SQLite, FakeTransport, FakeClock):
// submit, read, list, retry, cancel, the captcha challenge, status, readiness, health and close.
import { describe, expect, it } from 'vitest';
import type { Message } from '../protocol/index.js';
import { AppError } from './errors.js';
import { ACCOUNT, harnessStarter, FRIEND, START, type Harness } from './testing/harness.js';

const started = harnessStarter();

const text = (message: string) => ({ recipients: [FRIEND], message });

async function stateOf(harness: Harness, id: string): Promise<string> {
  return (await harness.service.message(id)).state;
}

/** Rejects with the AppError code (and field) the operation refused with. */
async function refusal(operation: Promise<unknown>): Promise<{ code: string; field?: string | undefined }> {
  const error: unknown = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!AppError.isInstance(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return { code: error.code, ...(error.field === undefined ? {} : { field: error.field }) };
}

describe('submit', () => {
  it('commits a message, answers with it queued, and sends it once the link is up', async () => {
    const harness = await started();
    const submitted = await harness.service.submit(text('hello'));
    expect(submitted).toMatchObject({ created: true, batch: false, messages: [{ state: 'queued', recipients: [FRIEND], attempts: 0, ambiguous: false, createdAt: new Date(START).toISOString() }] });
    const id = submitted.messages[0]!.id;
    await harness.until(async () => (await stateOf(harness, id)) === 'sent', 'the message to be sent');
    expect(harness.transport.sent).toEqual([{ recipients: [FRIEND], message: 'hello' }]);
    expect(harness.transport.keys).toEqual([id]);
    const message = await harness.service.message(id);
    expect(message).toMatchObject({ state: 'sent', attempts: 1, message: 'hello', signalTimestamp: expect.any(Number) });
    const logged = (await harness.events.after(0, 100, 'message')).map((event) => (JSON.parse(event.data) as Message).state);
    expect(logged).toEqual(['queued', 'sending', 'sent']);
  });

  it('folds repeated recipients and shows attachments by name, type and size only', async () => {
    const harness = await started();
    const data = Buffer.from('a small file').toString('base64');
    const { messages } = await harness.service.submit({ recipients: [FRIEND, ` ${FRIEND}`], attachments: [{ filename: 'a.txt', contentType: 'text/plain', data }] });
    const message = await harness.service.message(messages[0]!.id);
    expect(message.recipients).toEqual([FRIEND]);
    expect(message.attachments).toEqual([{ filename: 'a.txt', contentType: 'text/plain', size: 12 }]);
    expect(message).not.toHaveProperty('message');
  });

  it('returns the same messages for a repeated Idempotency-Key and refuses the key for another body', async () => {
    const harness = await started();
    const first = await harness.service.submit(text('once'), 'key-1');
    const again = await harness.service.submit(text('once'), 'key-1');
    expect(again).toMatchObject({ created: false, messages: [{ id: first.messages[0]!.id }] });
    expect(await refusal(harness.service.submit(text('another'), 'key-1'))).toEqual({ code: 'idempotency-conflict', field: 'Idempotency-Key' });
    await harness.until(() => harness.transport.sent.length === 1, 'the one send');
    expect((await harness.service.messages({ limit: 10 })).length).toBe(1);
  });

  it('commits a batch all together, or refuses it whole naming the bad item', async () => {
    const harness = await started();
    const batch = await harness.service.submit({ messages: [text('one'), text('two')] });
    expect(batch).toMatchObject({ batch: true, created: true });
    expect(batch.messages.map((message) => message.state)).toEqual(['queued', 'queued']);
    expect(await refusal(harness.service.submit({ messages: [text('three'), { recipients: ['nobody'], message: 'x' }] }))).toEqual({ code: 'invalid-recipient', field: 'messages[1].recipients' });
    expect((await harness.service.messages({ limit: 10 })).length).toBe(2);
  });

  it('answers outbox-full beyond TETHER_OUTBOX_MAX and accepts again once it drains', async () => {
    const harness = await started({ maxQueued: 2 });
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    await harness.service.submit(text('one'));
    await harness.service.submit(text('two'));
    expect(await refusal(harness.service.submit(text('three')))).toEqual({ code: 'outbox-full' });
    await harness.clock.advanceAsync(1_000);
    await harness.until(() => harness.transport.sent.length === 2, 'the backlog to drain');
    await expect(harness.service.submit(text('three'))).resolves.toMatchObject({ created: true });
  });

  it('schedules expiry for messages that have one, and refuses one in the past', async () => {
    const harness = await started();
    expect(await refusal(harness.service.submit({ ...text('late'), expiresAt: new Date(START - 1).toISOString() }))).toEqual({ code: 'invalid-expires-at', field: 'expiresAt' });
    const { messages } = await harness.service.submit({ ...text('soon'), expiresAt: new Date(START + 60_000).toISOString() });
    expect(messages[0]).toMatchObject({ expiresAt: new Date(START + 60_000).toISOString() });
  });
});

describe('reading and listing', () => {
  it('lists newest first, by state, and pages with before', async () => {
    const harness = await started();
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    const ids: string[] = [];
    for (const body of ['a', 'b', 'c']) ids.push((await harness.service.submit(text(body))).messages[0]!.id);
    const all = await harness.service.messages({ limit: 10 });
    expect(all.map((message) => message.id)).toEqual([...ids].reverse());
    expect(all[0]).not.toHaveProperty('message');
    const page = await harness.service.messages({ limit: 1, before: ids[2]! });
    expect(page.map((message) => message.id)).toEqual([ids[1]]);
    expect(await harness.service.messages({ state: 'sent', limit: 10 })).toEqual([]);
    expect(await refusal(harness.service.messages({ limit: 1, before: 'm-unknown' }))).toEqual({ code: 'invalid-cursor', field: 'before' });
    expect(await refusal(harness.service.message('m-unknown'))).toEqual({ code: 'not-found' });
    expect(await harness.service.record('m-unknown')).toBeUndefined();
  });
});

describe('retry and cancel', () => {
  it('cancels a queued message, retries a failed one at the back, and refuses what does not apply', async () => {
    const harness = await started();
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    const first = (await harness.service.submit(text('first'))).messages[0]!.id;
    const second = (await harness.service.submit(text('second'))).messages[0]!.id;
    expect(await harness.service.cancel(first)).toMatchObject({ id: first, state: 'failed', error: 'cancelled' });
    expect(await refusal(harness.service.cancel(first))).toEqual({ code: 'conflict' });
    expect(await refusal(harness.service.retry(second))).toEqual({ code: 'conflict' });
    expect(await harness.service.retry(first)).toMatchObject({ id: first, state: 'queued' });
    expect(await refusal(harness.service.retry('m-unknown'))).toEqual({ code: 'not-found' });
    expect(await refusal(harness.service.cancel('m-unknown'))).toEqual({ code: 'not-found' });
    await harness.clock.advanceAsync(1_000);
    await harness.until(() => harness.transport.sent.length === 2, 'both sends');
    // a retry takes the last place: the second message goes first now
    expect(harness.transport.sent.map((message) => message.message)).toEqual(['second', 'first']);
    expect(await refusal(harness.service.cancel(second))).toEqual({ code: 'conflict' });
  });
});

describe('captcha challenge', () => {
  it('submits the solved captcha without its scheme and reopens the gate', async () => {
    const submitted: string[] = [];
    const harness = await started({ challenge: (token, captcha) => (submitted.push(`${token}/${captcha}`), Promise.resolve(undefined)) });
    harness.channel.gate.pause('captcha-required', { error: 'captcha', challengeToken: 'tok' });
    expect((await harness.service.status()).gate).toMatchObject({ state: 'paused', reason: 'captcha-required', challengeToken: 'tok' });
    expect(await harness.service.challenge('tok', 'signalcaptcha://solved')).toEqual({ state: 'open' });
    expect(submitted).toEqual(['tok/solved']);
  });

  it('answers challenge-failed when the backend refuses, and gives up at its deadline', async () => {
    const refused = await started({ challenge: () => Promise.resolve('invalid captcha') });
    refused.channel.gate.pause('captcha-required', { error: 'captcha', challengeToken: 'tok' });
    expect(await refusal(refused.service.challenge('tok', 'wrong'))).toEqual({ code: 'challenge-failed' });
    expect(refused.channel.gate.state).toMatchObject({ state: 'paused', reason: 'captcha-required' });
    expect(await refusal(refused.service.challenge('tok', 'signalcaptcha://'))).toEqual({ code: 'invalid-captcha', field: 'captcha' });

    const hanging = await started({
      challenge: (_token, _captcha, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('no answer before the deadline')), { once: true })),
    });
    const waiting = hanging.service.challenge('tok', 'solved').catch((error: unknown) => error);
    await hanging.clock.advanceAsync(5_000);
    expect(await waiting).toMatchObject({ message: 'no answer before the deadline' });
  });
});

describe('status, readiness and health', () => {
  it('tells the link, gate, outbox and loss windows, stored and open', async () => {
    const harness = await started();
    harness.store.lossWindows.add({ from: START - 60_000, to: START - 30_000 });
    harness.signal.openWindows.push({ from: START - 1_000 });
    harness.channel.gate.pause('rate-limited', { error: 'slow down', retryAfterMs: 30_000 });
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    await harness.service.submit(text('waiting'));
    const status = await harness.service.status();
    expect(status).toMatchObject({
      state: 'disconnected',
      attempt: 1,
      nextAttemptAt: new Date(START + 100).toISOString(),
      lastError: expect.stringMatching(/dropped by the fake peer/),
      backend: { kind: 'rest', receive: 'best-effort' },
      gate: { state: 'paused', reason: 'rate-limited', until: new Date(START + 30_000).toISOString(), error: 'slow down' },
      outbox: { queued: 1, sending: 0, failed: 0, unknown: 0, oldestQueuedAt: new Date(START).toISOString() },
      lossWindows: [
        { from: new Date(START - 60_000).toISOString(), to: new Date(START - 30_000).toISOString() },
        { from: new Date(START - 1_000).toISOString() },
      ],
      account: ACCOUNT,
      pid: 4242,
      startedAt: new Date(START).toISOString(),
    });
    expect(status).not.toHaveProperty('webhook');
  });

  it('is ready only with the link up and the backend ready; healthy while the database takes writes', async () => {
    const harness = await started();
    expect(await harness.service.ready()).toBe(true);
    harness.channel.gate.pause('backend-not-ready', { error: 'signal-cli is starting' });
    expect(await harness.service.ready()).toBe(false);
    harness.channel.gate.open('probe');
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    expect(await harness.service.ready()).toBe(false);
    expect(await harness.service.healthy()).toBe(true);
    expect(harness.service.account).toBe(ACCOUNT);
    expect(harness.service.limits()).toEqual({ maxAttachmentBytes: 1024 * 1024, now: START });
  });
});

describe('close', () => {
  it('refuses new messages with shutting-down and lets the send in flight finish within the grace time', async () => {
    const harness = await started();
    harness.transport.queueOutcomes('hang');
    const { messages } = await harness.service.submit(text('in flight'));
    await harness.until(() => harness.transport.sent.length === 1, 'the send to start');
    const closing = harness.service.close();
    const refused: unknown = await harness.service.submit(text('too late')).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'shutting-down', retryAfterSeconds: 5 });
    await harness.clock.advanceAsync(1_000);
    await closing;
    // abandoned at the grace time: its outcome is unknown, and it is resent once after a restart
    expect(await stateOf(harness, messages[0]!.id)).toBe('queued');
    expect((await harness.service.message(messages[0]!.id)).ambiguous).toBe(true);
  });
});
