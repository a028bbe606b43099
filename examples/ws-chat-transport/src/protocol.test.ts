import { describe, expect, it } from 'vitest';
import { outcomeOf } from './outcomes.js';
import { encode, ERROR_CODES, parseClientFrame, parseServerFrame, type ErrorCode } from './protocol.js';

describe('the chat protocol', () => {
  it('reads every server frame it knows and ignores anything malformed', () => {
    const frames = [
      { type: 'ack', id: '1', messageId: 'c1' },
      { type: 'error', id: '2', code: 'rate-limited', message: 'slow down', retryAfterMs: 500 },
      { type: 'error', id: '3', code: 'busy', message: 'try again' },
      { type: 'message', messageId: 'c2', from: 'alice', text: 'hi' },
      { type: 'receipt', kind: 'read', messageIds: ['c1'] },
    ] as const;
    for (const frame of frames) expect(parseServerFrame(encode(frame))).toEqual(frame);
    const malformed = [
      'not json',
      '[1]',
      'null',
      '{"type":"ack","id":1,"messageId":"c1"}',
      '{"type":"error","id":"1","code":"teapot","message":"x"}',
      '{"type":"message","messageId":"c2","from":"alice"}',
      '{"type":"receipt","kind":"seen","messageIds":[]}',
      '{"type":"receipt","kind":"read","messageIds":[1]}',
      '{"type":"post","id":"1","key":"k","text":"x"}',
    ];
    for (const data of malformed) expect(parseServerFrame(data), data).toBeUndefined();
  });

  it('reads posts, and nothing else, as client frames', () => {
    const post = { type: 'post', id: '1', key: 'm1', text: 'hello' } as const;
    expect(parseClientFrame(encode(post))).toEqual(post);
    expect(parseClientFrame('{"type":"post","id":"1","text":"no key"}')).toBeUndefined();
    expect(parseClientFrame('{"type":"ack","id":"1","messageId":"c1"}')).toBeUndefined();
  });
});

describe('outcomeOf: one row per error code', () => {
  const expected: Record<ErrorCode, string> = {
    invalid: 'failed',
    'rate-limited': 'rate-limited',
    unauthorized: 'unauthorized',
    'not-ready': 'backend-not-ready',
    busy: 'retriable',
  };

  it.each(ERROR_CODES.map((code) => [code, expected[code]] as const))('%s → %s', (code, kind) => {
    expect(outcomeOf({ type: 'error', id: '1', code, message: 'because' })).toMatchObject({ kind, error: `${code}: because` });
  });

  it('keeps the server id of an accepted post and the retry-after of a rate limit', () => {
    expect(outcomeOf({ type: 'ack', id: '1', messageId: 'c9' })).toEqual({ kind: 'sent', backendId: 'c9' });
    expect(outcomeOf({ type: 'error', id: '1', code: 'rate-limited', message: 'x', retryAfterMs: 250 })).toEqual({ kind: 'rate-limited', error: 'rate-limited: x', retryAfterMs: 250 });
  });
});
