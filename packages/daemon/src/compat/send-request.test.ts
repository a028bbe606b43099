// The REST layer's checks on /v2/send and /v1/send and signal-cli's recipient stage, as pure
// functions: what becomes a draft (with what the outbox cannot carry named), and each refusal with
// the real API's text, in its order.
import { makeGroupId, restGroupId } from '@tether/signal-emulator';
import { describe, expect, it } from 'vitest';
import { classifyRestRecipients, decodeGroupRecipient, resolveRecipients, resolveSingle } from './rest-recipients.js';
import { INVALID_REQUEST, parseSendV1, parseSendV2, type DraftResult } from './send-request.js';

const ACCOUNT = '+4915112345678';
const FRIEND = '+4915187654321';
const GROUP_ID = makeGroupId('parsing');
const GROUP = restGroupId(GROUP_ID);
const v2 = (fields: Record<string, unknown>): DraftResult => parseSendV2(JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'hi', ...fields }));
const draftOf = (result: DraftResult) => {
  if (!result.ok) throw new Error(result.error);
  return result.draft;
};

describe('parseSendV2', () => {
  it('turns a plain send into a draft with decoded attachments and no rich features', async () => {
    const draft = draftOf(v2({ recipient: '+4915100000001', base64_attachments: ['data:text/csv;filename=a.csv;base64,YSxi', Buffer.from([0xff, 0xd8, 0xff, 0]).toString('base64')] }));
    expect(draft).toMatchObject({ number: ACCOUNT, message: 'hi', rich: [] });
    expect(draft.attachments).toEqual([
      { attachment: { filename: 'a.csv', contentType: 'text/csv', data: 'YSxi' }, size: 3 },
      { attachment: { filename: '', contentType: 'image/jpeg', data: '/9j/AA==' }, size: 4 },
    ]);
    expect(draft.resolve()).toEqual({ ok: true, value: [FRIEND, '+4915100000001'] });
    expect(await draft.body()).toMatchObject({ number: ACCOUNT });
  });

  it('names every feature the outbox cannot carry (quotes, mentions and styles it can), so the request is forwarded instead', () => {
    const draft = draftOf(
      v2({
        message: 'see https://x.org',
        quote_timestamp: 1,
        quote_author: FRIEND,
        mentions: [{ start: 0, length: 1, author: FRIEND }],
        sticker: 'pack:1',
        edit_timestamp: 2,
        link_preview: { url: 'https://x.org', title: 'X', base64_thumbnail: Buffer.from('png').toString('base64') },
        view_once: true,
        base64_attachments: [Buffer.from('img').toString('base64')],
        text_mode: 'styled',
      }),
    );
    expect(draft.rich).toEqual(['sticker', 'edit', 'link preview', 'view once']);
    // the thumbnail is checked like an attachment but is not one
    expect(draft.attachments).toHaveLength(1);
  });

  it.each([
    ['an empty body', '', INVALID_REQUEST],
    ['a wrongly typed field', JSON.stringify({ number: ACCOUNT, recipients: FRIEND }), INVALID_REQUEST],
    ['no recipients', JSON.stringify({ number: ACCOUNT, message: 'x' }), "Couldn't process request - please provide at least one recipient"],
    ['no number', JSON.stringify({ recipients: [FRIEND] }), "Couldn't process request - please provide a valid number"],
    ['a sticker without delimiter', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], sticker: 'abc' }), "Couldn't process request - please provide valid sticker delimiter"],
    ['view once without an attachment', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], view_once: true }), "'view_once' can only be set for image attachments!"],
    ['a group with a number', JSON.stringify({ number: ACCOUNT, recipients: [GROUP, FRIEND] }), expect.stringMatching(/^Signal Messenger Groups and phone numbers cannot be specified together/)],
    ['a link preview without URL', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], link_preview: { title: 't' } }), 'Please provide a valid Link Preview URL'],
    ['a link preview over http', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'http://x', link_preview: { url: 'http://x', title: 't' } }), 'Link Preview URL must start with https://..'],
    ['a link preview without title', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'https://x', link_preview: { url: 'https://x' } }), 'Please provide a valid Link Preview Title'],
    ['a link preview not in the message', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'hi', link_preview: { url: 'https://x', title: 't' } }), 'Link Preview URL is missing in the message!'],
    ['an attachment that is not base64', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], base64_attachments: ['a!'] }), 'illegal base64 data at input byte 1'],
  ])('refuses %s', (_name, body, error) => {
    expect(parseSendV2(body)).toEqual({ ok: false, error });
  });
});

