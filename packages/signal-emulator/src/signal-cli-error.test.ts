import { describe, expect, it } from 'vitest';
import { jsonRpcErrorForRest, restAnswerForJsonRpc, restAnswerForOther, restAnswerForSend } from './signal-cli-error.js';

const account = '+4915112345678';
const hint = ". Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.";

describe('REST mapping of signal-cli errors', () => {
  it('turns -5 into 429 with one challenge token per result, empty when absent', () => {
    const data = { response: { timestamp: 1, results: [{ token: 'abc' }, { type: 'RATE_LIMIT_FAILURE' }] } };
    expect(restAnswerForSend({ code: -5, message: 'Failed to send message due to rate limiting', data }, account)).toEqual({
      status: 429,
      body: { error: `Failed to send message due to rate limiting${hint}`, challenge_tokens: ['abc', ''], account },
    });
  });

  it('omits challenge_tokens when there are no results (Go omitempty)', () => {
    expect(restAnswerForSend({ code: -5, message: 'x', data: null }, account)).toEqual({
      status: 429,
      body: { error: `x${hint}`, account },
    });
  });

  it('answers 400 when -5 data cannot be parsed, and 400 for every other code', () => {
    expect(restAnswerForSend({ code: -5, message: 'x', data: 'nope' }, account)).toEqual({
      status: 400,
      body: { error: "x (Couldn't parse JSON for more details" },
    });
    expect(restAnswerForSend({ code: -32602, message: 'Specified account does not exist' }, account)).toEqual({
      status: 400,
      body: { error: 'Specified account does not exist' },
    });
    expect(restAnswerForOther({ code: -5, message: 'x' })).toEqual({ status: 400, body: { error: 'x' } });
  });

  it('keeps an explicit REST answer', () => {
    const rest = { status: 503, body: { error: 'overloaded' } };
    expect(restAnswerForSend({ code: -32603, message: 'x', rest }, account)).toBe(rest);
    expect(restAnswerForJsonRpc({ code: -4, message: 'Failed to send message due to untrusted identities' }, account).status).toBe(400);
  });
});

describe('JSON-RPC mapping of REST failures', () => {
  const recipients = [{ uuid: 'u', number: '+4915100000001', username: null }];

  it.each([
    [429, { error: 'x', challenge_tokens: ['t1'] }, -5],
    [400, { error: 'Specified account does not exist' }, -32602],
    [400, { error: 'Failed to send message due to untrusted identities' }, -4],
    [400, { error: 'The user +4915100000001 is not registered.' }, -1],
    [500, { error: 'boom' }, -32603],
    [502, 'gateway', -32603],
  ])('maps %i %j to %i', (status, body, code) => {
    expect(jsonRpcErrorForRest({ status, body }, recipients).code).toBe(code);
  });

  it('carries the challenge token into the per-recipient results', () => {
    expect(jsonRpcErrorForRest({ status: 429, body: { challenge_tokens: ['t1'] } }, recipients).data).toEqual({
      response: { results: [{ recipientAddress: recipients[0], type: 'RATE_LIMIT_FAILURE', token: 't1' }] },
    });
  });
});
