// `base64_attachments` entries as signal-cli-rest-api reads them (raw base64, or a data URI with an
// optional `filename=`), decoded as strictly as Go does, and turned into outbox attachments. The
// real API writes a temp file and lets signal-cli sniff its type; we sniff the common signatures.
import type { OutgoingAttachment } from '@tether/signal-transport';

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
