import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@tether/test-helpers';
import { decodeGoBase64, parseJsonRpcAttachment, parseRestAttachment, sniffContentType } from './attachments.js';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]).toString('base64');

describe('parseRestAttachment', () => {
  it.each([
    [png, { contentType: 'image/png', filename: null, size: 6 }],
    [`data:image/jpeg;base64,${png}`, { contentType: 'image/jpeg', filename: null, size: 6 }],
    [`data:text/plain;filename=notes.txt;base64,${Buffer.from('hello').toString('base64')}`, { contentType: 'text/plain', filename: 'notes.txt', size: 5 }],
  ])('reads %s', (value, expected) => {
    expect(parseRestAttachment(value)).toEqual({ ok: true, attachment: expected });
  });

  it('rejects empty and malformed base64 with the REST texts', () => {
    expect(parseRestAttachment('data:image/png;base64,')).toEqual({ ok: false, error: 'The base64 data does not exist.' });
    expect(parseRestAttachment('abc$')).toEqual({ ok: false, error: 'illegal base64 data at input byte 3' });
    expect(parseRestAttachment('abcde')).toMatchObject({ ok: false });
  });
});

describe('parseJsonRpcAttachment', () => {
  it('reads data URIs with the media type as given and the decoded filename', () => {
    expect(parseJsonRpcAttachment(`data:image/png;filename=a%20b.png;base64,${png}`)).toEqual({
      ok: true,
      attachment: { contentType: 'image/png', filename: 'a b.png', size: 6 },
    });
  });

  it('reads anything else as a file path, which must exist (Utils.createStreamDetails)', () => {
    const directory = tempDir();
    try {
      const path = join(directory.path, 'report.pdf');
      writeFileSync(path, 'pdf!');
      expect(parseJsonRpcAttachment(path)).toEqual({ ok: true, attachment: { contentType: 'application/pdf', filename: 'report.pdf', size: 4 } });
      expect(parseJsonRpcAttachment(directory.path)).toMatchObject({ ok: false, error: expect.stringContaining('(Is a directory)') as unknown });
    } finally {
      directory.remove();
    }
    const broken = 'data:image/png;filename=100% sure.png;base64,@@';
    expect(parseJsonRpcAttachment(broken)).toEqual({
      ok: false,
      error: `Failed to send message: ${broken}: ${broken} (No such file or directory) (AttachmentInvalidException)`,
    });
  });
});

describe('base64 and sniffing', () => {
  it('decodes like Go: padding required, CR/LF ignored', () => {
    expect(decodeGoBase64('aGk=\r\n')).toEqual(Buffer.from('hi'));
    expect(decodeGoBase64('aGk')).toBe(0);
    expect(decodeGoBase64('a=Gk')).toBe(1);
  });

  it('recognises common types and falls back to octet-stream', () => {
    expect(sniffContentType(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffContentType(Buffer.from('plain words\n'))).toBe('text/plain');
    expect(sniffContentType(Buffer.from([0, 1, 2]))).toBe('application/octet-stream');
  });
});
