// The checks signal-cli-rest-api makes on `POST /v2/send` and `POST /v1/send` before it calls
// signal-cli, in its order and with its texts (R:src/api/api.go SendV2/Send, R:src/client/client.go).
// What passes becomes a draft; signal-cli's own checks run later, after the account check.
import { decodeStrictBase64, parseRestAttachment, StreamedAttachment } from './attachments.js';
import { bindGoJson, bindParsed, encodedList, encodedOne, flag, integer, struct, text, texts, type Bound, type Fields } from './go-json.js';
import { classifyRestRecipients, resolveRecipients, resolveSingle, type Checked } from './rest-recipients.js';
import { readRichContent, type RichResult } from './rich-content.js';
import type { OutgoingAttachment } from '@tether/signal-transport';

export interface SendDraft {
  readonly number: string;
  readonly message: string;
  readonly attachments: readonly { readonly attachment: OutgoingAttachment; readonly size: number }[];
  /** signal-cli's recipient checks; run only once the account is known to be ours. */
  readonly resolve: () => Checked<string[]>;
  /** Styled text, mentions and a quote (queued like text), or signal-cli's refusal of them. */
  readonly content: RichResult;
  /** Features the outbox cannot carry: such a request is forwarded as it is, not queued. */
  readonly rich: readonly string[];
  /** The parsed body, for forwarding (parsed again only then: bodies can be large). */
  readonly body: () => Promise<unknown>;
}

export type DraftResult = { readonly ok: true; readonly draft: SendDraft } | { readonly ok: false; readonly error: string };

const mention: Fields = { start: 'int', length: 'int', author: 'string' };

const V2: Fields = {
  number: 'string',
  recipients: { list: 'string' },
  recipient: 'string',
  message: 'string',
  base64_attachments: { list: 'string' },
  sticker: 'string',
  mentions: { list: { fields: mention } },
  quote_timestamp: 'int',
  quote_author: 'string',
  quote_message: 'string',
  quote_mentions: { list: { fields: mention } },
  text_mode: 'string',
  edit_timestamp: 'int',
  notify_self: 'bool',
  link_preview: { fields: { url: 'string', title: 'string', description: 'string', base64_thumbnail: 'string' } },
  view_once: 'bool',
};

const V1: Fields = { number: 'string', recipients: { list: 'string' }, message: 'string', base64_attachment: 'string', is_group: 'bool' };

export const INVALID_REQUEST = "Couldn't process request - invalid request";

/** A body as text, or parsed as it streamed in (its attachments read into the blob store). */
export type SendBody = string | { readonly parsed: unknown };

export function parseSendV2(body: SendBody): DraftResult {
  const request = bind(body, V2);
  if (request === undefined) return refuse(INVALID_REQUEST);
  const recipients = texts(request, 'recipients');
  if (text(request, 'recipient') !== '') recipients.push(text(request, 'recipient'));
  const number = text(request, 'number');
  const encoded = encodedList(request, 'base64_attachments');
  if (recipients.length === 0) return refuse("Couldn't process request - please provide at least one recipient");
  if (number === '') return refuse("Couldn't process request - please provide a valid number");
  const sticker = text(request, 'sticker');
  if (sticker !== '' && !sticker.includes(':')) return refuse("Couldn't process request - please provide valid sticker delimiter");
  if (flag(request, 'view_once') === true && encoded.length === 0) return refuse("'view_once' can only be set for image attachments!");
  const classified = classifyRestRecipients(recipients);
  if (!classified.ok) return refuse(classified.error);
  const message = text(request, 'message');
  const preview = struct(request, 'link_preview');
  const previewError = preview === undefined ? undefined : linkPreviewError(message, preview);
  if (previewError !== undefined) return refuse(previewError);
  const thumbnail = preview === undefined ? '' : text(preview, 'base64_thumbnail');
  const attachments = decodeAll(thumbnail === '' ? encoded : [...encoded, thumbnail]);
  if (!Array.isArray(attachments)) return refuse(attachments.error);
  const draft: SendDraft = {
    number,
    message,
    attachments: attachments.slice(0, encoded.length),
    resolve: () => resolveRecipients(classified.value),
    content: readRichContent(request),
    rich: richFeatures(request),
    body: forwardBody(body),
  };
  return { ok: true, draft };
}

