import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupIdForReply, isCanonicalBase64, rawGroupId } from './group-id.js';
import { parseRecipient, parseRecipients } from './recipients.js';

const RAW_GROUP = 'fIr9NMm8aHl5TES9PT4lanWe+mbOA1u/zF2dklcOZp4=';
const GROUP = groupIdForReply(RAW_GROUP);
const OTHER_GROUP = groupIdForReply('PhhqiL7ULuDTFYf2mLMNYYP9CSiH0HgNVyPGax8wbP0=');
const UUID = 'ca354906-75fd-4290-a4bd-324b4c0ad454';

describe('parseRecipient', () => {
  const valid: [string, string, string][] = [
    ['+4915112344567', 'number', '+4915112344567'],
    ['+1234567', 'number', '+1234567'],
    ['+123456789012345', 'number', '+123456789012345'],
    ['  +4915112344567 ', 'number', '+4915112344567'],
    [UUID, 'uuid', UUID],
    [UUID.toUpperCase(), 'uuid', UUID],
    ['alice.01', 'username', 'alice.01'],
    ['u:alice.01', 'username', 'alice.01'],
    ['u:Alice_W.42', 'username', 'alice_w.42'],
    ['_bob.123456789', 'username', '_bob.123456789'],
    ['abc.10', 'username', 'abc.10'],
    [`${'a'.repeat(32)}.99`, 'username', `${'a'.repeat(32)}.99`],
    [GROUP, 'group', GROUP],
  ];
  it.each(valid)('%j is a %s', (text, kind, value) => {
    expect(parseRecipient(text)).toEqual({ kind, value });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a leading 0', '+0151123445', /E\.164/],
    ['too short', '+123456', /E\.164/],
    ['too long', '+1234567890123456', /E\.164/],
    ['spaces', '+49 151 1234', /E\.164/],
    ['no plus', '4915112344567', /needs a \+/],
    ['a nickname starting with a digit', '1alice.01', /username/],
    ['a short nickname', 'u:ab.01', /username/],
    ['a long nickname', `${'a'.repeat(33)}.01`, /username/],
    ['a one-digit discriminator', 'alice.1', /username/],
    ['a ten-digit discriminator', 'alice.1234567890', /username/],
    ['discriminator 00', 'alice.00', /username/],
    ['a leading zero beyond two digits', 'alice.012', /username/],
    ['a hyphen in the nickname', 'u:al-ice.01', /username/],
    ['a group id that is not base64', 'group.not base64!', /group id/],
    ['a raw signal-cli id after group.', `group.${RAW_GROUP}`, /group id/],
    ['an empty group id', 'group.', /group id/],
    ['empty', '', /empty/],
    ['blank', '   ', /empty/],
    ['a word', 'alice', /not a recipient/],
    ['a number value', 4915112344567, /string/],
  ];
  it.each(invalid)('refuses %s', (_name, text, message) => {
    const result = parseRecipient(text);
    expect(result).toMatchObject({ kind: 'error', entry: typeof text === 'string' ? text : JSON.stringify(text) });
    expect(result.kind === 'error' && result.message).toMatch(message);
  });

  it('describes entries that cannot be written as JSON', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(parseRecipient(10n)).toMatchObject({ kind: 'error', entry: 'bigint' });
    expect(parseRecipients([circular])).toMatchObject({ ok: false, error: { entry: 'object', index: 0 } });
    expect(parseRecipient(undefined)).toMatchObject({ kind: 'error', entry: 'undefined' });
  });

  it('never quotes the entry in its message', () => {
    const result = parseRecipient('+0151123445678');
    expect(result.kind === 'error' && result.message).not.toContain('151123445678');
  });

  it('accepts every E.164 number and refuses one digit too many', () => {
    const number = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 14 }));
    fc.assert(
      fc.property(number, ([first, rest]) => {
        const text = `+${first}${rest.join('')}`;
        expect(parseRecipient(text)).toEqual({ kind: 'number', value: text });
        expect(parseRecipient(`${text}${'0'.repeat(15 - rest.length)}`).kind).toBe('error');
      }),
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        parseRecipient(value);
        parseRecipients([value]);
        parseRecipients(value);
      }),
    );
  });
});

describe('parseRecipients', () => {
  it('takes a set of individuals, dropping repeats', () => {
    expect(parseRecipients(['+4915112344567', UUID, '+4915112344567', UUID.toUpperCase()])).toEqual({
      ok: true,
      target: { kind: 'individuals', recipients: [{ kind: 'number', value: '+4915112344567' }, { kind: 'uuid', value: UUID }] },
    });
  });

  it('takes usernames together', () => {
    expect(parseRecipients(['u:alice.01', 'bob.02'])).toMatchObject({ ok: true, target: { kind: 'individuals', recipients: [{ value: 'alice.01' }, { value: 'bob.02' }] } });
  });

  it('takes exactly one group, even named twice', () => {
    expect(parseRecipients([GROUP, GROUP])).toEqual({ ok: true, target: { kind: 'group', groupId: GROUP, rawGroupId: RAW_GROUP } });
  });

  const refused: [string, unknown, string, number | undefined, RegExp][] = [
    ['no list', '+4915112344567', '+4915112344567', undefined, /must be a list/],
    ['an empty list', [], '', undefined, /at least one/],
    ['a bad entry', ['+4915112344567', 'nobody'], 'nobody', 1, /not a recipient/],
    ['two groups', [GROUP, OTHER_GROUP], OTHER_GROUP, 1, /exactly one group/],
    ['a group after a number', ['+4915112344567', GROUP], GROUP, 1, /cannot be combined/],
    ['a number after a group', [GROUP, '+4915112344567'], '+4915112344567', 1, /cannot be combined/],
    ['a username after a number', ['+4915112344567', 'u:alice.01'], 'u:alice.01', 1, /usernames cannot be combined/],
    ['a uuid after a username', ['alice.01', UUID], UUID, 1, /usernames cannot be combined/],
  ];
  it.each(refused)('refuses %s', (_name, list, entry, index, message) => {
    const result = parseRecipients(list);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.entry).toBe(entry);
    expect(result.error.index).toBe(index);
    expect(result.error.message).toMatch(message);
  });
});

describe('group ids', () => {
  it('round-trips between the raw and the REST spelling', () => {
    expect(GROUP).toBe('group.ZklyOU5NbThhSGw1VEVTOVBUNGxhbldlK21iT0ExdS96RjJka2xjT1pwND0=');
    expect(rawGroupId(GROUP)).toBe(RAW_GROUP);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const raw = Buffer.from(bytes).toString('base64');
        expect(rawGroupId(groupIdForReply(raw))).toBe(raw);
      }),
    );
  });

  it.each([['x'], ['group'], ['group.'], ['group.YQ'], ['group.YR=='], [`group.${RAW_GROUP}`], [groupIdForReply('not base64')]])('%j is not a REST group id', (text) => {
    expect(rawGroupId(text)).toBeNull();
  });

  it('accepts only canonical padded base64', () => {
    expect(isCanonicalBase64('YQ==')).toBe(true);
    expect(isCanonicalBase64('YR==')).toBe(false);
    expect(isCanonicalBase64('YQ')).toBe(false);
    expect(isCanonicalBase64('')).toBe(false);
  });
});
