// `base64_attachments` entries as signal-cli-rest-api reads them (raw base64, or a data URI with an
// optional `filename=`), decoded as strictly as Go does, and turned into outbox attachments. The
// real API writes a temp file and lets signal-cli sniff its type; we sniff the common signatures.
import { base64Chunks, type OutgoingAttachment } from '@tether/signal-transport';
import type { BlobWriter } from '../app/attachment-upload.js';

export type AttachmentResult = { readonly ok: true; readonly attachment: OutgoingAttachment; readonly size: number } | { readonly ok: false; readonly error: string };

export function parseRestAttachment(value: string): AttachmentResult {
  const marker = value.lastIndexOf('base64,');
  let data = value;
  let contentType = '';
  let filename = '';
  if (value.includes('data:') && marker !== -1) {
    data = value.slice(marker + 'base64,'.length);
    for (const part of value.slice(0, Math.max(0, marker - 1)).split(';')) {
      if (part.startsWith('data:')) contentType = part.slice('data:'.length);
      if (part.startsWith('filename=')) filename = part.slice('filename='.length);
    }
  }
  if (data === '') return { ok: false, error: 'The base64 data does not exist.' };
  // Checked and measured without decoding: a large attachment is never held as text and bytes at
  // once; only its first bytes are decoded, to tell its type.
  const compact = /[\r\n]/.test(data) ? data.replace(/[\r\n]/g, '') : data;
  const size = strictBase64Size(compact);
  if (size < 0) return { ok: false, error: `illegal base64 data at input byte ${-size - 1}` };
  return {
    ok: true,
    attachment: { filename, contentType: contentType === '' ? sniffContentType(Buffer.from(compact.slice(0, SNIFFED_CHARACTERS), 'base64')) : contentType, data: compact },
    size,
  };
}

/** Base64 characters whose bytes cover every signature and the 512 bytes the text check reads. */
const SNIFFED_CHARACTERS = 1024;

/** Go's base64.StdEncoding: padded, no stray characters, CR and LF skipped. Returns the bad offset on error. */
export function decodeStrictBase64(value: string): Buffer | number {
  const compact = value.replace(/[\r\n]/g, '');
  const size = strictBase64Size(compact);
  return size < 0 ? -size - 1 : Buffer.from(compact, 'base64');
}

/** The decoded length of strict, padded base64 without CR or LF; -(offset + 1) of the first bad character. */
function strictBase64Size(compact: string): number {
  const stray = compact.search(/[^A-Za-z0-9+/=]/);
  if (stray !== -1) return -stray - 1;
  const padding = compact.indexOf('=');
  if (padding !== -1 && !/^={1,2}$/.test(compact.slice(padding))) return -padding - 1;
  if (compact.length % 4 !== 0) return -(compact.length - (compact.length % 4)) - 1;
  return (compact.length / 4) * 3 - (padding === -1 ? 0 : compact.length - padding);
}

const SIGNATURES: readonly (readonly [string, number, readonly number[]])[] = [
  ['image/png', 0, [0x89, 0x50, 0x4e, 0x47]],
  ['image/jpeg', 0, [0xff, 0xd8, 0xff]],
  ['image/gif', 0, [0x47, 0x49, 0x46, 0x38]],
  ['image/webp', 8, [0x57, 0x45, 0x42, 0x50]],
  ['video/mp4', 4, [0x66, 0x74, 0x79, 0x70]],
  ['application/pdf', 0, [0x25, 0x50, 0x44, 0x46]],
  ['application/zip', 0, [0x50, 0x4b, 0x03, 0x04]],
  ['audio/ogg', 0, [0x4f, 0x67, 0x67, 0x53]],
];

/** Enough sniffing that a raw-base64 image still arrives as an image, not as a file. */
export function sniffContentType(bytes: Buffer): string {
  for (const [type, offset, signature] of SIGNATURES) {
    if (signature.every((byte, index) => bytes[offset + index] === byte)) return type;
  }
  const head = bytes.subarray(0, 512);
  const printable = head.length > 0 && head.every((byte) => byte === 9 || byte === 10 || byte === 13 || byte >= 32);
  return printable ? 'text/plain' : 'application/octet-stream';
}

/** A `base64_attachments` entry read while the body streamed in: its bytes are in the blob store. */
export class StreamedAttachment {
  constructor(
    readonly result: AttachmentResult,
    /** The entry was "" (a v1 body's absent attachment). */
    readonly empty: boolean,
    /** The entry as text again (a request forwarded to the backend carries its attachments inline). */
    readonly text: () => Promise<string>,
  ) {}
}

/**
 * The head of an entry kept until its data starts: a data URI's metadata is short, and the base64
 * after it has no comma, so within this much the last `base64,` is the one Go's whole-string
 * `lastIndexOf` finds.
 */
const HEAD_CHARACTERS = 64 * 1024;

