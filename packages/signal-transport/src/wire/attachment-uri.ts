// Attachments as the data URIs both backends read: the MIME type, the file name written the way
// each backend decodes it, and the base64 bytes. Tether never names a file path to signal-cli.
// Large files come as a reference to stored bytes instead, which the transports stream.

/** Stored bytes the transport reads through a `BlobReader` while it writes the request. */
export interface BlobRef {
  readonly id: string;
  /** bytes */
  readonly size: number;
  /** hex sha-256 of the bytes, when known */
  readonly sha256?: string;
}

/**
 * Reads a stored blob's bytes in order, in chunks (any sizes). Throws (or the iterable rejects)
 * when the bytes cannot be read; an error whose `code` is 'blob-missing' means they are gone for good.
 */
export type BlobReader = (id: string) => AsyncIterable<Uint8Array>;

/** An attachment carries its bytes inline (`data`) or names stored ones (`blob`); it stays plain JSON. */
export type OutgoingAttachment = {
  readonly filename: string;
  readonly contentType: string;
} & (
  | {
      /** The file's bytes in base64. */
      readonly data: string;
      readonly blob?: never;
    }
  | {
      /** The file's bytes, read with the transport's `readBlob` as the request is written. */
      readonly blob: BlobRef;
      readonly data?: never;
    }
);

const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

/**
 * `data:<MIME>;filename=<NAME>;base64,<DATA>`, as each backend reads it. signal-cli-rest-api splits
 * the metadata on `;` and names its temp file with the rest verbatim (R:src/client/attachment.go:
 * 38-66, 100), so the name goes raw, with `;` replaced. signal-cli URL-decodes the name (`+` is a
 * space, a stray `%` makes the whole URI a file path that does not exist; S:lib/…/util/DataURI.java),
 * so for JSON-RPC it is percent-encoded. Path separators and control characters become `_` on
 * both (a name of dots alone is left out), the name is kept within a file system's 255 bytes,
 * MIME parameters are dropped and whitespace inside the base64 (line-wrapped input) is removed.
 * A `blob` attachment has no inline bytes to write: the transports stream those (TypeError).
 */
export function attachmentDataUri(attachment: OutgoingAttachment, backend: 'rest' | 'jsonrpc'): string {
  if (attachment.data === undefined) throw new TypeError('a blob attachment has no inline data: the transport streams its bytes');
  const base = attachment.contentType.split(';')[0]?.trim() ?? '';
  const mime = MIME.test(base) ? base : 'application/octet-stream';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const unsafe = backend === 'rest' ? /[;/\\\u0000-\u001f\u007f]/g : /[/\\\u0000-\u001f\u007f]/g;
  const filename = fitName(attachment.filename.replace(unsafe, '_').trim());
  // A name of dots alone ('..') would name a directory once joined to a path.
  const encoded = backend === 'rest' ? filename : encodeURIComponent(filename);
  const name = /^\.*$/.test(filename) ? '' : `;filename=${encoded}`;
  return `data:${mime}${name};base64,${attachment.data.replace(/\s+/g, '')}`;
}

const MAX_NAME_BYTES = 255;

/** Shortens a name to 255 UTF-8 bytes, keeping its extension (REST writes it as a file name). */
function fitName(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const extension = /\.[^.]{1,16}$/.exec(name)?.[0] ?? '';
  let stem = [...name.slice(0, name.length - extension.length)];
  while (stem.length > 0 && Buffer.byteLength(stem.join('') + extension) > MAX_NAME_BYTES) stem = stem.slice(0, -1);
  return stem.join('') + extension;
}
