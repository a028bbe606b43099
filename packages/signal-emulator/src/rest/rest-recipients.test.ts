import { describe, expect, it } from 'vitest';
import { makeGroupId } from '../groups.js';
import { restGroupId } from '../identity.js';
import { classifyRestRecipient, classifyRestRecipients } from './rest-recipients.js';

const groupId = makeGroupId('family');

describe('classifyRestRecipient', () => {
  it.each([
    ['+49 151 1234567', { kind: 'number', value: '+49 151 1234567' }],
    ['0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9', { kind: 'number', value: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' }],
    ['alice.01', { kind: 'username', value: 'alice.01' }],
    [restGroupId(groupId), { kind: 'group', groupId }],
    ['group.ab', { kind: 'username', value: 'group.ab' }],
  ])('reads %s', (recipient, expected) => {
    expect(classifyRestRecipient(recipient)).toEqual(expected);
  });

  it('rejects group ids of the wrong size or encoding with the REST texts', () => {
    const short = `group.${Buffer.from(Buffer.alloc(16).toString('base64')).toString('base64')}`;
    expect(classifyRestRecipient(short)).toEqual({ error: 'Invalid Signal group size (16' });
    expect(classifyRestRecipient('group.!!!!!!!!!!!!!!!!')).toEqual({ error: 'Invalid identifier group.!!!!!!!!!!!!!!!!' });
  });
});

describe('classifyRestRecipients', () => {
  it('refuses to mix kinds or send to two groups', () => {
    const group = restGroupId(groupId);
    expect(classifyRestRecipients(['+4915100000001', group])).toMatchObject({ ok: false, error: expect.stringContaining('Groups and phone numbers') as unknown });
    expect(classifyRestRecipients(['alice.01', group])).toMatchObject({ ok: false, error: expect.stringContaining('Groups and usernames') as unknown });
    expect(classifyRestRecipients(['+4915100000001', 'alice.01'])).toMatchObject({ ok: false, error: expect.stringContaining('phone numbers and usernames') as unknown });
    expect(classifyRestRecipients([group, restGroupId(makeGroupId('other'))])).toMatchObject({ ok: false, error: expect.stringContaining('more than one group') as unknown });
  });

  it('returns one class of recipients', () => {
    expect(classifyRestRecipients(['+4915100000001', '+4915100000002'])).toEqual({
      ok: true,
      value: { kind: 'numbers', numbers: ['+4915100000001', '+4915100000002'] },
    });
    expect(classifyRestRecipients([restGroupId(groupId)])).toEqual({ ok: true, value: { kind: 'group', groupId } });
  });
});
