// Waiting for a message's outcome against the real tetherd: through a backend outage, across a
// tetherd SIGKILL and restart, and for a permanent failure; `waitForDaemon` sends through a restart.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FRIEND, startStack, type Stack } from './helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await stack.waitForLink('connected');
});
afterEach(() => stack.emulator.clearFaults());
afterAll(() => stack?.close());

const sentTexts = (text: string): number => stack.emulator.sent().filter((record) => record.message === text).length;

describe('settled()', () => {
  it('resolves with `sent` once the backend is back after an outage, and Signal has the message once', async () => {
    await stack.emulator.stop();
    await stack.waitForLink('disconnected');
    const sending = stack.client.send({ recipients: [FRIEND], message: 'through the outage' });
    const outcome = sending.settled();
    const queued = await sending;
    expect(queued.state).toBe('queued');
    expect((await stack.client.status()).outbox.queued).toBe(1);
    await stack.emulator.restart();
    expect(await outcome).toMatchObject({ id: queued.id, state: 'sent', ambiguous: false });
    expect(sentTexts('through the outage')).toBe(1);
  });

  it('keeps waiting across a tetherd SIGKILL and restart (waitFor resumes its event stream)', async () => {
    await stack.emulator.stop();
    await stack.waitForLink('disconnected');
    const message = await stack.client.send({ recipients: [FRIEND], message: 'across a daemon restart' });
    const outcome = stack.client.waitFor(message.id);
    await stack.daemon.restart('SIGKILL');
    await stack.emulator.restart();
    expect(await outcome).toMatchObject({ id: message.id, state: 'sent' });
    expect(sentTexts('across a daemon restart')).toBe(1);
  });

  it('resolves with `failed` and the reason for a permanent refusal', async () => {
    stack.emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
    const outcome = await stack.client.send({ recipients: [FRIEND], message: 'to an untrusted key' }).settled();
    expect(outcome).toMatchObject({ state: 'failed', error: expect.stringMatching(/untrusted/) as string });
  });

  it('resolves at once for a message that settled long ago', async () => {
    const message = await stack.client.send({ recipients: [FRIEND], message: 'already sent' }).settled();
    expect(await stack.client.waitFor(message.id)).toMatchObject({ id: message.id, state: 'sent' });
  });
});

describe('send({ waitForDaemon })', () => {
  it('keeps trying while tetherd is down and commits exactly one message when it is back', async () => {
    await stack.daemon.kill('SIGKILL');
    const reply = stack.client.send({ recipients: [FRIEND], message: 'sent while tetherd restarts' }, { waitForDaemon: true, idempotencyKey: 'restart-1' });
    const early = await stack.client.status().catch((error: unknown) => error);
    expect(early).toMatchObject({ code: 'unreachable' });
    await stack.daemon.start();
    expect(await reply.settled()).toMatchObject({ state: 'sent' });
    expect(sentTexts('sent while tetherd restarts')).toBe(1);
  });
});
