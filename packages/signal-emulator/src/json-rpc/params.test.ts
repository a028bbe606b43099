import { describe, expect, it } from 'vitest';
import { camelCase, Params, ParamTypeError } from './params.js';

describe('Params', () => {
  it('reads dashed and camelCase names', () => {
    expect(new Params({ 'group-id': 'a' }).list('group-id')).toEqual(['a']);
    expect(new Params({ groupId: 'a' }).list('group-id')).toEqual(['a']);
    expect(new Params({ noteToSelf: true }).boolean('note-to-self')).toBe(true);
    expect(camelCase('quote-timestamp')).toBe('quoteTimestamp');
  });

  it('takes a single value or a list, and falls back to the plural key', () => {
    expect(new Params({ recipient: '+1' }).list('recipient')).toEqual(['+1']);
    expect(new Params({ recipients: ['+1', '+2'] }).list('recipient')).toEqual(['+1', '+2']);
    expect(new Params({ attachments: 'a' }).list('attachment')).toEqual(['a']);
    expect(new Params({ targetTimestamps: [1, 2] }).numberList('target-timestamp')).toEqual([1, 2]);
    expect(new Params({ recipient: null }).list('recipient')).toBeUndefined();
  });

  it('fails like a Java cast on the wrong type', () => {
    expect(() => new Params({ message: 5 }).string('message')).toThrow(ParamTypeError);
    expect(() => new Params({ recipient: [5] }).list('recipient')).toThrow(/ClassCastException/);
  });
});
