// Every call against the real tetherd and the emulator: the typed shapes it answers with, and each
// refusal as an ApiError carrying the API's code, status and field.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type Message } from '../src/index.js';
import { FRIEND, startStack, type Stack } from './helpers/stack.js';

const UNTRUSTED = { status: 400, body: { error: 'Failed to send message due to untrusted identities' } };
let stack: Stack;

beforeAll(async () => {
  // A short send deadline and at-most-once, so the hung send of the 409 test ends `unknown` soon;
  // a 1 MiB limit for 413.
  stack = await startStack({ daemonEnv: { TETHER_SEND_TIMEOUT_MS: '1000', TETHER_MAX_ATTACHMENT_MB: '1', TETHER_UNKNOWN_POLICY: 'at-most-once' } });
  await stack.waitForLink('connected');
});
afterEach(() => stack.emulator.clearFaults());
afterAll(() => stack?.close());

/** The ApiError a call rejected with (failing the test when it did not reject with one). */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!ApiError.isInstance(error)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe('status', () => {
  it('returns the status object', async () => {
    const status = await stack.client.status();
    expect(status).toMatchObject({ state: 'connected', gate: { state: 'open' }, backend: { kind: 'rest', url: stack.emulator.restUrl }, outbox: { queued: 0 } });
    expect(Array.isArray(status.lossWindows)).toBe(true);
  });
});

describe('send', () => {
  it('returns the committed Message; the same idempotency key returns it again, another body conflicts (409)', async () => {
    const message = await stack.client.send({ recipients: [FRIEND], message: 'once' }, { idempotencyKey: 'calls-1' });
    expect(message).toMatchObject({ state: 'queued', recipients: [FRIEND], attempts: 0, ambiguous: false });
    expect(Object.keys(message)).not.toContain('settled');
    const again = await stack.client.send({ recipients: [FRIEND], message: 'once' }, { idempotencyKey: 'calls-1' });
    expect(again.id).toBe(message.id);
    const conflict = await refusal(stack.client.send({ recipients: [FRIEND], message: 'other' }, { idempotencyKey: 'calls-1' }));
    expect(conflict).toMatchObject({ status: 409, code: 'idempotency-conflict' });
    expect((await message.settled()).state).toBe('sent');
    expect(stack.emulator.sent().filter((record) => record.message === 'once')).toHaveLength(1);
  });

  it('refuses bad input with the code and field (400) and a body over the limit (413)', async () => {
    const bad = await refusal(stack.client.send({ recipients: ['+49 151'], message: 'x' }));
    expect(bad).toMatchObject({ status: 400, code: 'invalid-recipient', field: 'recipients' });
    const empty = await refusal(stack.client.send({ recipients: [FRIEND] }));
    expect(empty).toMatchObject({ status: 400, code: 'empty-message', field: 'message' });
    const large = await refusal(stack.client.send({ recipients: [FRIEND], attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data: Buffer.alloc(1024 * 1024 + 3).toString('base64') }] }));
    expect(large).toMatchObject({ status: 413, code: 'too-large' });
  });
});

describe('sendBatch', () => {
  it('commits every message in order, each with settled(); one bad item refuses the whole batch with its index; the key covers the batch', async () => {
    const texts = ['batch one', 'batch two', 'batch three'];
    const sent = await stack.client.sendBatch(texts.map((message) => ({ recipients: [FRIEND], message })), { idempotencyKey: 'calls-batch' });
    expect(sent.map((message) => message.state)).toEqual(['queued', 'queued', 'queued']);
    const again = await stack.client.sendBatch(texts.map((message) => ({ recipients: [FRIEND], message })), { idempotencyKey: 'calls-batch' });
    expect(again.map((message) => message.id)).toEqual(sent.map((message) => message.id));
    expect((await Promise.all(sent.map((message) => message.settled()))).map((message) => message.state)).toEqual(['sent', 'sent', 'sent']);
    expect(stack.emulator.sent().filter((record) => texts.includes(record.message ?? '')).map((record) => record.message)).toEqual(texts);
    const before = (await stack.client.status()).outbox.queued;
    const refused = await refusal(stack.client.sendBatch([{ recipients: [FRIEND], message: 'fine' }, { recipients: ['+49 151'], message: 'bad' }]));
    expect(refused).toMatchObject({ status: 400, code: 'invalid-recipient', field: 'messages[1].recipients' });
    expect((await stack.client.status()).outbox.queued).toBe(before);
    expect(await stack.client.messages({ limit: 1 })).toEqual([expect.objectContaining({ id: sent[2]!.id })]);
  });
});

