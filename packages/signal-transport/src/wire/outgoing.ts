// The outgoing message and the two request shapes it becomes: the REST API's `/v2/send` body and
// signal-cli's JSON-RPC `send` params. Attachments travel inline as data URIs, never as paths.

import { parseRecipients, type RecipientError, type RecipientTarget } from './recipients.js';

export interface OutgoingAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** The file's bytes in base64. */
  readonly data: string;
}

export interface OutgoingMessage {
  readonly recipients: readonly string[];
  readonly message?: string;
  readonly attachments?: readonly OutgoingAttachment[];
}

export interface RestSendBody {
  readonly number: string;
  readonly recipients: readonly string[];
  readonly message: string;
  readonly base64_attachments?: readonly string[];
  /** Pinned, so a server-wide DEFAULT_SIGNAL_TEXT_MODE=styled cannot reinterpret `*text*`. */
  readonly text_mode: 'normal';
  /** The REST API defaults to true; false matches signal-cli's own default on JSON-RPC. */
  readonly notify_self: false;
}

export interface JsonRpcSendParams {
  readonly account: string;
  readonly recipient?: readonly string[];
  readonly username?: readonly string[];
  /** signal-cli's raw group id (the REST id decoded). */
  readonly groupId?: string;
  readonly message?: string;
  readonly attachments?: readonly string[];
}

export type BuildResult<Body> =
  | { readonly ok: true; readonly body: Body }
  | { readonly ok: false; readonly error: RecipientError };

/** The `/v2/send` body. The REST API takes `group.…` ids and bare usernames in `recipients`. */
export function restSendBody(account: string, message: OutgoingMessage): BuildResult<RestSendBody> {
  const parsed = parseRecipients(message.recipients);
  if (!parsed.ok) return parsed;
  const attachments = message.attachments ?? [];
  return {
    ok: true,
    body: {
      number: account,
      recipients: wireRecipients(parsed.target),
      // Required by the REST API even when only attachments are sent.
      message: message.message ?? '',
      ...(attachments.length > 0 ? { base64_attachments: attachments.map((attachment) => attachmentDataUri(attachment, 'rest')) } : {}),
      text_mode: 'normal',
      notify_self: false,
    },
  };
}

/** The JSON-RPC `send` params: `recipient`, `username` or the raw `groupId`, as signal-cli expects. */
export function jsonRpcSendParams(account: string, message: OutgoingMessage): BuildResult<JsonRpcSendParams> {
  const parsed = parseRecipients(message.recipients);
  if (!parsed.ok) return parsed;
  const target = parsed.target;
  const attachments = message.attachments ?? [];
  const to =
    target.kind === 'group'
      ? { groupId: target.rawGroupId }
      : target.recipients[0]?.kind === 'username'
        ? { username: wireRecipients(target) }
        : { recipient: wireRecipients(target) };
  return {
    ok: true,
    body: {
      account,
      ...to,
      ...(message.message === undefined ? {} : { message: message.message }),
      ...(attachments.length > 0 ? { attachments: attachments.map((attachment) => attachmentDataUri(attachment, 'jsonrpc')) } : {}),
    },
  };
}

function wireRecipients(target: RecipientTarget): string[] {
  return target.kind === 'group' ? [target.groupId] : target.recipients.map((recipient) => recipient.value);
}

const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

/**
 * `data:<MIME>;filename=<NAME>;base64,<DATA>`, as each backend reads it. signal-cli-rest-api splits
 * the metadata on `;` and names its temp file with the rest verbatim (R:src/client/attachment.go:
 * 38-66, 100), so the name goes raw, with `;` replaced. signal-cli URL-decodes the name (`+` is a
 * space, a stray `%` makes the whole URI a file path that does not exist; S:lib/…/util/DataURI.java),
 * so for JSON-RPC it is percent-encoded. Path separators and control characters become `_` on
 * both (a name of dots alone is left out), the name is kept within a file system's 255 bytes,
 * MIME parameters are dropped and whitespace inside the base64 (line-wrapped input) is removed.
 */
export function attachmentDataUri(attachment: OutgoingAttachment, backend: 'rest' | 'jsonrpc'): string {
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
