import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Chunks, base64Length, splitAtBlobs, templateByteLength, withBlobPlaceholders, type BlobSlot } from './blob-template.js';

async function joined(chunks: readonly Uint8Array[]): Promise<string> {
  let text = '';
  for await (const piece of base64Chunks(fromArray(chunks))) text += piece;
  return text;
}

async function* fromArray(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('base64Chunks', () => {
  it('joins to the base64 of all the bytes, however they are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 11 }), { maxLength: 9 }), async (chunks) => {
        expect(await joined(chunks)).toBe(Buffer.concat(chunks).toString('base64'));
      }),
    );
  });

  it('copies the bytes it carries, so a reader may reuse its buffer', async () => {
    const shared = new Uint8Array(4);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (const fill of [1, 2, 3]) {
        shared.fill(fill);
        yield shared;
      }
    }
    let text = '';
    for await (const piece of base64Chunks(reusing())) text += piece;
    expect(Buffer.from(text, 'base64')).toEqual(Buffer.from([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]));
  });

  it('knows the padded length up front', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(base64Length)).toEqual([0, 4, 4, 4, 8, 8, 8]);
    for (const size of [0, 1, 2, 3, 4, 5, 6]) expect(base64Length(size)).toBe(Buffer.alloc(size).toString('base64').length);
  });
});

describe('withBlobPlaceholders and splitAtBlobs', () => {
  const blob = (id: string, size = 3) => ({ id, size });
  const message = {
    recipients: ['+4917612345678'],
    attachments: [
      { filename: 'a.bin', contentType: 'application/octet-stream', blob: blob('a') },
      { filename: 'b.txt', contentType: 'text/plain', data: 'aGk=' },
      ...Array.from({ length: 10 }, (_, index) => ({ filename: `${index}.bin`, contentType: 'application/octet-stream', blob: blob(`c${index}`) })),
    ],
  };

  it('leaves a message without blobs as it is', () => {
    const plain = { recipients: ['+4917612345678'], attachments: [{ filename: 'b.txt', contentType: 'text/plain', data: 'aGk=' }] };
    expect(withBlobPlaceholders(plain, 'n')).toEqual({ message: plain, slots: [] });
  });

  it('cuts the built text at each blob, in order, even past ten of them', () => {
    const template = withBlobPlaceholders(message, 'nonce');
    expect(template.slots.map((slot) => slot.blob.id)).toEqual(['a', ...Array.from({ length: 10 }, (_, index) => `c${index}`)]);
    expect(template.message.attachments?.[1]).toEqual(message.attachments[1]);
    const text = JSON.stringify(template.message);
    const parts = splitAtBlobs(text, template.slots)!;
    expect(parts).toHaveLength(2 * template.slots.length + 1);
    expect(parts.filter((part): part is BlobSlot => typeof part !== 'string')).toEqual(template.slots);
    const filled = parts.map((part) => (typeof part === 'string' ? part : `<${part.blob.id}>`)).join('');
    expect(JSON.parse(filled).attachments.map((attachment: { data: string }) => attachment.data)).toEqual(['<a>', 'aGk=', ...Array.from({ length: 10 }, (_, index) => `<c${index}>`)]);
    // Each blob of 3 bytes is 4 characters of base64.
    expect(templateByteLength(parts)).toBe(Buffer.byteLength(parts.map((part) => (typeof part === 'string' ? part : 'AAAA')).join('')));
  });

  it('refuses a text where a placeholder is missing, repeated or out of order', () => {
    const { slots } = withBlobPlaceholders({ recipients: ['+4917612345678'], attachments: [message.attachments[0]!, message.attachments[2]!] }, 'nonce');
    const [first, second] = slots.map((slot) => slot.placeholder);
    expect(splitAtBlobs(`x${first}y${second}z`, slots)).toEqual(['x', slots[0], 'y', slots[1], 'z']);
    expect(splitAtBlobs(`x${first}y`, slots)).toBeUndefined();
    expect(splitAtBlobs(`${first}${first}${second}`, slots)).toBeUndefined();
    expect(splitAtBlobs(`${second}${first}`, slots)).toBeUndefined();
  });
});