/**
 * Reads one entry piece by piece as `parseRestAttachment` reads it whole: the data URI's metadata,
 * then Go's strict base64 (CR and LF skipped, the first bad character's offset in the error),
 * decoded into a blob as it comes; only the first bytes are kept, to sniff the type.
 */
export class RestAttachmentUpload {
  readonly #writer: BlobWriter;
  readonly #read: (id: string) => AsyncIterable<Uint8Array>;
  #head: string | undefined = '';
  #prefix = '';
  #contentType = '';
  #filename = '';
  #raw = 0;
  #compact = 0;
  #stray: number | undefined;
  #padding: number | undefined;
  #paddingBad = false;
  #carry = '';
  #decoding = true;
  readonly #sniffed: Buffer[] = [];
  #sniffedBytes = 0;

  constructor(writer: BlobWriter, read: (id: string) => AsyncIterable<Uint8Array>) {
    this.#writer = writer;
    this.#read = read;
  }

  async write(piece: string): Promise<void> {
    if (this.#head !== undefined) {
      this.#head += piece;
      if (this.#head.length < HEAD_CHARACTERS) return;
      piece = this.#split();
    }
    await this.#data(piece);
  }

  async end(): Promise<StreamedAttachment> {
    if (this.#head !== undefined) await this.#data(this.#split());
    const result = await this.#result();
    return new StreamedAttachment(result, this.#raw === 0 && this.#prefix === '', async () => {
      if (!result.ok || !result.attachment.blob) return '';
      const parts = [this.#prefix];
      for await (const piece of base64Chunks(this.#read(result.attachment.blob.id))) parts.push(piece);
      return parts.join('');
    });
  }

  /** Splits the head into the data URI's metadata (as parseRestAttachment does) and the data's start. */
  #split(): string {
    const head = this.#head!;
    this.#head = undefined;
    const marker = head.lastIndexOf('base64,');
    if (!head.includes('data:') || marker === -1) return head;
    this.#prefix = head.slice(0, marker + 'base64,'.length);
    for (const part of head.slice(0, Math.max(0, marker - 1)).split(';')) {
      if (part.startsWith('data:')) this.#contentType = part.slice('data:'.length);
      if (part.startsWith('filename=')) this.#filename = part.slice('filename='.length);
    }
    return head.slice(marker + 'base64,'.length);
  }

  async #data(piece: string): Promise<void> {
    this.#raw += piece.length;
    const compact = /[\r\n]/.test(piece) ? piece.replace(/[\r\n]/g, '') : piece;
    const base = this.#compact;
    this.#compact += compact.length;
    if (this.#stray === undefined) {
      const stray = compact.search(/[^A-Za-z0-9+/=]/);
      if (stray !== -1) this.#stray = base + stray;
    }
    let end = compact.length;
    if (this.#padding === undefined) {
      const padding = compact.indexOf('=');
      if (padding !== -1) {
        this.#padding = base + padding;
        end = padding;
        if (!/^=*$/.test(compact.slice(padding))) this.#paddingBad = true;
      }
    } else if (!/^=*$/.test(compact)) {
      this.#paddingBad = true;
    }
    if (this.#padding !== undefined && this.#compact - this.#padding > 2) this.#paddingBad = true;
    if (this.#stray !== undefined) this.#decoding = false;
    if (!this.#decoding) return;
    const text = this.#carry + compact.slice(0, end);
    const whole = text.length - (text.length % 4);
    this.#carry = text.slice(whole);
    if (whole > 0) await this.#bytes(Buffer.from(text.slice(0, whole), 'base64'));
    if (this.#padding !== undefined) this.#decoding = false;
  }

  async #bytes(bytes: Buffer): Promise<void> {
    if (this.#sniffedBytes < SNIFFED_CHARACTERS) {
      this.#sniffed.push(bytes.subarray(0, SNIFFED_CHARACTERS - this.#sniffedBytes));
      this.#sniffedBytes += Math.min(bytes.length, SNIFFED_CHARACTERS - this.#sniffedBytes);
    }
    await this.#writer.write(bytes);
  }

  async #result(): Promise<AttachmentResult> {
    if (this.#raw === 0) return { ok: false, error: 'The base64 data does not exist.' };
    const bad = this.#stray ?? (this.#paddingBad ? this.#padding : undefined) ?? (this.#compact % 4 !== 0 ? this.#compact - (this.#compact % 4) : undefined);
    if (bad !== undefined) return { ok: false, error: `illegal base64 data at input byte ${bad}` };
    // the last group with its padding
    if (this.#carry !== '') await this.#bytes(Buffer.from(this.#carry + '='.repeat(this.#compact - this.#padding!), 'base64'));
    const blob = await this.#writer.end();
    const contentType = this.#contentType === '' ? sniffContentType(Buffer.concat(this.#sniffed).subarray(0, (SNIFFED_CHARACTERS / 4) * 3)) : this.#contentType;
    return { ok: true, attachment: { filename: this.#filename, contentType, blob }, size: blob.size };
  }
}
