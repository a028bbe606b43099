// The REST layer's checks on typing indicators, receipts, reactions and the rate-limit challenge,
// with the real API's texts, and the forwarding action each accepted request becomes.
import { describe, expect, it } from 'vitest';
import { parseChallenge, parseReaction, parseReceipt, parseTyping } from './action-requests.js';
import { INVALID_REQUEST } from './send-request.js';

const FRIEND = '+4915187654321';
const GROUP = `group.${Buffer.from('a-group-id').toString('base64')}`;
const json = (value: unknown): string => JSON.stringify(value);

describe('parseTyping', () => {
  it('targets a number, a group by its raw id, or nobody (signal-cli refuses that)', () => {
    expect(parseTyping(json({ recipient: FRIEND }), false)).toEqual({ ok: true, value: { kind: 'typing', stop: false, to: { recipient: FRIEND }, body: { recipient: FRIEND } } });
    expect(parseTyping(json({ recipient: GROUP }), true)).toMatchObject({ ok: true, value: { stop: true, to: { groupId: 'a-group-id' } } });
    expect(parseTyping('null', false)).toMatchObject({ ok: true, value: { to: {} } });
  });

  it('refuses a body it cannot bind and a group id that is not base64', () => {
    expect(parseTyping('{', false)).toEqual({ ok: false, error: INVALID_REQUEST });
    expect(parseTyping(json({ recipient: 'group.@@' }), false)).toEqual({ ok: false, error: 'Invalid group id' });
  });
});

describe('parseReceipt', () => {
  it('accepts read and viewed receipts with a timestamp', () => {
    expect(parseReceipt(json({ recipient: FRIEND, receipt_type: 'viewed', timestamp: 5 }))).toMatchObject({ ok: true, value: { kind: 'receipt', recipient: FRIEND, receiptType: 'viewed', timestamp: 5 } });
  });

  it.each([
    [{ receipt_type: 'read', timestamp: 5 }, "Couldn't process request - recipient missing"],
    [{ recipient: FRIEND, receipt_type: 'delivered', timestamp: 5 }, "Couldn't process request - receipt type must be read or viewed"],
    [{ recipient: FRIEND, receipt_type: 'read' }, "Couldn't process request - timestamp missing"],
    [{ recipient: FRIEND, receipt_type: 'read', timestamp: 'now' }, INVALID_REQUEST],
  ])('refuses %j', (body, error) => {
    expect(parseReceipt(json(body))).toEqual({ ok: false, error });
  });
});

describe('parseReaction', () => {
  it('adds or removes a reaction (removing needs no emoji)', () => {
    expect(parseReaction(json({ recipient: GROUP, reaction: '👍', target_author: FRIEND, timestamp: 7 }), false)).toMatchObject({
      ok: true,
      value: { kind: 'reaction', remove: false, to: { groupId: 'a-group-id' }, emoji: '👍', targetAuthor: FRIEND, timestamp: 7 },
    });
    expect(parseReaction(json({ recipient: FRIEND, target_author: FRIEND, timestamp: 7 }), true)).toMatchObject({ ok: true, value: { remove: true, emoji: '' } });
  });

  it.each([
    [{ reaction: '👍', target_author: FRIEND, timestamp: 7 }, false, "Couldn't process request - recipient missing"],
    [{ recipient: FRIEND, target_author: FRIEND, timestamp: 7 }, false, "Couldn't process request - reaction missing"],
    [{ recipient: FRIEND, reaction: '👍', timestamp: 7 }, false, "Couldn't process request - target_author missing"],
    [{ recipient: FRIEND, reaction: '👍', target_author: FRIEND }, false, "Couldn't process request - timestamp missing"],
    [{ recipient: 'group.@@', reaction: '👍', target_author: FRIEND, timestamp: 7 }, false, 'Invalid group id'],
    [[], true, INVALID_REQUEST],
  ])('refuses %j', (body, remove, error) => {
    expect(parseReaction(json(body), remove)).toEqual({ ok: false, error });
  });
});

describe('parseChallenge', () => {
  it('needs the challenge token and the captcha', () => {
    expect(parseChallenge(json({ challenge_token: 't', captcha: 'c' }))).toEqual({ ok: true, value: { token: 't', captcha: 'c' } });
    expect(parseChallenge(json({ captcha: 'c' }))).toEqual({ ok: false, error: "Couldn't process request - challenge token missing" });
    expect(parseChallenge(json({ challenge_token: 't' }))).toEqual({ ok: false, error: "Couldn't process request - captcha missing" });
    expect(parseChallenge('"text"')).toEqual({ ok: false, error: INVALID_REQUEST });
  });
});
