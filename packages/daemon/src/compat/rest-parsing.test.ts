// The pure readers behind the compat endpoint: Go-style JSON binding and REST attachments.
import { describe, expect, it } from 'vitest';
import { decodeStrictBase64, parseRestAttachment, sniffContentType } from './attachments.js';
import { bindGoJson } from './go-json.js';

const fields = { number: 'string', recipients: { list: 'string' }, view_once: 'bool', quote_timestamp: 'int', link_preview: { fields: { url: 'string' } } } as const;

describe('bindGoJson (Go encoding/json into a struct)', () => {
  it('matches keys regardless of case, skips nulls and unknown keys, zeroes null list items', () => {
    expect(bindGoJson('{"NUMBER":"+1","Recipients":["a",null],"extra":1,"view_once":null}', fields)).toEqual({ number: '+1', recipients: ['a', ''] });
    expect(bindGoJson('null', fields)).toEqual({});
  });

  it('fails the whole body on any type mismatch, empty input or a non-object', () => {
    for (const text of ['', '  ', '{', '[]', '"x"', '{"view_once":"yes"}', '{"quote_timestamp":1.5}', '{"recipients":"a"}', '{"link_preview":{"url":1}}']) {
      expect(bindGoJson(text, fields), text).toBeUndefined();
    }
  });
});

describe('attachments as the REST API reads them', () => {
  it('decodes strict base64 and reports the offset Go reports', () => {
    expect(decodeStrictBase64('aGk=')).toEqual(Buffer.from('hi'));
    expect(decodeStrictBase64('aG\r\nk=')).toEqual(Buffer.from('hi'));
    expect(decodeStrictBase64('not base64!')).toBe(3);
    expect(decodeStrictBase64('ab=c')).toBe(2);
    expect(decodeStrictBase64('abcde')).toBe(4);
  });

  it('reads data URIs with a name, and sniffs raw base64', () => {
    expect(parseRestAttachment('data:text/csv;filename=a.csv;base64,YSxi')).toEqual({ ok: true, size: 3, attachment: { filename: 'a.csv', contentType: 'text/csv', data: 'YSxi' } });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2]).toString('base64');
    expect(parseRestAttachment(png)).toMatchObject({ ok: true, attachment: { filename: '', contentType: 'image/png' } });
    expect(parseRestAttachment('data:image/png;base64,')).toEqual({ ok: false, error: 'The base64 data does not exist.' });
    expect(sniffContentType(Buffer.from('plain words\n'))).toBe('text/plain');
    expect(sniffContentType(Buffer.from([0, 1, 2]))).toBe('application/octet-stream');
  });

  it('measures, checks and types an attachment as decoding it whole would, without decoding it', () => {
    const texts = [Buffer.from('a'), Buffer.from('ab'), Buffer.from('abc'), Buffer.alloc(5_000, 'x'), Buffer.concat([Buffer.alloc(600, 'y'), Buffer.from([0, 1])])];
    const binary = Buffer.concat([Buffer.from([0x25, 0x50, 0x44, 0x46]), Buffer.alloc(3_000, 7)]);
    for (const bytes of [...texts, binary]) {
      const encoded = bytes.toString('base64');
      const wrapped = encoded.replace(/(.{76})/g, '$1\r\n');
      for (const value of [encoded, wrapped]) {
        const parsed = parseRestAttachment(value);
        expect(parsed, `${bytes.length} bytes`).toEqual({ ok: true, size: bytes.length, attachment: { filename: '', contentType: sniffContentType(bytes), data: encoded } });
      }
    }
    for (const bad of ['not base64!', 'ab=c', 'abcde', 'YWJj=A==']) {
      expect(parseRestAttachment(bad)).toEqual({ ok: false, error: `illegal base64 data at input byte ${decodeStrictBase64(bad) as number}` });
    }
  });
});
