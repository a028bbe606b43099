// `tether send` end to end: the real tether and tetherd against the emulator. Exit 0 when Signal
// took the message, 1 when it failed or the wait timed out (the message is then still queued).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@tether/daemon/protocol';
import { runTether, stopAll } from './helpers/processes.js';
import { FRIEND, startStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
  await stack.waitForLink('connected');
});
afterEach(async () => {
  await stopAll();
  stack.emulator.clearFaults();
});
afterAll(() => stack?.close());

const sentTexts = (): (string | null)[] => stack.emulator.sent().map((record) => record.message);

describe('tether send', () => {
  it('queues a message and prints its id; --wait exits 0 once Signal has it', async () => {
    const queued = await runTether(['send', FRIEND, '-m', 'first'], stack.env);
    expect(queued.code, queued.stderr).toBe(0);
    const id = queued.stdout.trim();
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    await stack.waitForMessage(id, (message) => message.state === 'sent');

    const waited = await runTether(['send', FRIEND, '-m', 'second', '--wait'], stack.env);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/^\S+ sent \(Signal timestamp \d+\)\n$/);
    expect(sentTexts()).toEqual(expect.arrayContaining(['first', 'second']));
  });

  it('prints the Message with --json', async () => {
    const result = await runTether(['send', FRIEND, 'u:alice.01', '-m', 'as json', '--json'], stack.env);
    expect(result.code, result.stderr).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'invalid-recipient' } });

    const ok = await runTether(['send', FRIEND, '-m', 'as json', '--json', '--wait'], stack.env);
    expect(ok.code, ok.stderr).toBe(0);
    const message = JSON.parse(ok.stdout) as Message;
    expect(message).toMatchObject({ state: 'sent', recipients: [FRIEND], attempts: 1, ambiguous: false });
    expect(typeof message.id).toBe('string');
    expect(typeof message.signalTimestamp).toBe('number');
    expect(Date.parse(message.createdAt)).not.toBeNaN();
  });

  it('sends to a username', async () => {
    const result = await runTether(['send', 'u:alice.01', '-m', 'to a username', '--wait'], stack.env);
    expect(result.code, result.stderr).toBe(0);
    expect(stack.emulator.sent().find((record) => record.message === 'to a username')?.recipients).toEqual(['u:alice.01']);
  });

  it('reads the text from stdin when -m is absent', async () => {
    const result = await runTether(['send', FRIEND, '--wait'], stack.env, 'from stdin\nsecond line\n');
    expect(result.code, result.stderr).toBe(0);
    expect(sentTexts()).toContain('from stdin\nsecond line');
  });

  it('attaches a real file as bytes', async () => {
    const file = path.join(stack.dir, 'photo.png');
    // A multiple of 3 bytes: tetherd's `GET /v1/messages/{id}` counts base64 padding into the size.
    await writeFile(file, Buffer.alloc(3000, 1));
    const result = await runTether(['send', FRIEND, '-m', 'with a photo', '--attach', file, '--wait', '--json'], stack.env);
    expect(result.code, result.stderr).toBe(0);
    const record = stack.emulator.sent().find((entry) => entry.message === 'with a photo');
    expect(record?.attachments).toEqual([{ contentType: 'image/png', filename: 'photo.png', size: 3000 }]);
    const detail = await runTether(['status', (JSON.parse(result.stdout) as Message).id, '--json'], stack.env);
    expect((JSON.parse(detail.stdout) as Message).attachments).toEqual([{ filename: 'photo.png', contentType: 'image/png', size: 3000 }]);
  });

  it('returns the same message for the same idempotency key', async () => {
    const first = await runTether(['send', FRIEND, '-m', 'once', '--idempotency-key', 'key-1'], stack.env);
    const second = await runTether(['send', FRIEND, '-m', 'once', '--idempotency-key', 'key-1'], stack.env);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it('exits 1 when --wait ends failed (a permanent 400: untrusted identity)', async () => {
    stack.emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
    const result = await runTether(['send', FRIEND, '-m', 'to an untrusted key', '--wait', '--json'], stack.env);
    expect(result.code, result.stderr).toBe(1);
    const message = JSON.parse(result.stdout) as Message;
    expect(message.state).toBe('failed');
    expect(message.error).toMatch(/untrusted/);

    stack.emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
    const human = await runTether(['send', FRIEND, '-m', 'again', '--wait'], stack.env);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/failed \(.*untrusted/);
  });
});

describe('tether send --wait while Signal is down', () => {
  it('exits 1 after --timeout, says the message is still queued, and the message is not lost', async () => {
    await stack.emulator.stop();
    await stack.waitForLink('disconnected');
    const result = await runTether(['send', FRIEND, '-m', 'during the outage', '--wait', '--timeout', '1', '--json'], stack.env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/is still queued after 1 s\. It is not lost/);
    const message = JSON.parse(result.stdout) as Message;
    expect(message.state).toBe('queued');

    await stack.emulator.restart();
    await stack.waitForMessage(message.id, (update) => update.state === 'sent');
    expect(sentTexts()).toContain('during the outage');
  });
});

describe('tether send --batch', () => {
  it('commits every line of an NDJSON file at once, prints the ids, and with --wait exits 0 when all went out', async () => {
    const file = path.join(stack.dir, 'batch.ndjson');
    const lines = ['batch a', 'batch b', 'batch c'].map((message) => JSON.stringify({ recipients: [FRIEND], message }));
    await writeFile(file, `${lines.join('\n')}\n\n`);
    const queued = await runTether(['send', '--batch', file], stack.env);
    expect(queued.code, queued.stderr).toBe(0);
    const ids = queued.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    for (const id of ids) await stack.waitForMessage(id, (message) => message.state === 'sent');
    expect(sentTexts().filter((text) => text?.startsWith('batch '))).toEqual(['batch a', 'batch b', 'batch c']);

    const waited = await runTether(['send', '--batch', '-', '--wait', '--json'], stack.env, `${JSON.stringify({ recipients: [FRIEND], message: 'from stdin batch' })}\n`);
    expect(waited.code, waited.stderr).toBe(0);
    expect(JSON.parse(waited.stdout)).toEqual([expect.objectContaining({ state: 'sent', recipients: [FRIEND] })]);
  });

  it('refuses a bad line with exit 2 naming it, and sends nothing', async () => {
    const before = stack.emulator.sent().length;
    const file = path.join(stack.dir, 'bad.ndjson');
    await writeFile(file, `${JSON.stringify({ recipients: [FRIEND], message: 'fine' })}\n${JSON.stringify({ recipients: ['+49 1'], message: 'bad' })}\n`);
    const refused = await runTether(['send', '--batch', file], stack.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/line 2/);
    const mixed = await runTether(['send', FRIEND, '--batch', file], stack.env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--batch takes its recipients/);
    expect(stack.emulator.sent().length).toBe(before);
  });
});
