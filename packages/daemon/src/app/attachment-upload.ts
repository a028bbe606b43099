// An attachment's base64 decoded into the blob store while the request still streams in: checked
// as strictly as a whole string would be (the base64 alphabet, padding only at the end, a length
// that is a multiple of 4), hashed, and written in chunks of CHUNK_BYTES, so that its bytes are
// never in memory at once and never sit inside the message's JSON. A request's uploads are
// discarded once it is answered unless its message now names them (a refused or repeated
// request leaves nothing behind; what a crash leaves, retention sweeps after an hour).
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '@tether/core';
import type { BlobRef } from '@tether/signal-transport';
import { AppError } from './errors.js';
import type { BlobStore } from './ports.js';

/** Bytes per stored chunk. */
export const CHUNK_BYTES = 1024 * 1024;
/** An unlinked blob older than this is an orphan (its request died with a process). */
export const ORPHAN_AFTER_MS = 3_600_000;

/** What stands in the request for an attachment's `data` once its bytes are stored. */
export class StoredData {
  constructor(readonly blob: BlobRef) {}
}

const STRAY = /[^A-Za-z0-9+/]/;

/** Bytes to one new blob, in chunks of CHUNK_BYTES, counted and hashed as they come. */
export class BlobWriter {
  readonly #blobs: Pick<BlobStore, 'append'>;
  readonly #id: string;
  readonly #now: number;
  readonly #tooLarge: (size: number) => Error | undefined;
  readonly #hash = createHash('sha256');
  readonly #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #filled = 0;
  #seq = 0;
  #size = 0;

  /** `tooLarge` is asked after every write; an error it gives is thrown and nothing more is written. */
  constructor(blobs: Pick<BlobStore, 'append'>, options: { id: string; now: number; tooLarge?: (size: number) => Error | undefined }) {
    this.#blobs = blobs;
    this.#id = options.id;
    this.#now = options.now;
    this.#tooLarge = options.tooLarge ?? (() => undefined);
  }

  get id(): string {
    return this.#id;
  }

  async write(bytes: Buffer): Promise<void> {
    this.#size += bytes.length;
    const refusal = this.#tooLarge(this.#size);
    if (refusal) throw refusal;
    this.#hash.update(bytes);
    let offset = 0;
    while (offset < bytes.length) {
      const copied = bytes.copy(this.#chunk, this.#filled, offset);
      this.#filled += copied;
      offset += copied;
      if (this.#filled === CHUNK_BYTES) await this.#flush();
    }
  }

  /** Writes what is left (an empty blob is one empty chunk) and names the blob. */
  async end(): Promise<BlobRef> {
    if (this.#filled > 0 || this.#seq === 0) await this.#flush();
    return { id: this.#id, size: this.#size, sha256: this.#hash.digest('hex') };
  }

  async #flush(): Promise<void> {
    await this.#blobs.append(this.#id, this.#seq++, this.#chunk.subarray(0, this.#filled), this.#now);
    this.#filled = 0;
    // a body whose chunks are all buffered already would be read in one chain of microtasks:
    // let other requests run between two chunks
    await nextTurn();
  }
}

/** The control API's `data`: strict base64 (the alphabet, padding only at the end, a multiple of 4 long). */
class Base64Upload {
  readonly #writer: BlobWriter;
  readonly #field: string;
  #characters = 0;
  /** Characters carried to the next piece (fewer than 4). */
  #carry = '';
  #padding = 0;

  constructor(writer: BlobWriter, field: string) {
    this.#writer = writer;
    this.#field = field;
  }

  async write(piece: string): Promise<void> {
    this.#characters += piece.length;
    const stray = piece.search(STRAY);
    if (this.#padding > 0 || stray !== -1) {
      const tail = stray === -1 ? piece : piece.slice(stray);
      this.#padding += tail.length;
      if (!/^=*$/.test(tail) || this.#padding > 2) throw this.#invalid();
      piece = stray === -1 ? '' : piece.slice(0, stray);
    }
    const text = this.#carry + piece;
    const whole = text.length - (text.length % 4);
    this.#carry = text.slice(whole);
    if (whole > 0) await this.#writer.write(Buffer.from(text.slice(0, whole), 'base64'));
  }

  async end(): Promise<StoredData> {
    if (this.#characters === 0) throw new AppError('invalid-attachments', `${this.#field}.data is empty; an attachment needs its bytes`, { field: this.#field });
    if (this.#characters % 4 !== 0) throw this.#invalid();
    // the last group with its padding: 2 or 3 characters of data
    if (this.#carry !== '') await this.#writer.write(Buffer.from(this.#carry + '='.repeat(this.#padding), 'base64'));
    return new StoredData(await this.#writer.end());
  }

  #invalid(): AppError {
    return new AppError('invalid-attachments', `${this.#field}.data must be base64`, { field: this.#field });
  }
}

/** The uploads of one request. */
export class Uploads {
  readonly #blobs: Pick<BlobStore, 'append' | 'discard'>;
  readonly #now: () => number;
  readonly #maxBytes: number;
  readonly #logger: Pick<Logger, 'error'> | undefined;
  readonly #ids: string[] = [];

  /** `logger` hears of bytes that could not be dropped (retention sweeps them later). */
  constructor(blobs: Pick<BlobStore, 'append' | 'discard'>, options: { now: () => number; maxBytes: number; logger?: Pick<Logger, 'error'> }) {
    this.#blobs = blobs;
    this.#now = options.now;
    this.#maxBytes = options.maxBytes;
    this.#logger = options.logger;
  }

  /** A sink for the base64 of the attachment at `field` (e.g. `messages[2].attachments[0]`). */
  open(field: string): { write(piece: string): Promise<void>; end(): Promise<StoredData> } {
    const maxBytes = this.#maxBytes;
    const tooLarge = (size: number): AppError | undefined =>
      size > maxBytes ? new AppError('too-large', `attachments exceed ${Math.floor(maxBytes / 1024 / 1024)} MiB (TETHER_MAX_ATTACHMENT_MB)`, { field }) : undefined;
    return new Base64Upload(this.writer(tooLarge), field);
  }

  /** A new blob of this request, for bytes decoded elsewhere (compat's data URIs). */
  writer(tooLarge?: (size: number) => Error | undefined): BlobWriter {
    const id = `b${randomBytes(12).toString('hex')}`;
    this.#ids.push(id);
    return new BlobWriter(this.#blobs, { id, now: this.#now(), ...(tooLarge ? { tooLarge } : {}) });
  }

  /** Drops every blob of this request that no message names; never rejects (a failure is logged). */
  async discardUnlinked(): Promise<void> {
    try {
      for (const id of this.#ids) await this.#blobs.discard(id);
    } catch (error) {
      this.#logger?.error({ err: error }, 'the attachments of a refused request could not be dropped; retention sweeps them');
    }
  }
}