describe('parseSendV1', () => {
  it('sends to numbers, or to one group given by its raw id in base64', async () => {
    const numbers = draftOf(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: ['+49 151 8765-4321'], message: 'hi', base64_attachment: Buffer.from('x').toString('base64') })));
    expect(numbers.resolve()).toEqual({ ok: true, value: [FRIEND] });
    expect(numbers.attachments).toHaveLength(1);
    expect(await numbers.body()).toMatchObject({ number: ACCOUNT });
    const group = draftOf(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: [Buffer.from(GROUP_ID, 'latin1').toString('base64')], is_group: true, message: 'hi' })));
    expect(group.resolve()).toEqual({ ok: true, value: [GROUP] });
  });

  it('refuses what the v1 endpoint refuses, with its texts', () => {
    expect(parseSendV1('[]')).toEqual({ ok: false, error: INVALID_REQUEST });
    expect(parseSendV1(JSON.stringify({ number: ACCOUNT, message: 'x' }))).toEqual({ ok: false, error: 'Please specify at least one recipient' });
    expect(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: ['a', 'b'], is_group: true }))).toEqual({ ok: false, error: 'More than one recipient is currently not allowed' });
    expect(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: ['not base64!'], is_group: true }))).toEqual({ ok: false, error: 'Invalid group id' });
    expect(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], base64_attachment: '%%' }))).toEqual({ ok: false, error: 'illegal base64 data at input byte 0' });
    const short = draftOf(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: [Buffer.from('c2hvcnQ=').toString('base64')], is_group: true })));
    expect(short.resolve()).toEqual({ ok: false, error: 'Invalid group id: Failed to decode groupId (must be base64) "c2hvcnQ=": Invalid group id of size 5' });
    const notBase64 = draftOf(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: [Buffer.from('no!').toString('base64')], is_group: true })));
    expect(notBase64.resolve()).toMatchObject({ ok: false, error: expect.stringMatching(/Illegal base64 character$/) });
    expect(draftOf(parseSendV1(JSON.stringify({ number: ACCOUNT, recipients: ['abc'] }))).resolve()).toEqual({ ok: false, error: "Invalid phone number 'abc': The string supplied did not seem to be a phone number." });
  });
});

describe('recipients, REST stage', () => {
  it('sorts recipients into one group, numbers (with ACIs) or usernames', () => {
    const aci = '6b0f101c-14d0-4ab8-be91-b79b4835841c';
    expect(classifyRestRecipients([GROUP])).toEqual({ ok: true, value: { kind: 'group', groupId: GROUP } });
    expect(classifyRestRecipients([FRIEND, aci, '+49 151'])).toEqual({ ok: true, value: { kind: 'numbers', numbers: [FRIEND, aci, '+49 151'] } });
    expect(classifyRestRecipients(['alice.01', 'group.abc'])).toEqual({ ok: true, value: { kind: 'usernames', usernames: ['alice.01', 'group.abc'] } });
  });

  it('refuses mixes, two groups and bad group ids with the real texts', () => {
    const other = restGroupId(makeGroupId('other'));
    expect(classifyRestRecipients(['alice.01', GROUP])).toMatchObject({ ok: false, error: expect.stringMatching(/^Signal Messenger Groups and usernames cannot/) });
    expect(classifyRestRecipients([FRIEND, 'alice.01'])).toMatchObject({ ok: false, error: expect.stringMatching(/^Signal Messenger phone numbers and usernames cannot/) });
    expect(classifyRestRecipients([GROUP, other])).toMatchObject({ ok: false, error: 'A signal message cannot be sent to more than one group at once! Please use multiple REST API calls for that.' });
    const sixteen = `group.${Buffer.from(Buffer.from('sixteen bytes!!!').toString('base64')).toString('base64')}`;
    // the unbalanced parenthesis is the real API's
    expect(classifyRestRecipients([sixteen])).toEqual({ ok: false, error: 'Invalid Signal group size (16' });
    expect(classifyRestRecipients(['group.this-is-not-base64-at-all'])).toEqual({ ok: false, error: 'Invalid identifier group.this-is-not-base64-at-all' });
    const onceOnly = `group.${Buffer.from('not base64 inside!').toString('base64')}`;
    expect(classifyRestRecipients([onceOnly])).toEqual({ ok: false, error: `Invalid identifier ${onceOnly}` });
  });
});

describe('recipients, signal-cli stage', () => {
  it('resolves numbers with separators, ACIs, and usernames', () => {
    expect(resolveRecipients({ kind: 'group', groupId: GROUP })).toEqual({ ok: true, value: [GROUP] });
    expect(resolveRecipients({ kind: 'numbers', numbers: ['+49 (151) 8765.4321', '6B0F101C-14D0-4AB8-BE91-B79B4835841C'] })).toEqual({ ok: true, value: [FRIEND, '6b0f101c-14d0-4ab8-be91-b79b4835841c'] });
    expect(resolveRecipients({ kind: 'usernames', usernames: ['alice.01'] })).toEqual({ ok: true, value: ['alice.01'] });
  });

  it('refuses what signal-cli cannot address, with its texts', () => {
    expect(resolveRecipients({ kind: 'usernames', usernames: ['no'] })).toEqual({ ok: false, error: 'The user no is not registered.' });
    expect(resolveSingle('u:u:alice.01')).toEqual({ ok: false, error: 'The user u:alice.01 is not registered.' });
    expect(resolveRecipients({ kind: 'numbers', numbers: ['+123'] })).toEqual({ ok: false, error: "Invalid phone number '+123': The string supplied did not seem to be a phone number." });
  });

  it('decodes a group recipient of the typing and reaction endpoints', () => {
    expect(decodeGroupRecipient(GROUP)).toBe(Buffer.from(GROUP.slice('group.'.length), 'base64').toString('latin1'));
    expect(decodeGroupRecipient('group.@@@')).toBeUndefined();
  });
});