export function parseSendV1(body: SendBody): DraftResult {
  const request = bind(body, V1);
  if (request === undefined) return refuse(INVALID_REQUEST);
  const recipients = texts(request, 'recipients');
  if (recipients.length === 0) return refuse('Please specify at least one recipient');
  const isGroup = flag(request, 'is_group') === true;
  if (isGroup && recipients.length > 1) return refuse('More than one recipient is currently not allowed');
  const encoded = encodedOne(request, 'base64_attachment');
  const attachments = decodeAll(encoded === undefined ? [] : [encoded]);
  if (!Array.isArray(attachments)) return refuse(attachments.error);
  let resolve = (): Checked<string[]> => resolveEach(recipients);
  if (isGroup) {
    const rawId = decodeStrictBase64(recipients[0] ?? '');
    if (typeof rawId === 'number') return refuse('Invalid group id');
    resolve = () => resolveV1Group(rawId.toString('latin1'));
  }
  const draft = { number: text(request, 'number'), message: text(request, 'message'), attachments, resolve, content: { ok: true, content: {} } as const, rich: [], body: forwardBody(body) };
  return { ok: true, draft };
}

function resolveEach(recipients: readonly string[]): Checked<string[]> {
  const resolved: string[] = [];
  for (const recipient of recipients) {
    const single = resolveSingle(recipient);
    if (!single.ok) return single;
    resolved.push(single.value);
  }
  return { ok: true, value: resolved };
}

/** signal-cli takes 16- and 32-byte group ids. */
function resolveV1Group(rawId: string): Checked<string[]> {
  const bytes = decodeStrictBase64(rawId);
  if (typeof bytes === 'number' || (bytes.length !== 16 && bytes.length !== 32)) {
    const reason = typeof bytes === 'number' ? 'Illegal base64 character' : `Invalid group id of size ${bytes.length}`;
    return { ok: false, error: `Invalid group id: Failed to decode groupId (must be base64) "${rawId}": ${reason}` };
  }
  return { ok: true, value: [`group.${Buffer.from(rawId, 'latin1').toString('base64')}`] };
}

function linkPreviewError(message: string, preview: Bound): string | undefined {
  const url = text(preview, 'url');
  if (url === '') return 'Please provide a valid Link Preview URL';
  if (!url.startsWith('https')) return 'Link Preview URL must start with https://..';
  if (text(preview, 'title') === '') return 'Please provide a valid Link Preview Title';
  if (!message.includes(url)) return 'Link Preview URL is missing in the message!';
  return undefined;
}

function bind(body: SendBody, fields: Fields): Bound | undefined {
  return typeof body === 'string' ? bindGoJson(body, fields) : bindParsed(body.parsed, fields);
}

/** The body to forward: parsed again from text, or with each streamed attachment written out again. */
function forwardBody(body: SendBody): () => Promise<unknown> {
  return typeof body === 'string' ? async () => JSON.parse(body) as unknown : () => inflate(body.parsed);
}

async function inflate(value: unknown): Promise<unknown> {
  if (value instanceof StreamedAttachment) return value.text();
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await inflate(item));
    return items;
  }
  if (typeof value !== 'object' || value === null) return value;
  const object: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) object[key] = await inflate(item);
  return object;
}

function decodeAll(values: readonly (string | StreamedAttachment)[]): { attachment: OutgoingAttachment; size: number }[] | { error: string } {
  const decoded: { attachment: OutgoingAttachment; size: number }[] = [];
  for (const value of values) {
    const parsed = value instanceof StreamedAttachment ? value.result : parseRestAttachment(value);
    if (!parsed.ok) return { error: parsed.error };
    decoded.push({ attachment: parsed.attachment, size: parsed.size });
  }
  return decoded;
}

/** What the outbox cannot carry yet; styled text, mentions and quotes it can (rich-content.ts). */
function richFeatures(request: Bound): string[] {
  const features: [string, boolean][] = [
    ['sticker', text(request, 'sticker') !== ''],
    ['edit', integer(request, 'edit_timestamp') !== undefined],
    ['link preview', struct(request, 'link_preview') !== undefined],
    ['view once', flag(request, 'view_once') === true],
  ];
  return features.filter(([, used]) => used).map(([name]) => name);
}

function refuse(error: string): DraftResult {
  return { ok: false, error };
}
