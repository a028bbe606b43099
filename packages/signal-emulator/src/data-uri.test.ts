// signal-cli's data URI reading (S:lib/…/util/DataURI.java at c26e063): its two regular
// expressions, Java's URLDecoder for the filename and Java's Base64 decoder, failures included.
import { describe, expect, it } from 'vitest';
import { javaBase64Decode, javaUrlDecode, parseDataUri } from './data-uri.js';

const abc = Buffer.from('abc').toString('base64');

describe('parseDataUri', () => {
  it('reads the media type, the URL-decoded filename and the base64 data', () => {
    expect(parseDataUri(`data:application/pdf;filename=100%25%20sure%2Bok.pdf;base64,${abc}`)).toEqual({
      mediaType: 'application/pdf',
      parameters: { filename: '100% sure+ok.pdf' },
      data: Buffer.from('abc'),
    });
  });

  it('turns + into a space and is case-insensitive about the scheme and base64 marker', () => {
    expect(parseDataUri(`DATA:image/png;filename=a+b.png;BASE64,${abc}`)).toMatchObject({ mediaType: 'image/png', parameters: { filename: 'a b.png' } });
  });

  it('defaults to text/plain and URL-decodes data that is not base64', () => {
    expect(parseDataUri('data:,hello%20world')).toEqual({ mediaType: 'text/plain', parameters: {}, data: Buffer.from('hello world') });
  });

  it('keeps one parameter whose key runs to the last =, so a raw = hides the filename', () => {
    expect(parseDataUri(`data:text/plain;filename=a=b;base64,${abc}`)?.parameters).toEqual({ 'filename=a': 'b' });
  });

  it.each([
    ['a raw % in the filename', `data:application/pdf;filename=100% sure+ok.pdf;base64,${abc}`],
    ['an incomplete escape', `data:text/plain;filename=x%4;base64,${abc}`],
    ['bad base64', 'data:text/plain;filename=x;base64,@@@@'],
    ['padding where none belongs', 'data:text/plain;base64,YWJj='],
    ['a line break', `data:text/plain;filename=a\nb;base64,${abc}`],
    ['no data', 'data:text/plain;base64,'],
    ['a file path', '/tmp/report.pdf'],
  ])('is not a data URI with %s', (_case, value) => {
    expect(parseDataUri(value)).toBeUndefined();
  });
});

describe('Java decoders', () => {
  it('URLDecoder: sign characters reach Integer.parseInt', () => {
    expect(javaUrlDecode('%+1')).toBe('\u0001');
    expect(javaUrlDecode('%-1')).toBeUndefined();
    expect(javaUrlDecode('%E2%82%AC+x')).toBe('€ x');
  });

  it('Base64: optional padding, no lone last character, no whitespace', () => {
    expect(javaBase64Decode('YWI')).toEqual(Buffer.from('ab'));
    expect(javaBase64Decode('YWI=')).toEqual(Buffer.from('ab'));
    expect(javaBase64Decode('YQ==')).toEqual(Buffer.from('a'));
    expect(javaBase64Decode('YQ=')).toBeUndefined();
    expect(javaBase64Decode('Y')).toBeUndefined();
    expect(javaBase64Decode('YW I=')).toBeUndefined();
  });
});
