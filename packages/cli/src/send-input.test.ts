import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitError } from './exit-error.js';
import { checkRecipients, contentTypeOf, prepareSend } from './send-input.js';

const NUMBER = '+4915112345678';
const RAW_GROUP = Buffer.alloc(32, 9).toString('base64');
const REST_GROUP = `group.${Buffer.from(RAW_GROUP).toString('base64')}`;

const stdin = (text: string, isTTY = false): NodeJS.ReadableStream & { isTTY?: boolean } => Object.assign(Readable.from([Buffer.from(text)]), { isTTY });
const tty = (): NodeJS.ReadableStream & { isTTY?: boolean } => Object.assign(Readable.from([]), { isTTY: true });

async function exitCodeOf(promise: Promise<unknown> | (() => unknown)): Promise<number | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (ExitError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-send-input-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('checkRecipients', () => {
  it('accepts numbers, UUIDs and u: usernames, trimmed', () => {
    expect(checkRecipients({ recipients: [` ${NUMBER} `, '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'] })).toEqual([NUMBER, '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b']);
    expect(checkRecipients({ recipients: ['u:alice.01'] })).toEqual(['u:alice.01']);
  });

  it('turns a raw signal-cli group id given to --group into the REST id', () => {
    expect(checkRecipients({ recipients: [], group: RAW_GROUP })).toEqual([REST_GROUP]);
    expect(checkRecipients({ recipients: [], group: REST_GROUP })).toEqual([REST_GROUP]);
  });

  it.each([
    ['no recipient', []],
    ['a malformed number', ['+0123']],
    ['a group with a number', [REST_GROUP, NUMBER]],
    ['a username with a number', ['u:alice.01', NUMBER]],
  ])('exits 2 for %s', async (_name, recipients) => {
    expect(await exitCodeOf(() => checkRecipients({ recipients }))).toBe(2);
  });
});

describe('prepareSend', () => {
  const env = {};
  it('takes -m as is, and reads stdin without its trailing newlines when -m is absent', async () => {
    expect(await prepareSend({ recipients: [NUMBER], message: 'hi\n', attach: [] }, { env, stdin: tty() })).toEqual({ recipients: [NUMBER], message: 'hi\n' });
    expect(await prepareSend({ recipients: [NUMBER], attach: [] }, { env, stdin: stdin('line one\nline two\r\n\n') })).toEqual({ recipients: [NUMBER], message: 'line one\nline two' });
  });

  it('exits 2 for empty content, and for a terminal on stdin without -m', async () => {
    expect(await exitCodeOf(prepareSend({ recipients: [NUMBER], message: ' \n', attach: [] }, { env, stdin: tty() }))).toBe(2);
    expect(await exitCodeOf(prepareSend({ recipients: [NUMBER], attach: [] }, { env, stdin: stdin('\n') }))).toBe(2);
    expect(await exitCodeOf(prepareSend({ recipients: [NUMBER], attach: [] }, { env, stdin: tty() }))).toBe(2);
  });

  it('reads attachments as base64 with a name and type; no text needed', async () => {
    const file = path.join(dir, 'note.PDF');
    await writeFile(file, 'abc');
    expect(await prepareSend({ recipients: [NUMBER], attach: [file] }, { env, stdin: tty() })).toEqual({
      recipients: [NUMBER],
      attachments: [{ filename: 'note.PDF', contentType: 'application/pdf', data: 'YWJj' }],
    });
  });

  it('checks the total size against TETHER_MAX_ATTACHMENT_MB before reading anything', async () => {
    const file = path.join(dir, 'big.bin');
    await writeFile(file, Buffer.alloc(600 * 1024));
    const request = { recipients: [NUMBER], message: 'x', attach: [file, file] };
    expect(await exitCodeOf(prepareSend(request, { env: { TETHER_MAX_ATTACHMENT_MB: '1' }, stdin: tty() }))).toBe(2);
    expect(await exitCodeOf(prepareSend(request, { env: { TETHER_MAX_ATTACHMENT_MB: 'lots' }, stdin: tty() }))).toBe(2);
    expect((await prepareSend(request, { env: { TETHER_MAX_ATTACHMENT_MB: '2' }, stdin: tty() })).attachments).toHaveLength(2);
    expect(await exitCodeOf(prepareSend({ ...request, attach: [dir] }, { env, stdin: tty() }))).toBe(2);
  });

  it('guesses common content types and falls back to octet-stream', () => {
    expect(contentTypeOf('a.jpeg')).toBe('image/jpeg');
    expect(contentTypeOf('song.mp3')).toBe('audio/mpeg');
    expect(contentTypeOf('Makefile')).toBe('application/octet-stream');
  });
});
