import type { SendOutcomeV2 } from '@tether/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyJsonRpcSend, type JsonRpcSendResponse } from './classify-jsonrpc.js';

const ALICE = { number: '+4917612345678', uuid: 'ca354906-75fd-4290-a4bd-324b4c0ad454', username: null };
const BOB = { number: null, uuid: '6608abc1-52ae-4621-a090-297732ef0e0f', username: null };

function result(address: object, type: string, extra: object = {}): object {
  return { recipientAddress: address, type, ...extra };
}

function failure(code: number, message: string, results?: object[]): JsonRpcSendResponse {
  return { error: { code, message, data: results === undefined ? null : { response: { timestamp: 1755000000000, results } } } };
}

describe('classifyJsonRpcSend', () => {
  const cases: [string, JsonRpcSendResponse, SendOutcomeV2][] = [
    ['success', { result: { timestamp: 1755000000000, results: [result(ALICE, 'SUCCESS')] } }, { kind: 'sent', backendId: '1755000000000' }],
    [
      'partial success',
      { result: { timestamp: 1755000000000, results: [result(ALICE, 'SUCCESS'), result(BOB, 'IDENTITY_FAILURE'), { type: 'NETWORK_FAILURE' }, result({ username: 'carol.07' }, 'UNREGISTERED_FAILURE')] } },
      {
        kind: 'sent',
        backendId: '1755000000000',
        partialFailures: [
          { recipient: BOB.uuid, reason: 'IDENTITY_FAILURE' },
          { recipient: 'unknown', reason: 'NETWORK_FAILURE' },
          { recipient: 'carol.07', reason: 'UNREGISTERED_FAILURE' },
        ],
      },
    ],
    ['a group send', { result: { timestamp: 5, results: [{ groupId: 'abc=', type: 'NETWORK_FAILURE' }] } }, { kind: 'sent', backendId: '5', partialFailures: [{ recipient: 'abc=', reason: 'NETWORK_FAILURE' }] }],
    ['an empty result', { result: {} }, { kind: 'sent' }],
    ['a null result', { result: null }, { kind: 'sent' }],
    ['account missing', failure(-32602, 'Specified account does not exist'), { kind: 'backend-not-ready', error: 'Specified account does not exist' }],
    [
      'rate limited with retry-after',
      failure(-5, 'Failed to send message due to rate limiting', [result(ALICE, 'RATE_LIMIT_FAILURE', { retryAfterSeconds: 90 }), result(BOB, 'RATE_LIMIT_FAILURE', { retryAfterSeconds: 30 })]),
      { kind: 'rate-limited', error: `Failed to send message due to rate limiting (+49…5678: RATE_LIMIT_FAILURE, ${BOB.uuid}: RATE_LIMIT_FAILURE)`, retryAfterMs: 90_000 },
    ],
    ['rate limited without results', failure(-5, 'Failed to send message due to rate limiting'), { kind: 'rate-limited', error: 'Failed to send message due to rate limiting' }],
    [
      'rate limited with an empty token',
      failure(-5, 'Failed to send message due to rate limiting', [result(ALICE, 'RATE_LIMIT_FAILURE', { token: '' })]),
      { kind: 'rate-limited', error: 'Failed to send message due to rate limiting (+49…5678: RATE_LIMIT_FAILURE)' },
    ],
    [
      'proof required',
      failure(-5, 'Failed to send message due to rate limiting', [result(ALICE, 'RATE_LIMIT_FAILURE', { token: 'c0ffee-token', retryAfterSeconds: 86400 })]),
      { kind: 'captcha-required', error: 'Failed to send message due to rate limiting (+49…5678: RATE_LIMIT_FAILURE)', challengeToken: 'c0ffee-token' },
    ],
    ['a rate limit thrown as exception', failure(-32603, 'Failed to send message: [429] Rate limit exceeded: 429 (RateLimitException) (UnexpectedErrorException)'), { kind: 'rate-limited', error: expect.any(String) as string }],
    ['another internal error', failure(-32603, 'An internal server error has occurred.'), { kind: 'retriable', error: 'An internal server error has occurred.' }],
    [
      'a de-authorised account',
      failure(-32603, 'Failed to send message: [401] Authorization failed! (AuthorizationFailedException) (UnexpectedErrorException)'),
      { kind: 'unauthorized', error: expect.stringContaining('[401] Authorization failed!') as string },
    ],
    [
      'an attachment signal-cli cannot read',
      failure(-32603, 'Failed to send message: data:a;b: data:a;b (No such file or directory) (AttachmentInvalidException) (UnexpectedErrorException)'),
      { kind: 'failed', error: expect.any(String) as string },
    ],
    ['only admins may send to the group', failure(-1, 'User is not allowed to send message to group: Club (abc=)'), { kind: 'failed', error: expect.any(String) as string }],
    ['an attachment too large', failure(-32603, 'Failed to send message: [413] Request Entity Too Large (UnexpectedErrorException)'), { kind: 'failed', error: expect.any(String) as string }],
    ['untrusted', failure(-4, 'Failed to send message due to untrusted identities', [result(ALICE, 'IDENTITY_FAILURE')]), { kind: 'failed', error: 'Failed to send message due to untrusted identities (+49…5678: IDENTITY_FAILURE)' }],
    ['failed to send', failure(-1, 'Failed to send message'), { kind: 'retriable', error: 'Failed to send message' }],
    ['failed to send, network', failure(-1, 'Failed to send message', [result(ALICE, 'NETWORK_FAILURE'), result(BOB, 'UNREGISTERED_FAILURE')]), { kind: 'retriable', error: expect.any(String) as string }],
    ['failed to send, all unregistered', failure(-1, 'Failed to send message', [result(ALICE, 'UNREGISTERED_FAILURE'), result(BOB, 'IDENTITY_FAILURE')]), { kind: 'failed', error: expect.any(String) as string }],
    ['failed to send, one rate limited', failure(-1, 'Failed to send message', [result(ALICE, 'NETWORK_FAILURE'), result(BOB, 'RATE_LIMIT_FAILURE')]), { kind: 'rate-limited', error: expect.any(String) as string }],
    ['not registered, masked', failure(-1, 'The user +4917612345678 is not registered.'), { kind: 'failed', error: 'The user +49…5678 is not registered.' }],
    ['empty message', failure(-1, 'Sending empty message is not allowed, either a message, attachment or sticker must be given.'), { kind: 'failed', error: expect.any(String) as string }],
    ['an IO error', failure(-3, 'Error while sending: Connection reset'), { kind: 'retriable', error: 'Error while sending: Connection reset' }],
    ['method not found', failure(-32601, 'Method not implemented'), { kind: 'failed', error: 'Method not implemented' }],
    ['invalid request', failure(-32600, 'method field must be set'), { kind: 'failed', error: 'method field must be set' }],
    ['parse error', failure(-32700, 'Empty input line'), { kind: 'failed', error: 'Empty input line' }],
    ['a future code', failure(-7, 'Something new'), { kind: 'retriable', error: 'Something new' }],
  ];
  it.each(cases)('%s', (_name, response, outcome) => {
    expect(classifyJsonRpcSend(response)).toEqual(outcome);
  });

  it('lists at most five failed recipients in the error', () => {
    const many = Array.from({ length: 7 }, (_, index) => result({ number: `+491761234560${index}` }, 'NETWORK_FAILURE'));
    const outcome = classifyJsonRpcSend(failure(-1, 'Failed to send message', many));
    expect('error' in outcome && outcome.error).toMatch(/\+49…5604: NETWORK_FAILURE, and 2 more\)$/);
  });

  it('tolerates a message that is not text', () => {
    const response = { error: { code: -1, message: 5 as unknown as string } };
    expect(classifyJsonRpcSend(response)).toEqual({ kind: 'retriable', error: '' });
  });

  it('never throws on odd data and never leaks a full number', () => {
    const number = fc.stringMatching(/^\+[1-9][0-9]{9,14}$/);
    fc.assert(
      fc.property(fc.integer({ min: -32800, max: 10 }), fc.oneof(fc.string(), number.map((value) => `user ${value}`)), fc.jsonValue(), (code, message, data) => {
        const outcome = classifyJsonRpcSend({ error: { code, message, data } });
        if ('error' in outcome) expect(outcome.error).not.toMatch(/\+[0-9]{7,}/);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(classifyJsonRpcSend({ result: value }).kind).toBe('sent');
      }),
    );
  });
});
