// A request whose attachments are blob references, written as it is read: the text around each
// blob as is, the blob's bytes as base64 chunk by chunk, so neither the bytes nor their base64 is
// ever held whole, and writes wait for the socket to drain. Both transports write it, and what a
// blob that cannot be read does to the send is decided here, once.
import { createHash, randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { SendOutcomeV2 } from '@tether/core';
import { base64Chunks, splitAtBlobs, templateByteLength, type BlobSlot, type TemplatePart } from './wire/blob-template.js';
import { maskPhoneNumbers, type BlobReader, type BlobRef } from './wire/index.js';

/** A fresh unguessable nonce for `withBlobPlaceholders`. */
export function blobNonce(): string {
  return randomUUID().replaceAll('-', '');
}

/** The outcome of a blob attachment given to a transport that has no `readBlob`. */
export function noBlobReader(slots: readonly BlobSlot[]): BlobOutcome {
  return { kind: 'failed', error: maskPhoneNumbers(`attachment ${slots[0]?.filename ?? ''} is a blob reference, and the transport has no readBlob`) };
}

/** What a body that cannot be written whole does to its send. */
export type BlobOutcome = Extract<SendOutcomeV2, { readonly kind: 'failed' | 'not-sent' }>;

/** The blob's bytes disagree with its reference: reading them again cannot help. */
class BlobMismatch extends Error {}

export class BlobBody {
  /** The request's length in bytes, known before a byte of the blobs is read. */
  readonly byteLength: number;
  readonly #parts: readonly TemplatePart[];
  readonly #readBlob: BlobReader;
  #outcome: BlobOutcome | undefined;

  /** `text`: the request as built with the placeholders of `slots` (`withBlobPlaceholders`). */
  constructor(text: string, slots: readonly BlobSlot[], readBlob: BlobReader) {
    const parts = splitAtBlobs(text, slots);
    // Only a message that contains the random nonce itself could do this; a new nonce will not.
    if (parts === undefined) this.#outcome = { kind: 'not-sent', error: 'an attachment placeholder occurs in the message itself' };
    this.#parts = parts ?? [];
    this.#readBlob = readBlob;
    this.byteLength = templateByteLength(this.#parts);
  }

  /**
   * Set when the body cannot be written whole: `failed` for a blob that is gone or disagrees with
   * its reference (its size or sha-256), `not-sent` when reading it failed otherwise.
   */
  get outcome(): BlobOutcome | undefined {
    return this.#outcome;
  }

  /**
   * The request in pieces. Nothing is yielded before the first blob has given bytes (a blob that
   * cannot be read at all leaves the socket untouched), and the text after a blob only once its
   * bytes were counted and hashed: a request cut short there cannot have been processed.
   */
  async *pieces(): AsyncGenerator<string> {
    if (this.#outcome !== undefined) throw new Error(this.#outcome.error);
    let pending = '';
    for (const part of this.#parts) {
      if (typeof part === 'string') {
        pending += part;
        continue;
      }
      try {
        for await (const text of base64Chunks(checked(this.#readBlob(part.blob.id), part.blob))) {
          yield pending + text;
          pending = '';
        }
      } catch (error) {
        this.#outcome = outcomeOf(error, part.filename);
        throw error;
      }
    }
    if (pending !== '') yield pending;
  }
}

async function* checked(source: AsyncIterable<Uint8Array>, blob: BlobRef): AsyncGenerator<Uint8Array> {
  const hash = blob.sha256 === undefined ? undefined : createHash('sha256');
  let count = 0;
  for await (const chunk of source) {
    count += chunk.byteLength;
    if (count > blob.size) throw new BlobMismatch(`has more than the ${blob.size} bytes its reference says`);
    hash?.update(chunk);
    yield chunk;
  }
  if (count < blob.size) throw new BlobMismatch(`has ${count} bytes, not the ${blob.size} its reference says`);
  if (hash !== undefined && hash.digest('hex') !== blob.sha256?.toLowerCase()) throw new BlobMismatch('does not match its sha-256');
}

function outcomeOf(error: unknown, filename: string): BlobOutcome {
  if (error instanceof BlobMismatch) return { kind: 'failed', error: maskPhoneNumbers(`attachment ${filename} ${error.message}`) };
  const text = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code === 'blob-missing') return { kind: 'failed', error: maskPhoneNumbers(`attachment ${filename} is gone: ${text}`) };
  return { kind: 'not-sent', error: maskPhoneNumbers(`attachment ${filename} could not be read: ${text}`) };
}

export type WriteResult =
  | { readonly kind: 'written' }
  /** `signal` aborted or `target` closed; `started`: some of the pieces were written. */
  | { readonly kind: 'stopped'; readonly started: boolean; readonly error: string }
  /** The pieces threw. */
  | { readonly kind: 'failed'; readonly started: boolean; readonly error: string };

export type PieceSink = Pick<Writable, 'write' | 'once' | 'off' | 'destroyed'>;

const STOPPED = Symbol('stopped');
/**
 * Characters written between turns of the event loop. A reader that answers at once and a socket
 * that takes every write (a local backend) would otherwise write the whole body in one chain of
 * microtasks, and nothing else (a health check, incoming messages) would run until it ended.
 */
const YIELD_EVERY = 1024 * 1024;

/**
 * Writes the pieces to `target` as fast as it drains, until they end, they throw, `target` closes
 * or `signal` aborts, whichever comes first: a reader that stalls does not hold the caller past
 * its deadline. `onProgress` hears of every piece the target took (the connection moves). Ends
 * nothing and destroys nothing; that is the caller's to decide.
 */
export async function writePieces(target: PieceSink, pieces: AsyncIterable<string>, signal: AbortSignal, onProgress: () => void = () => undefined): Promise<WriteResult> {
  const iterator = pieces[Symbol.asyncIterator]();
  let started = false;
  let sinceYield = 0;
  const halt = (): WriteResult => ({ kind: 'stopped', started, error: signal.aborted ? 'aborted before the request was written' : 'the connection closed while the request was written' });
  try {
    for (;;) {
      if (signal.aborted || target.destroyed) return halt();
      const next = await unlessStopped(target, signal, iterator.next());
      if (next === STOPPED) return halt();
      if (next.done === true) return { kind: 'written' };
      started = true;
      sinceYield += next.value.length;
      if (!target.write(next.value)) {
        let onDrain = (): void => {};
        const drained = await unlessStopped(target, signal, new Promise<void>((resolve) => target.once('drain', (onDrain = resolve))));
        target.off('drain', onDrain);
        if (drained === STOPPED) return halt();
      }
      onProgress();
      // a socket that writes at once drains in a tick of its own, which is no turn of the loop either
      if (sinceYield >= YIELD_EVERY) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
    }
  } catch (error) {
    return { kind: 'failed', started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    // Lets the reader go; a read still pending ends first (a generator queues the return).
    void iterator.return?.().catch(() => undefined);
  }
}

/**
 * `promise`'s value, or STOPPED once `signal` aborts or `target` closes. Listens afresh for each
 * wait and removes its listeners after: one long-lived promise raced against every chunk would
 * keep every chunk alive through the reactions it collects.
 */
function unlessStopped<T>(target: PieceSink, signal: AbortSignal, promise: Promise<T>): Promise<T | typeof STOPPED> {
  return new Promise((resolve, reject) => {
    const stop = (): void => settle(() => resolve(STOPPED));
    const settle = (then: () => void): void => {
      signal.removeEventListener('abort', stop);
      target.off('close', stop);
      then();
    };
    signal.addEventListener('abort', stop, { once: true });
    target.once('close', stop);
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
