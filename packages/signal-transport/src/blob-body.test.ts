import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { BlobBody, blobNonce, writePieces } from './blob-body.js';
import { withBlobPlaceholders } from './wire/blob-template.js';
import { encodeRequest, jsonRpcSendParams, restSendBody, type BlobReader, type OutgoingAttachment, type OutgoingMessage } from './wire/index.js';

const ACCOUNT = '+4915200000001';
const FRIEND = '+4917612345678';

/** A reader over in-memory blobs that cuts each into chunks at `cuts` (offsets, any order). */
function reader(blobs: ReadonlyMap<string, Buffer>, cuts: readonly number[] = []): BlobReader {
  return async function* (id) {
    const bytes = blobs.get(id)!;
    let from = 0;
    for (const cut of [...new Set(cuts.map((at) => at % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length)) {
      yield new Uint8Array(bytes.subarray(from, cut)); // empty chunks too
      from = cut;
    }
  };
}

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const piece of pieces) all += piece;
  return all;
}

/** The same message with each blob's bytes inline, as `data`. */
function inline(message: OutgoingMessage, blobs: ReadonlyMap<string, Buffer>): OutgoingMessage {
  const attachments = message.attachments?.map((attachment): OutgoingAttachment => {
    if (attachment.blob === undefined) return attachment;
    return { filename: attachment.filename, contentType: attachment.contentType, data: blobs.get(attachment.blob.id)!.toString('base64') };
  });
  return { ...message, ...(attachments ? { attachments } : {}) };
}

/** What each transport writes for `message`: the REST body and the JSON-RPC line, streamed. */
async function streamed(message: OutgoingMessage, read: BlobReader): Promise<{ rest: string; jsonRpc: string; lengths: number[] }> {
  const rest = withBlobPlaceholders(message, blobNonce());
  const restBody = restSendBody(ACCOUNT, rest.message);
  const jsonRpc = withBlobPlaceholders(message, blobNonce());
  const params = jsonRpcSendParams(ACCOUNT, jsonRpc.message);
  if (!restBody.ok || !params.ok) throw new Error('unbuildable');
  const bodies = [new BlobBody(JSON.stringify(restBody.body), rest.slots, read), new BlobBody(encodeRequest('tether-7', 'send', params.body), jsonRpc.slots, read)];
  return { rest: await text(bodies[0]!.pieces()), jsonRpc: await text(bodies[1]!.pieces()), lengths: bodies.map((body) => body.byteLength) };
}

function unstreamed(message: OutgoingMessage): { rest: string; jsonRpc: string } {
  const rest = restSendBody(ACCOUNT, message);
  const params = jsonRpcSendParams(ACCOUNT, message);
  if (!rest.ok || !params.ok) throw new Error('unbuildable');
  return { rest: JSON.stringify(rest.body), jsonRpc: encodeRequest('tether-7', 'send', params.body) };
}

describe('a streamed body', () => {
  it('is byte for byte the body with the bytes inline, for every size mod 3 and every chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.string(),
        fc.constantFrom('report.pdf', 'Grüße 📷;a%b.jpg', '..', 'call +4915112345678.txt'),
        async (contents, cuts, message, filename) => {
          const blobs = new Map(contents.map((bytes, index) => [`blob-${index}`, Buffer.from(bytes)]));
          const attachments: OutgoingAttachment[] = [...blobs].map(([id, bytes]) => ({ filename, contentType: 'image/jpeg; q=1', blob: { id, size: bytes.length } }));
          attachments.splice(1, 0, { filename: 'inline.txt', contentType: 'text/plain', data: 'aGk=' });
          const blobMessage: OutgoingMessage = { recipients: [FRIEND], message, attachments };
          const got = await streamed(blobMessage, reader(blobs, cuts));
          const want = unstreamed(inline(blobMessage, blobs));
          expect(got.rest).toBe(want.rest);
          expect(got.jsonRpc).toBe(want.jsonRpc);
          expect(got.lengths).toEqual([Buffer.byteLength(want.rest), Buffer.byteLength(want.jsonRpc)]);
        },
      ),
    );
  });

  it.each([0, 1, 2, 3, 4, 5])('is the same for %i bytes in one chunk, in bytes one by one and with empty chunks', async (size) => {
    const blobs = new Map([['b', Buffer.from(Array.from({ length: size }, (_, index) => 250 - index))]]);
    const message: OutgoingMessage = { recipients: [FRIEND], attachments: [{ filename: 'x.bin', contentType: 'application/octet-stream', blob: { id: 'b', size } }] };
    const want = unstreamed(inline(message, blobs));
    for (const cuts of [[], [0, 1, 2, 3, 4, 5], [0, 0, size]]) expect(await streamed(message, reader(blobs, cuts))).toMatchObject(want);
  });
});

