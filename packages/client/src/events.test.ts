import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { isAtOrBefore, toTetherEvent } from './events.js';

describe('toTetherEvent', () => {
  it('types each event name with its id, and passes over names it does not know', () => {
    expect(toTetherEvent({ id: '7', event: 'gate', data: '{"state":"open","cause":"probe"}' })).toEqual({ id: '7', kind: 'gate', data: { state: 'open', cause: 'probe' } });
    expect(toTetherEvent({ id: '8', event: 'presence', data: '{}' })).toBeUndefined();
  });

  it('refuses an event without an id or with data that is not a JSON object', () => {
    for (const event of [
      { id: undefined, event: 'state', data: '{}' },
      { id: '9', event: 'message', data: '{"id":' },
      { id: '9', event: 'incoming', data: '42' },
    ]) {
      expect(() => toTetherEvent(event)).toThrow(ProtocolError);
    }
  });
});

describe('isAtOrBefore', () => {
  it('compares whole-number ids by value, beyond 2^53 too', () => {
    expect(isAtOrBefore('9', '10')).toBe(true);
    expect(isAtOrBefore('10', '10')).toBe(true);
    expect(isAtOrBefore('11', '10')).toBe(false);
    expect(isAtOrBefore('9007199254740993', '9007199254740992')).toBe(false);
  });

  it('never calls an id delivered without a whole-number cursor to compare with', () => {
    expect(isAtOrBefore('1', undefined)).toBe(false);
    expect(isAtOrBefore('1', 'all')).toBe(false);
    expect(isAtOrBefore('a', '2')).toBe(false);
  });
});
