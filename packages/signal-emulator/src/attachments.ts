// Outgoing attachments as the two backends accept them: REST `base64_attachments` (raw base64 or
// data URIs, decoded strictly like Go's encoding/base64) and JSON-RPC `attachment` strings
// (data URIs or file paths). Only metadata is kept; the bytes are never stored.
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseDataUri } from './data-uri.js';

export interface AttachmentSummary {
  contentType: string;
  /** The name the sender gave (data URI `filename=` or the path's base name), else null. */
  filename: string | null;
  /** Decoded size in bytes (a JSON-RPC file path: its size on disk). */
  size: number | null;
}

export type AttachmentParse = { ok: true; attachment: AttachmentSummary } | { ok: false; error: string };

/** REST: mirrors signal-cli-rest-api's AttachmentEntry (R:src/client/attachment.go). */
export function parseRestAttachment(value: string): AttachmentParse {
  const marker = value.lastIndexOf('base64,');
  let data = value;
  let mime = '';
  let filename = '';
  if (value.includes('data:') && marker !== -1) {
    data = value.slice(marker + 'base64,'.length);
    if (marker > 0) {
      for (const item of value.slice(0, marker - 1).split(';')) {
        if (item.startsWith('data:')) mime = item.slice('data:'.length);
        if (item.startsWith('filename=')) filename = item.slice('filename='.length);
      }
    }
  }
  if (data === '') return { ok: false, error: 'The base64 data does not exist.' };
  const decoded = decodeGoBase64(data);
  if (typeof decoded === 'number') return { ok: false, error: `illegal base64 data at input byte ${decoded}` };
  return {
    ok: true,
    attachment: {
      contentType: mime === '' ? sniffContentType(decoded) : mime,
      filename: filename === '' ? null : filename,
      size: decoded.length,
    },
  };
}

/**
 * JSON-RPC: what signal-cli makes of one `attachment` string (S:lib/…/util/Utils.java:62-70,
 * S:lib/…/helper/AttachmentHelper.java:92-123): a data URI as DataURI.of reads it (the media type as
 * given, the `filename` parameter URL-decoded), else a local file path. A path that is not a
 * readable file fails the whole send as SendCommand reports it (-32603).
 */
export function parseJsonRpcAttachment(value: string): AttachmentParse {
  const uri = parseDataUri(value);
  if (uri !== undefined) {
    const filename = uri.parameters['filename'];
    return { ok: true, attachment: { contentType: uri.mediaType, filename: filename ?? null, size: uri.data.length } };
  }
  let size: number;
  try {
    const stats = statSync(value);
    if (stats.isDirectory()) return attachmentFailure(value, 'Is a directory');
    size = stats.size;
  } catch {
    return attachmentFailure(value, 'No such file or directory');
  }
  return { ok: true, attachment: { contentType: contentTypeForExtension(extname(value)), filename: basename(value), size } };
}

/** FileInputStream's FileNotFoundException, wrapped in AttachmentInvalidException and then by SendCommand. */
function attachmentFailure(value: string, reason: string): AttachmentParse {
  return { ok: false, error: `Failed to send message: ${value}: ${value} (${reason}) (AttachmentInvalidException)` };
}

/** Strict standard base64 (CR and LF ignored, as Go does). Returns the offending offset on error. */
export function decodeGoBase64(value: string): Buffer | number {
  const text = value.replace(/[\r\n]/g, '');
  const invalid = text.search(/[^A-Za-z0-9+/=]/);
  if (invalid !== -1) return invalid;
  const padding = text.indexOf('=');
  if (padding !== -1 && !/^={1,2}$/.test(text.slice(padding))) return padding;
  if (text.length % 4 !== 0) return text.length - (text.length % 4);
  return Buffer.from(text, 'base64');
}

const signatures: readonly [string, readonly number[]][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', [0x47, 0x49, 0x46, 0x38]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46]],
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['audio/ogg', [0x4f, 0x67, 0x67, 0x53]],
];

/** A small stand-in for the MIME sniffing the real stack does on the written temp file. */
export function sniffContentType(bytes: Buffer): string {
  for (const [type, signature] of signatures) {
    if (signature.every((byte, index) => bytes[index] === byte)) return type;
  }
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  return bytes.length > 0 && isPrintable(bytes) ? 'text/plain' : 'application/octet-stream';
}

const extensionTypes: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg',
  '.zip': 'application/zip',
};

function contentTypeForExtension(extension: string): string {
  return extensionTypes[extension.toLowerCase()] ?? 'application/octet-stream';
}

function isPrintable(bytes: Buffer): boolean {
  return bytes.subarray(0, 512).every((byte) => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127));
}
