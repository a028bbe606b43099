// Compat's attachments read as the body streams in must be what the whole-string reading gives
// (parseRestAttachment, itself checked against Go's rules in rest-parsing.test.ts): the same
// refusal text with the same offset, the same name and type, and exactly the decoded bytes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Uploads } from '../app/attachment-upload.js';
import { cutAt } from '../app/testing/pieces.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { parseRestAttachment, RestAttachmentUpload } from './attachments.js';

const store = openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'tether-compat-upload-')), 'tether.db'), { maxQueued: 10, checkpointIntervalMs: 60_000 });
afterAll(() => store.close());
const read = (id: string) => store.blobs.read(id);

async function bytesOf(id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of read(id)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function streamed(value: string, points: readonly number[]) {
  const upload = new RestAttachmentUpload(new Uploads(store.blobs, { now: () => 1, maxBytes: 1e9 }).writer(), read);
  for (const piece of cutAt(value, points)) await upload.write(piece);
  return upload.end();
}

/** Entries as clients write them, and as they get them wrong. */
const entry = fc
  .tuple(
    fc.constantFrom('', 'data:image/png;base64,', 'data:text/csv;filename=a b.csv;base64,', 'data:;filename=x;base64,', 'data:application/pdf,', 'base64,', 'data:x;base64,'),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('\n', '\r\n', '=', '!', ' ', 'A', ',', '==')), { maxLength: 3 }),
  )
  .map(([prefix, bytes, edits]) => {
    let data = Buffer.from(bytes).toString('base64');
    for (const [at, text] of edits) data = data.slice(0, at % (data.length + 1)) + text + data.slice(at % (data.length + 1));
    return prefix + data;
  });

describe('compat attachments read as they stream in', () => {
  it('give what parseRestAttachment gives for the whole string, however it is cut', async () => {
    await fc.assert(
      fc.asyncProperty(entry, fc.array(fc.nat(), { maxLength: 5 }), async (value, points) => {
        const whole = parseRestAttachment(value);
        const { result } = await streamed(value, points);
        if (!whole.ok) return void expect(result).toEqual(whole);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect({ ...result.attachment, blob: undefined }).toEqual({ filename: whole.attachment.filename, contentType: whole.attachment.contentType, blob: undefined });
        expect(result.size).toBe(whole.size);
        expect(await bytesOf(result.attachment.blob!.id)).toEqual(Buffer.from(whole.attachment.data!, 'base64'));
      }),
      { numRuns: 500 },
    );
  });

  it('write the entry out again for a forwarded request, from the stored bytes', async () => {
    const value = `data:image/png;filename=cat.png;base64,${Buffer.alloc(5_000, 9).toString('base64')}`;
    const attachment = await streamed(value, [10, 100, 4_000]);
    expect(await attachment.text()).toBe(value);
  });
});