describe('a blob that cannot be read whole', () => {
  const message = (blob: { id: string; size: number; sha256?: string }): OutgoingMessage => ({
    recipients: [FRIEND],
    attachments: [{ filename: 'x.bin', contentType: 'application/octet-stream', blob }],
  });

  /** The pieces a body yields before it throws, and its outcome. */
  async function attempt(blob: { id: string; size: number; sha256?: string }, read: BlobReader) {
    const template = withBlobPlaceholders(message(blob), blobNonce());
    const built = restSendBody(ACCOUNT, template.message);
    if (!built.ok) throw new Error('unbuildable');
    const body = new BlobBody(JSON.stringify(built.body), template.slots, read);
    const yielded: string[] = [];
    const error = await (async () => {
      for await (const piece of body.pieces()) yielded.push(piece);
    })().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    return { yielded: yielded.join(''), error, outcome: body.outcome };
  }

  const failing = (error: Error, after: Buffer[] = []): BlobReader =>
    async function* () {
      yield* after;
      throw error;
    };

  it('yields nothing and is not-sent when the reader fails before its first chunk', async () => {
    const result = await attempt({ id: 'b', size: 9 }, failing(new Error('database locked by +4915112345678')));
    expect(result.yielded).toBe('');
    expect(result.error).toBeInstanceOf(Error);
    expect(result.outcome).toEqual({ kind: 'not-sent', error: 'attachment x.bin could not be read: database locked by +49…5678' });
  });

  it('is failed when the blob is gone for good', async () => {
    const missing = Object.assign(new Error('blob b is gone'), { code: 'blob-missing' });
    expect((await attempt({ id: 'b', size: 9 }, failing(missing, [Buffer.alloc(3)]))).outcome).toEqual({ kind: 'failed', error: 'attachment x.bin is gone: blob b is gone' });
    const thrownAtCall: BlobReader = () => {
      throw missing;
    };
    expect((await attempt({ id: 'b', size: 9 }, thrownAtCall)).outcome).toMatchObject({ kind: 'failed' });
  });

  it.each([
    ['fewer bytes', { id: 'b', size: 7 }, /has 6 bytes, not the 7/],
    ['more bytes', { id: 'b', size: 5 }, /more than the 5 bytes/],
    ['another sha-256', { id: 'b', size: 6, sha256: createHash('sha256').update('other').digest('hex') }, /does not match its sha-256/],
  ])('is failed for %s than its reference says, and never yields the text after the blob', async (_name, blob, error) => {
    const result = await attempt(blob, reader(new Map([['b', Buffer.from('abcdef')]]), [2]));
    expect(result.outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(error) });
    // The body is cut inside the blob's base64: what follows it (`"],"text_mode"…`) never comes.
    expect(result.yielded).not.toContain('text_mode');
  });

  it('checks the sha-256 when the reference has one', async () => {
    const sha256 = createHash('sha256').update('abcdef').digest('hex').toUpperCase();
    const result = await attempt({ id: 'b', size: 6, sha256 }, reader(new Map([['b', Buffer.from('abcdef')]]), [1, 4]));
    expect(result).toMatchObject({ error: undefined, outcome: undefined });
    expect(result.yielded).toContain(`base64,${Buffer.from('abcdef').toString('base64')}"`);
  });
});

describe('writing the pieces', () => {
  it('tells of every piece the target took, so a long line counts as activity on its connection', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => setTimeout(done, 1) });
    const pieces = async function* (): AsyncGenerator<string> {
      for (let index = 0; index < 5; index++) yield 'B'.repeat(64 * 1024);
    };
    let progress = 0;
    expect(await writePieces(sink, pieces(), new AbortController().signal, () => progress++)).toEqual({ kind: 'written' });
    expect(progress).toBe(5);
  });

  it('gives the event loop turns while a socket takes every write at once (a local backend)', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() }); // drains at once
    const pieces = async function* (): AsyncGenerator<string> {
      for (let index = 0; index < 16; index++) yield 'A'.repeat(512 * 1024);
    };
    let turns = 0;
    const count = (): void => {
      turns++;
      if (!finished) setImmediate(count);
    };
    let finished = false;
    setImmediate(count);
    const result = await writePieces(sink, pieces(), new AbortController().signal);
    finished = true;
    expect(result).toEqual({ kind: 'written' });
    expect(turns).toBeGreaterThanOrEqual(4); // 8 MiB: a turn at least every 2 MiB
  });
});
