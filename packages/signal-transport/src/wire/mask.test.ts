import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPhoneNumber, maskPhoneNumbers } from './mask.js';

describe('maskPhoneNumber', () => {
  it.each([
    ['+4915112344567', '+49…4567'],
    ['+14155550123', '+14…0123'],
    ['+447700900123', '+44…0123'],
    ['+1234567890', '+12…7890'],
    ['+123456789', '+12…89'],
    ['+1234567', '+12…67'],
    ['not a number', 'not a number'],
    ['call +4915112344567', 'call +49…4567'],
  ])('%s → %s', (number, masked) => {
    expect(maskPhoneNumber(number)).toBe(masked);
  });
});

describe('maskPhoneNumbers', () => {
  it.each([
    ['The user +4915112344567 is not registered.', 'The user +49…4567 is not registered.'],
    ['Unregistered user "+14155550123"', 'Unregistered user "+14…0123"'],
    ['+4915112344567,+447700900123', '+49…4567,+44…0123'],
    ['GET /v1/receive/%2B4915112344567', 'GET /v1/receive/+49…4567'],
    ['from +49 151 1234-4567 today', 'from +49…4567 today'],
    ['timestamp 1755000000000 stays', 'timestamp 1755000000000 stays'],
    ['short +12345 stays', 'short +12345 stays'],
    ['', ''],
  ])('%j', (text, masked) => {
    expect(maskPhoneNumbers(text)).toBe(masked);
  });

  it('leaves no run of more than four digits of a number in any text', () => {
    const number = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);
    const words = fc.array(fc.oneof(number, fc.constantFrom('user', 'is', ':', '"', '.', 'not registered')), { maxLength: 6 });
    fc.assert(
      fc.property(words, (parts) => {
        const masked = maskPhoneNumbers(parts.join(' '));
        expect(masked).not.toMatch(/\+[0-9]{5,}/);
        expect(maskPhoneNumbers(masked)).toBe(masked);
      }),
    );
  });
});
