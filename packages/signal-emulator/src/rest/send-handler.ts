// POST /v2/send and the deprecated POST /v1/send, checked in the order signal-cli-rest-api checks
// them (R:src/api/api.go SendV2, R:src/client/client.go SendV2/send), then passed to signal-cli.
import { decodeGoBase64, parseRestAttachment, type AttachmentSummary } from '../attachments.js';
import { restAnswerForOther, restAnswerForSend, type RestAnswer } from '../signal-cli-error.js';
import type { SendOutcome, SendRequest } from '../signal-cli.js';
import { blockedBySignalCli } from './account-handlers.js';
import { bindGoJson, optionalBool, optionalInt, stringField, stringList, structField, type Bound, type StructSpec } from './go-json.js';
import { classifyRestRecipients, type RestRecipients } from './rest-recipients.js';
import type { RouteContext } from './rest-routes.js';
import { parseStyledText } from './styled-text.js';

export type SendResponseShape = '0.100' | 'master';

const invalidRequest: RestAnswer = { status: 400, body: { error: "Couldn't process request - invalid request" } };
const mention = { object: { start: 'int', length: 'int', author: 'string' } } as const;

export const sendV2Spec: StructSpec = {
  number: 'string',
  recipients: { array: 'string' },
  recipient: 'string',
  message: 'string',
  base64_attachments: { array: 'string' },
  sticker: 'string',
  mentions: { array: mention },
  quote_timestamp: 'int',
  quote_author: 'string',
  quote_message: 'string',
  quote_mentions: { array: mention },
  text_mode: 'string',
  edit_timestamp: 'int',
  notify_self: 'bool',
  link_preview: { object: { url: 'string', title: 'string', description: 'string', base64_thumbnail: 'string' } },
  view_once: 'bool',
};

const sendV1Spec: StructSpec = {
  number: 'string',
  recipients: { array: 'string' },
  message: 'string',
  base64_attachment: 'string',
  is_group: 'bool',
};

/** `undefined` = never answer (signal-cli is down and the REST server waits forever). */
export async function handleSendV2(body: string, context: RouteContext, shape: SendResponseShape): Promise<RestAnswer | undefined> {
  const bound = bindGoJson(body, sendV2Spec);
  if (!bound.ok) return invalidRequest;
  const request = bound.value;
  const recipients = stringList(request, 'recipients');
  if (stringField(request, 'recipient') !== '') recipients.push(stringField(request, 'recipient'));
  const number = stringField(request, 'number');
  const attachments = stringList(request, 'base64_attachments');
  if (recipients.length === 0) return badRequest("Couldn't process request - please provide at least one recipient");
  if (number === '') return badRequest("Couldn't process request - please provide a valid number");
  const sticker = stringField(request, 'sticker');
  if (sticker !== '' && !sticker.includes(':')) return badRequest("Couldn't process request - please provide valid sticker delimiter");
  if (optionalBool(request, 'view_once') === true && attachments.length === 0) {
    return badRequest("'view_once' can only be set for image attachments!");
  }
  const classified = classifyRestRecipients(recipients);
  if (!classified.ok) return badRequest(classified.error);
  let message = stringField(request, 'message');
  const previewError = checkLinkPreview(message, structField(request, 'link_preview'));
  if (previewError !== undefined) return badRequest(previewError);
  let textStyles: string[] = [];
  if (stringField(request, 'text_mode') === 'styled') ({ message, textStyles } = parseStyledText(message));
  const decoded = decodeAttachments([...attachments, ...thumbnail(request)]);
  if (!Array.isArray(decoded)) return decoded;
  const outcome = await forward(context, number, {
    backend: 'rest',
    ...recipientFields(classified.value),
    message,
    attachments: decoded.slice(0, attachments.length),
    ...(sticker === '' ? {} : { sticker }),
    ...quoteField(request),
    mentions: mentionStrings(request, 'mentions'),
    textStyles,
  });
  if (outcome === undefined || 'status' in outcome) return outcome;
  if (!outcome.ok) return restAnswerForSend(outcome.error, number);
  const timestamp = String(outcome.timestamp);
  if (shape === '0.100') return { status: 201, body: { timestamp } };
  const failures = outcome.results.filter((result) => result.type !== 'SUCCESS');
  const errors = failures.map(({ recipientAddress: address, type }) => ({
    ...(address.username === null ? {} : { username: address.username }),
    ...(address.number === null ? {} : { number: address.number }),
    ...(address.uuid === null ? {} : { uuid: address.uuid }),
    reason: type,
  }));
  return { status: 201, body: [{ timestamp, ...(errors.length > 0 ? { errors: { recipients: errors } } : {}) }] };
}

