// Checks everything `tether send` can check before contacting the daemon: recipients against the
// §4 grammar, non-empty content, attachment sizes against the limit. Bad input is exit 2 and the
// daemon never sees it. Attachments are read here and travel as base64 (the daemon opens no paths).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AttachmentInput, SendRequest } from '@tether/daemon/protocol';
import { groupIdForReply, maskPhoneNumbers, parseRecipients } from '@tether/signal-transport/wire';
import { ExitError, usageError } from './exit-error.js';
import { formatBytes } from './output/format.js';

export interface SendInput {
  readonly recipients: readonly string[];
  readonly group?: string | undefined;
  /** The -m text; undefined = read stdin (when it is not a terminal). */
  readonly message?: string | undefined;
  readonly attach: readonly string[];
}

export interface InputSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

const DEFAULT_LIMIT_MB = 100;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export async function prepareSend(input: SendInput, sources: InputSources): Promise<SendRequest> {
  const recipients = checkRecipients(input);
  const attachmentPaths = input.attach;
  const limitBytes = attachmentLimit(sources.env);
  const sizes = await Promise.all(attachmentPaths.map((file) => sizeOf(file)));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total > limitBytes) {
    throw usageError(`the attachments add up to ${formatBytes(total)}, over the ${formatBytes(limitBytes)} limit per message (TETHER_MAX_ATTACHMENT_MB)`, 'too-large', 'attach');
  }
  const text = input.message ?? (await readStdin(sources.stdin, attachmentPaths.length > 0));
  if ((text === undefined || text.trim() === '') && attachmentPaths.length === 0) {
    throw usageError('the message is empty: give the text with -m TEXT or on stdin, or attach a file', 'empty-message', 'message');
  }
  const attachments = await Promise.all(attachmentPaths.map((file) => readAttachment(file)));
  return {
    recipients,
    ...(text === undefined || text === '' ? {} : { message: text }),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

/** The recipients as the daemon will get them, or exit 2 saying which entry is wrong and why. */
export function checkRecipients(input: Pick<SendInput, 'recipients' | 'group'>): string[] {
  const list = [...input.recipients.map((recipient) => recipient.trim()), ...(input.group === undefined ? [] : [groupRecipient(input.group.trim())])];
  if (list.length === 0) throw usageError('no recipient: give one or more +E.164 numbers, UUIDs or u:name.01 usernames, or --group ID', 'invalid-recipient', 'recipients');
  const parsed = parseRecipients(list);
  if (!parsed.ok) {
    const { entry, message } = parsed.error;
    // masked: stderr of a scheduled job ends up in logs, which never hold full phone numbers
    throw usageError(entry === '' ? message : `"${maskPhoneNumbers(entry)}": ${message}`, 'invalid-recipient', 'recipients');
  }
  return list;
}

/** `--group` takes the REST id (`group.…`) or the raw signal-cli id that incoming messages show. */
function groupRecipient(value: string): string {
  if (value.startsWith('group.') || !BASE64.test(value) || value === '') return value;
  return groupIdForReply(value);
}

function attachmentLimit(env: Readonly<Record<string, string | undefined>>): number {
  const text = env['TETHER_MAX_ATTACHMENT_MB'];
  if (text === undefined || text === '') return DEFAULT_LIMIT_MB * 1024 * 1024;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 1024) throw usageError(`TETHER_MAX_ATTACHMENT_MB must be a whole number from 1 to 1024, got "${text}"`, 'invalid-setting');
  return value * 1024 * 1024;
}

async function sizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw usageError(`cannot attach ${file}: not a regular file`, 'invalid-attachment', 'attach');
    return info.size;
  } catch (error) {
    if (ExitError.isInstance(error)) throw error;
    throw usageError(`cannot attach ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'invalid-attachment', 'attach');
  }
}

async function readAttachment(file: string): Promise<AttachmentInput> {
  const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot attach ${file}: ${error.code ?? error.message}`, 'invalid-attachment', 'attach');
  });
  return { filename: path.basename(file), contentType: contentTypeOf(file), data: data.toString('base64') };
}

/** Reads the text from stdin unless it is a terminal (then there is no text, not a hang). */
async function readStdin(stdin: InputSources['stdin'], optional: boolean): Promise<string | undefined> {
  if (stdin.isTTY) {
    if (optional) return undefined;
    throw usageError('no message text: give it with -m TEXT, or pipe it in (echo hello | tether send +4915112345678)', 'empty-message', 'message');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  // `echo text |` adds a newline nobody means to send.
  return Buffer.concat(chunks).toString('utf8').replace(/(?:\r?\n)+$/, '');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp',
  '.heic': 'image/heic', '.svg': 'image/svg+xml', '.mp4': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm',
  '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4', '.aac': 'audio/aac', '.ogg': 'audio/ogg', '.opus': 'audio/opus', '.wav': 'audio/wav',
  '.pdf': 'application/pdf', '.zip': 'application/zip', '.json': 'application/json', '.txt': 'text/plain', '.csv': 'text/csv',
  '.html': 'text/html', '.md': 'text/markdown', '.vcf': 'text/vcard',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
