import type { SendOutcomeV2 } from '@tether/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyRestSend } from './classify-rest.js';

const error = (text: string): string => JSON.stringify({ error: text });
const challenge = (tokens: unknown): string =>
  JSON.stringify({
    error: "Failed to send message due to rate limiting. Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.",
    challenge_tokens: tokens,
    account: '+4915200000001',
  });

describe('classifyRestSend', () => {
  const cases: [string, number, string, SendOutcomeV2][] = [
    ['0.100 success', 201, '{"timestamp":"1755000000000"}', { kind: 'sent', backendId: '1755000000000' }],
    ['a numeric timestamp', 201, '{"timestamp":1755000000000}', { kind: 'sent', backendId: '1755000000000' }],
    ['master success', 201, '[{"timestamp":"1755000000000"}]', { kind: 'sent', backendId: '1755000000000' }],
    [
      'master partial failure',
      201,
      JSON.stringify([
        { timestamp: '1755000000000', errors: { recipients: [{ number: '+4917612345678', uuid: 'ca354906-75fd-4290-a4bd-324b4c0ad454', username: '', reason: 'IDENTITY_FAILURE' }] } },
        { timestamp: '1755000000001', errors: { recipients: [{ number: '', uuid: '', username: 'alice.01', reason: 'UNREGISTERED_FAILURE' }, { reason: 'NETWORK_FAILURE' }] } },
      ]),
      {
        kind: 'sent',
        backendId: '1755000000000',
        partialFailures: [
          { recipient: '+4917612345678', reason: 'IDENTITY_FAILURE' },
          { recipient: 'alice.01', reason: 'UNREGISTERED_FAILURE' },
          { recipient: 'unknown', reason: 'NETWORK_FAILURE' },
        ],
      },
    ],
    ['success with an unreadable body', 201, 'OK', { kind: 'sent' }],
    ['success with a bad timestamp', 201, '{"timestamp":"soon"}', { kind: 'sent' }],
    ['account missing', 400, error('Specified account does not exist'), { kind: 'backend-not-ready', error: 'Specified account does not exist' }],
    ['429 with no tokens', 429, challenge([]), { kind: 'rate-limited', error: expect.stringMatching(/^Failed to send message due to rate limiting/) as string }],
    ['429 with [""]', 429, challenge(['']), { kind: 'rate-limited', error: expect.any(String) as string }],
    ['429 with tokens absent', 429, error('Rate limit'), { kind: 'rate-limited', error: 'Rate limit' }],
    ['429 with a bare body', 429, '', { kind: 'rate-limited', error: 'HTTP 429' }],
    ['429 with a token', 429, challenge(['', ' 4ab1f0c2-token ']), { kind: 'captcha-required', error: expect.any(String) as string, challengeToken: '4ab1f0c2-token' }],
    ['400 rate limit text', 400, error('Failed to send message: Rate limit exceeded: 413'), { kind: 'rate-limited', error: 'Failed to send message: Rate limit exceeded: 413' }],
    ['400 with [429]', 400, error('Failed to send message: [429] Too many requests (UnexpectedErrorException)'), { kind: 'rate-limited', error: expect.any(String) as string }],
    ['0.100 untrusted', 400, error('Failed to send message due to untrusted identities'), { kind: 'failed', error: 'Failed to send message due to untrusted identities' }],
    ['master untrusted', 400, error('Unable to complete request due to untrusted recipient keys'), { kind: 'failed', error: expect.any(String) as string }],
    ['not registered, masked', 400, error('The user +4917612345678 is not registered.'), { kind: 'failed', error: 'The user +49…5678 is not registered.' }],
    ['invalid recipient', 400, error('Invalid recipient: foo'), { kind: 'failed', error: 'Invalid recipient: foo' }],
    ['empty message', 400, error('Sending empty message is not allowed, either a message, attachment or sticker must be given.'), { kind: 'failed', error: expect.any(String) as string }],
    ['view once without attachment', 400, error("Couldn't process request - view_once can only be set for messages with attachments"), { kind: 'failed', error: expect.any(String) as string }],
    ['other validation', 400, error("Couldn't process request - invalid request"), { kind: 'failed', error: "Couldn't process request - invalid request" }],
    ['an attachment too large', 400, error('Failed to send message: [413] Request Entity Too Large (UnexpectedErrorException)'), { kind: 'failed', error: expect.any(String) as string }],
    ['not a group member', 400, error('Failed to send message: User is not a member of group'), { kind: 'failed', error: expect.any(String) as string }],
    ['failed to send', 400, error('Failed to send message'), { kind: 'retriable', error: 'Failed to send message' }],
    [
      'a de-authorised account',
      400,
      error('Failed to send message: [403] Authorization failed! (AuthorizationFailedException) (UnexpectedErrorException)'),
      { kind: 'unauthorized', error: 'Failed to send message: [403] Authorization failed! (AuthorizationFailedException) (UnexpectedErrorException)' },
    ],
    ['not allowed to send to the group', 400, error('User is not allowed to send message to group: Club (Pmpi+EfPWmsxiomLe9Nx2XF9HOE483p6iKiFj65iMwI=)'), { kind: 'failed', error: expect.any(String) as string }],
    ['REST lost signal-cli', 500, '', { kind: 'backend-not-ready', error: expect.stringContaining('HTTP 500 without a body') as string }],
    ['an unknown 400', 400, error('Error while checking account +4915200000001: timeout'), { kind: 'retriable', error: 'Error while checking account +49…0001: timeout' }],
    ['a 400 without JSON', 400, 'Bad Request', { kind: 'retriable', error: 'HTTP 400: Bad Request' }],
    ['a 400 with an empty error', 400, error(' '), { kind: 'retriable', error: `HTTP 400: ${error(' ')}` }],
    ['a proxy 502', 502, '<html>Bad Gateway</html>', { kind: 'unknown', error: 'HTTP 502: <html>Bad Gateway</html>', reason: 'deadline' }],
    ['a proxy 503', 503, 'Service Unavailable', { kind: 'retriable', error: 'HTTP 503: Service Unavailable' }],
    ['a proxy 503', 503, '', { kind: 'retriable', error: 'HTTP 503' }],
    ['a proxy 504', 504, 'Gateway Timeout', { kind: 'unknown', error: 'HTTP 504: Gateway Timeout', reason: 'deadline' }],
    ['a proxy 500 with a page', 500, '<html>upstream closed</html>', { kind: 'unknown', error: 'HTTP 500: <html>upstream closed</html>', reason: 'deadline' }],
    ['a proxy 413', 413, 'Request Entity Too Large', { kind: 'failed', error: 'HTTP 413: Request Entity Too Large' }],
    ['no route', 404, '404 page not found', { kind: 'backend-not-ready', error: 'HTTP 404: 404 page not found' }],
    ['refused by a proxy', 401, '', { kind: 'backend-not-ready', error: 'HTTP 401' }],
    ['a redirect', 302, '', { kind: 'retriable', error: 'HTTP 302' }],
  ];
  it.each(cases)('%s', (_name, status, body, outcome) => {
    expect(classifyRestSend(status, body)).toEqual(outcome);
  });

  it('bounds long error texts', () => {
    const outcome = classifyRestSend(502, 'x'.repeat(5000));
    expect('error' in outcome && outcome.error.length).toBe(500);
  });

  it('never throws and never leaks a full number', () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), fc.stringMatching(/^\+[1-9][0-9]{9,14}$/).map((number) => error(`user ${number}`)));
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), text, (status, body) => {
        const outcome = classifyRestSend(status, body);
        if ('error' in outcome) expect(outcome.error).not.toMatch(/\+[0-9]{7,}/);
      }),
    );
  });
});
