import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import { CHUNK_BYTES, Uploads } from './attachment-upload.js';
import { cutAt } from './testing/pieces.js';

const store = openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'tether-upload-')), 'tether.db'), { maxQueued: 10, checkpointIntervalMs: 60_000 });
afterAll(() => store.close());

async function stored(id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.blobs.read(id)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Feeds `text` to a new upload in pieces cut at `points`. */
async function upload(text: string, points: readonly number[] = [], maxBytes = 1e9) {
  const sink = new Uploads(store.blobs, { now: () => 1, maxBytes }).open('attachments[0]');
  for (const piece of cutAt(text, points)) await sink.write(piece);
  return sink.end();
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code: string; field?: string }) => `${error.code} ${error.field}`,
  );

describe('attachment uploads', () => {
  it('store exactly the bytes the base64 says, with their size and hash, however the text is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2_000 }), fc.array(fc.nat(), { maxLength: 6 }), async (bytes, points) => {
        const data = await upload(Buffer.from(bytes).toString('base64'), points);
        expect(await stored(data.blob.id)).toEqual(Buffer.from(bytes));
        expect(data.blob).toMatchObject({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }),
      { numRuns: 200 },
    );
  });

  it('write a large attachment in chunks of CHUNK_BYTES', async () => {
    const bytes = Buffer.alloc(2 * CHUNK_BYTES + 5, 7);
    const data = await upload(bytes.toString('base64'), [3, 65_536, 1_000_001]);
    const sizes: number[] = [];
    for await (const chunk of store.blobs.read(data.blob.id)) sizes.push(chunk.length);
    expect(sizes).toEqual([CHUNK_BYTES, CHUNK_BYTES, 5]);
  });

  it('refuse what a whole-string check refuses, naming the attachment', async () => {
    const invalid = 'invalid-attachments attachments[0]';
    expect(await refusal(upload(''))).toBe(invalid);
    for (const text of ['QUJD=', 'QUJ', 'QUJD====', 'QUJDR===', 'QUJDRA=A', 'QU JD', 'QUJD\n', '==', '=QUJ']) {
      expect(await refusal(upload(text)), text).toBe(invalid);
      expect(await refusal(upload(text, [1, 3])), `${text} in pieces`).toBe(invalid);
    }
    for (const text of ['QUJD', 'QUJDRA==', 'QUJDRAB=']) expect(await refusal(upload(text, [2, 5])), text).toBe('accepted');
    expect(await refusal(upload(Buffer.alloc(10).toString('base64'), [], 9))).toBe('too-large attachments[0]');
  });

  it('discard what no message names, once the request is answered', async () => {
    const uploads = new Uploads(store.blobs, { now: () => 1, maxBytes: 1e9 });
    const sink = uploads.open('attachments[0]');
    await sink.write('QUJD');
    const { blob } = await sink.end();
    await uploads.discardUnlinked();
    await expect(stored(blob.id)).rejects.toMatchObject({ code: 'blob-missing' });
  });
});
