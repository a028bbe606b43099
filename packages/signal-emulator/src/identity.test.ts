import { describe, expect, it } from 'vitest';
import { makeGroupId } from './groups.js';
import { groupIdByteLength, isE164, isUsername, isUuid, maskNumber, restGroupId, uuidFor } from './identity.js';

describe('identity', () => {
  it('derives a stable, well-formed UUID per seed', () => {
    expect(uuidFor('+4915112345678')).toBe(uuidFor('+4915112345678'));
    expect(uuidFor('+4915112345678')).not.toBe(uuidFor('+4915112345679'));
    expect(isUuid(uuidFor('x'))).toBe(true);
    expect(uuidFor('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('recognises E.164 numbers and usernames', () => {
    expect(isE164('+4915112345678')).toBe(true);
    expect(isE164('+0151')).toBe(false);
    expect(isE164('015112345678')).toBe(false);
    expect(isUsername('alice.01')).toBe(true);
    expect(isUsername('1alice.01')).toBe(false);
  });

  it('masks numbers and builds the REST group form', () => {
    expect(maskNumber('+4915112345678')).toBe('+49…5678');
    const groupId = makeGroupId('g');
    expect(groupIdByteLength(groupId)).toBe(32);
    expect(restGroupId(groupId)).toBe(`group.${Buffer.from(groupId).toString('base64')}`);
    expect(groupIdByteLength('not base64!')).toBeUndefined();
  });
});