export async function handleSendV1(body: string, context: RouteContext): Promise<RestAnswer | undefined> {
  const bound = bindGoJson(body, sendV1Spec);
  if (!bound.ok) return invalidRequest;
  const recipients = stringList(bound.value, 'recipients');
  if (recipients.length === 0) return badRequest('Please specify at least one recipient');
  const isGroup = optionalBool(bound.value, 'is_group') === true;
  if (isGroup && recipients.length > 1) return badRequest('More than one recipient is currently not allowed');
  const rawAttachment = stringField(bound.value, 'base64_attachment');
  const decoded = decodeAttachments(rawAttachment === '' ? [] : [rawAttachment]);
  if (!Array.isArray(decoded)) return decoded;
  let groupId: string | undefined;
  if (isGroup) {
    const decodedId = decodeGoBase64(recipients[0] ?? '');
    if (typeof decodedId === 'number') return badRequest('Invalid group id');
    groupId = decodedId.toString('latin1');
  }
  const number = stringField(bound.value, 'number');
  const outcome = await forward(context, number, {
    backend: 'rest',
    ...(groupId === undefined ? { recipients } : { groupIds: [groupId] }),
    message: stringField(bound.value, 'message'),
    attachments: decoded,
  });
  if (outcome === undefined || 'status' in outcome) return outcome;
  // v1 has no rate-limit branch: every signal-cli error is a plain 400.
  return outcome.ok ? { status: 201, body: { timestamp: String(outcome.timestamp) } } : restAnswerForOther(outcome.error);
}

/** Passes a validated send to signal-cli: undefined = never answered, a RestAnswer = REST's own failure. */
async function forward({ signalCli, link }: RouteContext, number: string, request: SendRequest): Promise<SendOutcome | RestAnswer | undefined> {
  const blocked = blockedBySignalCli(signalCli, link);
  if (blocked !== undefined) return blocked === 'hang' ? undefined : blocked;
  const accountError = signalCli.checkAccount(number);
  if (accountError !== undefined) return { ok: false, error: accountError };
  const generation = link.generation;
  const outcome = await signalCli.send({ ...request, account: number });
  // Written to a signal-cli that has died since: its answer channel is orphaned for good.
  return link.generation === generation ? outcome : undefined;
}

function recipientFields(recipients: RestRecipients): Pick<SendRequest, 'groupIds' | 'usernames' | 'recipients'> {
  if (recipients.kind === 'group') return { groupIds: [recipients.groupId] };
  if (recipients.kind === 'usernames') return { usernames: recipients.usernames };
  return { recipients: recipients.numbers };
}

function checkLinkPreview(message: string, preview: Bound | undefined): string | undefined {
  if (preview === undefined) return undefined;
  const url = stringField(preview, 'url');
  if (url === '') return 'Please provide a valid Link Preview URL';
  if (!url.startsWith('https')) return 'Link Preview URL must start with https://..';
  if (stringField(preview, 'title') === '') return 'Please provide a valid Link Preview Title';
  if (!message.includes(url)) return 'Link Preview URL is missing in the message!';
  return undefined;
}

function thumbnail(request: Bound): string[] {
  const preview = structField(request, 'link_preview');
  const image = preview === undefined ? '' : stringField(preview, 'base64_thumbnail');
  return image === '' ? [] : [image];
}

function decodeAttachments(values: readonly string[]): AttachmentSummary[] | RestAnswer {
  const attachments: AttachmentSummary[] = [];
  for (const value of values) {
    const parsed = parseRestAttachment(value);
    if (!parsed.ok) return badRequest(parsed.error);
    attachments.push(parsed.attachment);
  }
  return attachments;
}

/** REST passes quote-timestamp, -author, -message and -mentions on as given (R:src/client/client.go:585-595). */
function quoteField(request: Bound): Pick<SendRequest, 'quote'> {
  const timestamp = optionalInt(request, 'quote_timestamp');
  if (timestamp === undefined) return {};
  const author = request['quote_author'];
  const message = request['quote_message'];
  const mentions = mentionStrings(request, 'quote_mentions');
  return {
    quote: {
      timestamp,
      ...(typeof author === 'string' ? { author } : {}),
      ...(typeof message === 'string' ? { message } : {}),
      // an empty list is left out (Go's omitempty)
      ...(mentions.length > 0 ? { mentions } : {}),
    },
  };
}

function mentionStrings(request: Bound, key: string): string[] {
  const mentions = request[key];
  if (!Array.isArray(mentions)) return [];
  return mentions.map((item) => {
    const entry = typeof item === 'object' && !Array.isArray(item) ? item : {};
    return `${optionalInt(entry, 'start') ?? 0}:${optionalInt(entry, 'length') ?? 0}:${stringField(entry, 'author')}`;
  });
}

function badRequest(error: string): RestAnswer {
  return { status: 400, body: { error } };
}
