// `POST /v1/messages` bodies (DECISIONS.md §4, §8): what is accepted and how it is stored, and each
// refusal with its code and field, for single messages and batches.
import { describe, expect, it } from 'vitest';
import { MAX_BATCH } from '../protocol/index.js';
import { AppError } from './errors.js';
import { hashOf, MAX_RECIPIENTS, parseSubmission } from './message-input.js';

const FRIEND = '+4915187654321';
const limits = { maxAttachmentBytes: 16, now: Date.UTC(2025, 0, 1) };
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const file = (fields: Record<string, unknown> = {}) => ({ filename: 'a.txt', contentType: 'text/plain', data: base64('hello'), ...fields });

function refused(body: unknown, key?: string): { code: string; field?: string; message: string } {
  try {
    parseSubmission(body, limits, key);
  } catch (error) {
    if (!AppError.isInstance(error)) throw error;
    return { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseSubmission accepts', () => {
  it('a message with text, folding repeated recipients as written once', () => {
    const { submission, batch } = parseSubmission({ recipients: [FRIEND, ` ${FRIEND} `, '+4915100000001'], message: 'hi' }, limits, 'key');
    expect(batch).toBe(false);
    expect(submission).toEqual({ messages: [{ message: { recipients: [FRIEND, '+4915100000001'], message: 'hi' } }], requestHash: expect.stringMatching(/^[0-9a-f]{64}$/), idempotencyKey: 'key' });
    const names = parseSubmission({ recipients: ['u:alice.01', 'alice.01', 'bob.02'], message: 'hi' }, limits).submission;
    expect(names.messages[0]!.message.recipients).toEqual(['u:alice.01', 'bob.02']);
  });

  it('attachments without text, and an expiry in the future', () => {
    const expiresAt = '2025-01-02T00:00:00Z';
    const { submission } = parseSubmission({ recipients: [FRIEND], message: '', attachments: [file()], expiresAt }, limits);
    expect(submission.messages).toEqual([{ message: { recipients: [FRIEND], attachments: [file()] }, expiresAt: Date.parse(expiresAt) }]);
  });

  it('a batch, hashed apart from the same message sent alone', () => {
    const single = parseSubmission({ recipients: [FRIEND], message: 'x' }, limits).submission;
    const batch = parseSubmission({ messages: [{ recipients: [FRIEND], message: 'x' }] }, limits);
    expect(batch.batch).toBe(true);
    expect(batch.submission.messages).toEqual(single.messages);
    expect(batch.submission.requestHash).not.toBe(single.requestHash);
    expect(parseSubmission({ recipients: [FRIEND], message: 'x' }, limits).submission.requestHash).toBe(single.requestHash);
    expect(hashOf(single.messages[0]!)).toBe(single.requestHash);
  });
});

describe('parseSubmission refuses', () => {
  it.each([
    ['null', null, { code: 'invalid-body' }],
    ['an array', [], { code: 'invalid-body' }],
    ['a string', 'hi', { code: 'invalid-body' }],
    ['no recipients', { message: 'hi' }, { code: 'invalid-recipient', field: 'recipients' }],
    ['a bad recipient', { recipients: [FRIEND, 'nobody'], message: 'hi' }, { code: 'invalid-recipient', field: 'recipients', message: expect.stringMatching(/\(entry 2\)$/) }],
    ['too many recipients', { recipients: Array.from({ length: MAX_RECIPIENTS + 1 }, () => FRIEND), message: 'hi' }, { code: 'invalid-recipient', message: expect.stringMatching(/at most 1000 recipients/) }],
    ['a message that is not text', { recipients: [FRIEND], message: 5 }, { code: 'invalid-message', field: 'message' }],
    ['nothing to send', { recipients: [FRIEND], message: '' }, { code: 'empty-message', field: 'message' }],
    ['attachments that are not a list', { recipients: [FRIEND], attachments: {} }, { code: 'invalid-attachments', field: 'attachments' }],
    ['an attachment that is not an object', { recipients: [FRIEND], attachments: [null] }, { code: 'invalid-attachments', field: 'attachments[0]' }],
    ['a file name with a path', { recipients: [FRIEND], attachments: [file({ filename: '../etc/passwd' })] }, { code: 'invalid-attachments', message: expect.stringMatching(/file name without a path/) }],
    ['an empty file name', { recipients: [FRIEND], attachments: [file({ filename: '' })] }, { code: 'invalid-attachments' }],
    ['a content type that is not MIME', { recipients: [FRIEND], attachments: [file({ contentType: 'png' })] }, { code: 'invalid-attachments', message: expect.stringMatching(/MIME type/) }],
    ['data that is not base64', { recipients: [FRIEND], attachments: [file({ data: 'not base64!' })] }, { code: 'invalid-attachments', message: expect.stringMatching(/must be base64/) }],
    ['empty data', { recipients: [FRIEND], attachments: [file({ data: '' })] }, { code: 'invalid-attachments', message: expect.stringMatching(/data is empty/) }],
    ['attachments over the limit together', { recipients: [FRIEND], attachments: [file({ data: base64('0123456789') }), file({ data: base64('0123456789') })] }, { code: 'too-large', field: 'attachments[1]' }],
    ['an expiry that is not text', { recipients: [FRIEND], message: 'x', expiresAt: 5 }, { code: 'invalid-expires-at', field: 'expiresAt' }],
    ['an expiry that is not a time', { recipients: [FRIEND], message: 'x', expiresAt: 'tomorrow' }, { code: 'invalid-expires-at' }],
    ['an expiry in the past', { recipients: [FRIEND], message: 'x', expiresAt: '2024-12-31T23:59:59Z' }, { code: 'invalid-expires-at', message: 'expiresAt is in the past' }],
    ['a batch that is not a list', { messages: {} }, { code: 'invalid-batch', field: 'messages' }],
    ['an empty batch', { messages: [] }, { code: 'invalid-batch' }],
    ['a batch over the limit', { messages: Array.from({ length: MAX_BATCH + 1 }, () => ({ recipients: [FRIEND], message: 'x' })) }, { code: 'invalid-batch' }],
    ['a batch with other keys', { messages: [{ recipients: [FRIEND], message: 'x' }], message: 'x' }, { code: 'invalid-batch', message: 'a batch body holds only "messages"' }],
    ['a batch item that is not an object', { messages: [{ recipients: [FRIEND], message: 'x' }, 'y'] }, { code: 'invalid-body', field: 'messages[1]' }],
    ['a bad field inside a batch item', { messages: [{ recipients: [FRIEND], message: 'x' }, { recipients: [FRIEND], message: 7 }] }, { code: 'invalid-message', field: 'messages[1].message' }],
  ])('%s', (_name, body, expected) => {
    expect(refused(body)).toMatchObject(expected);
  });
});
