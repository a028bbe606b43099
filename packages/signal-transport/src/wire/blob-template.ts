// A request with blob attachments, built as text without their bytes: each blob's base64 is a
// placeholder that the builders serialise like any other data, and the text is then cut there, so
// a transport writes the text around each blob as is and the blob's base64 in between, chunk by chunk.
import type { BlobRef } from './attachment-uri.js';
import type { OutgoingMessage } from './outgoing.js';

export interface BlobSlot {
  /** Stands for the blob's base64 in the built text: plain ASCII that JSON writes unchanged. */
  readonly placeholder: string;
  readonly blob: BlobRef;
  readonly filename: string;
}

export interface BlobTemplate {
  /** The message with every blob attachment's `data` a placeholder (itself when it has no blob). */
  readonly message: OutgoingMessage;
  readonly slots: readonly BlobSlot[];
}

/** The built text cut at the blobs: text, blob, text, …, text. */
export type TemplatePart = string | BlobSlot;

/**
 * Replaces each blob attachment by a `data` attachment whose base64 is a placeholder. `nonce` must
 * be unguessable (random), so that no message text can contain a placeholder; the index ends with
 * a `.` so that the placeholder of attachment 1 is no prefix of that of attachment 10.
 */
export function withBlobPlaceholders(message: OutgoingMessage, nonce: string): BlobTemplate {
  const attachments = message.attachments ?? [];
  if (!attachments.some((attachment) => attachment.blob !== undefined)) return { message, slots: [] };
  const slots: BlobSlot[] = [];
  const inline = attachments.map((attachment, index) => {
    if (attachment.blob === undefined) return attachment;
    const placeholder = `tether-blob-${nonce}-${index}.`;
    slots.push({ placeholder, blob: attachment.blob, filename: attachment.filename });
    return { filename: attachment.filename, contentType: attachment.contentType, data: placeholder };
  });
  return { message: { ...message, attachments: inline }, slots };
}

/** Cuts `text` at the slots' placeholders; undefined unless each occurs exactly once, in order. */
export function splitAtBlobs(text: string, slots: readonly BlobSlot[]): TemplatePart[] | undefined {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (const slot of slots) {
    const at = text.indexOf(slot.placeholder);
    if (at < from || at !== text.lastIndexOf(slot.placeholder)) return undefined;
    parts.push(text.slice(from, at), slot);
    from = at + slot.placeholder.length;
  }
  parts.push(text.slice(from));
  return parts;
}

/** The UTF-8 length of the whole text, each blob counted as its padded base64. */
export function templateByteLength(parts: readonly TemplatePart[]): number {
  return parts.reduce((total, part) => total + (typeof part === 'string' ? Buffer.byteLength(part) : base64Length(part.blob.size)), 0);
}

/** Padded base64 length of `size` bytes. */
export function base64Length(size: number): number {
  return 4 * Math.ceil(size / 3);
}

/**
 * The base64 of the bytes, chunk by chunk: the whole 3-byte groups of each chunk, the 0–2 bytes
 * left over carried into the next. Joined, the pieces are exactly the base64 of all the bytes.
 */
export async function* base64Chunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let carry = Buffer.alloc(0);
  for await (const chunk of source) {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let head = '';
    if (carry.length > 0) {
      const take = Math.min(3 - carry.length, bytes.length);
      carry = Buffer.concat([carry, bytes.subarray(0, take)]);
      bytes = bytes.subarray(take);
      if (carry.length < 3) continue;
      head = carry.toString('base64');
    }
    const whole = bytes.length - (bytes.length % 3);
    // A copy: the reader may reuse its chunk's memory for the next one.
    carry = Buffer.from(bytes.subarray(whole));
    const text = head + bytes.toString('base64', 0, whole);
    if (text !== '') yield text;
  }
  if (carry.length > 0) yield carry.toString('base64');
}