describe('message and messages', () => {
  it('reads one message with its text, and lists by state and limit, newest first', async () => {
    const first = await stack.client.send({ recipients: [FRIEND], message: 'listed one' }).settled();
    const second = await stack.client.send({ recipients: [FRIEND], message: 'listed two' }).settled();
    expect(await stack.client.message(first.id)).toMatchObject({ id: first.id, state: 'sent', message: 'listed one' });
    const listed = await stack.client.messages({ state: 'sent', limit: 2 });
    expect(listed.map((message) => message.id)).toEqual([second.id, first.id]);
    expect(listed.every((message: Message) => message.state === 'sent')).toBe(true);
    // the next page starts after the last message of this one
    const next = await stack.client.messages({ state: 'sent', limit: 1, before: second.id });
    expect(next.map((message) => message.id)).toEqual([first.id]);
  });

  it('refuses an unknown id (404) and a bad query (400 with the field)', async () => {
    expect(await refusal(stack.client.message('no-such-message'))).toMatchObject({ status: 404, code: 'not-found', message: 'no message no-such-message' });
    expect(await refusal(stack.client.waitFor('no-such-message'))).toMatchObject({ status: 404, code: 'not-found' });
    expect(await refusal(stack.client.messages({ limit: 0 }))).toMatchObject({ status: 400, code: 'invalid-limit', field: 'limit' });
    expect(await refusal(stack.client.messages({ state: 'lost' as Message['state'] }))).toMatchObject({ status: 400, code: 'invalid-state', field: 'state' });
    expect(await refusal(stack.client.messages({ before: 'not an id' }))).toMatchObject({ status: 400, code: 'invalid-cursor', field: 'before' });
  });
});

describe('retry', () => {
  it('retries a failed message, which then goes out; an unknown id is 404', async () => {
    stack.emulator.failNextSends(1, UNTRUSTED);
    const failed = await stack.client.send({ recipients: [FRIEND], message: 'retry me' }).settled();
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(/untrusted/) as string });
    const retried = await stack.client.retry(failed.id);
    expect(retried).toMatchObject({ id: failed.id, state: 'queued' });
    expect((await stack.client.waitFor(failed.id)).state).toBe('sent');
    expect(await refusal(stack.client.retry('no-such-message'))).toMatchObject({ status: 404, code: 'not-found' });
  });
});

describe('challenge', () => {
  it('lifts a captcha pause and returns the gate; an empty token is 400', async () => {
    stack.emulator.rateLimitNextSends(1, { challengeToken: 'token-abc-123' });
    const message = await stack.client.send({ recipients: [FRIEND], message: 'needs a captcha' });
    const paused = await stack.waitForStatus((status) => status.gate.reason === 'captcha-required');
    expect(paused.gate.challengeToken).toBe('token-abc-123');
    expect(await stack.client.challenge('token-abc-123', 'signalcaptcha://solved')).toEqual({ state: 'open' });
    expect(stack.emulator.submittedChallenges()).toEqual([expect.objectContaining({ token: 'token-abc-123' })]);
    expect((await message.settled()).state).toBe('sent');
    expect(await refusal(stack.client.challenge('', 'x'))).toMatchObject({ status: 400, code: 'invalid-token', field: 'token' });
  });
});

describe('events', () => {
  it('refuses unknown kinds and a bad since (400), from ready() and from the iteration', async () => {
    const kinds = stack.client.events({ kinds: ['presence' as 'state'] });
    expect(await refusal(kinds.ready())).toMatchObject({ status: 400, code: 'invalid-kinds', field: 'kinds' });
    const since = stack.client.events({ since: 'yesterday' });
    const error = await refusal((async () => {
      for await (const _event of since) return;
    })());
    expect(error).toMatchObject({ status: 400, code: 'invalid-since' });
  });
});

// Last: the hung send ends `unknown` and pauses the gate for a few seconds.
describe('cancel', () => {
  it('cancels a queued message, and refuses to cancel one being sent (409)', async () => {
    stack.emulator.hangNextSends(1);
    const hung = await stack.client.send({ recipients: [FRIEND], message: 'hangs in flight' });
    await stack.waitForStatus((status) => status.outbox.sending === 1);
    expect(await refusal(stack.client.cancel(hung.id))).toMatchObject({ status: 409, code: 'conflict' });
    const behind = await stack.client.send({ recipients: [FRIEND], message: 'queued behind it' });
    expect(await stack.client.cancel(behind.id)).toMatchObject({ id: behind.id, state: 'failed', error: 'cancelled' });
    expect(await behind.settled()).toMatchObject({ state: 'failed', error: 'cancelled' });
    expect(await hung.settled()).toMatchObject({ state: 'unknown', ambiguous: true });
  });
});
