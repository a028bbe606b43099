// `POST /v2/send` and `/v1/send`: the real API's checks, then the durable outbox. In `wait` mode
// the answer waits (up to TETHER_COMPAT_WAIT_MS) for Signal to accept the message and carries
// Signal's timestamp; otherwise it is 201 with Tether's provisional timestamp once committed.
import type { Logger } from '@tether/core';
import { parseRecipients, type OutgoingMessage } from '@tether/signal-transport';
import { AppError } from '../app/errors.js';
import type { MessageRecord } from '../app/ports.js';
import { httpStatus } from '../http/status-codes.js';
import { forward } from './backend-forward.js';
import { errorAnswer, type Answer } from './http-io.js';
import type { CompatPort } from './port.js';
import { visibleText } from './rich-content.js';
import { parseSendV1, parseSendV2, type SendBody, type SendDraft } from './send-request.js';
import type { SendWaiter } from './send-waiter.js';

export const ACCOUNT_MISSING = 'Specified account does not exist';
const EMPTY_MESSAGE = 'Sending empty message is not allowed, either a message, attachment or sticker must be given.';

export interface SendContext {
  readonly port: CompatPort;
  readonly waiter: SendWaiter;
  readonly logger: Logger;
}

export interface SendCall {
  readonly version: 'v1' | 'v2';
  readonly body: SendBody;
  readonly idempotencyKey: string | undefined;
  /** Aborted when the client goes away: stop waiting. */
  readonly signal: AbortSignal;
}

export async function handleSend(call: SendCall, context: SendContext): Promise<Answer> {
  const { port } = context;
  const parsed = call.version === 'v2' ? parseSendV2(call.body) : parseSendV1(call.body);
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  const draft = parsed.draft;
  if (draft.number !== port.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  if (draft.rich.length > 0) return forward(port, { kind: 'send', body: await draft.body(), features: draft.rich }, call.signal);
  const message = outgoing(draft, port.settings.maxAttachmentMb);
  if (typeof message === 'string') return errorAnswer(400, message);
  let submitted: MessageRecord;
  try {
    submitted = await port.submit(message, call.idempotencyKey);
  } catch (error) {
    if (!AppError.isInstance(error)) throw error;
    return errorAnswer(compatStatus(error), error.message);
  }
  const { id } = submitted;
  const waitMs = port.settings.compatSend === 'wait' ? port.settings.compatWaitMs : 0;
  const result = await context.waiter.wait(id, waitMs, call.signal);
  context.logger.debug({ id, version: call.version, mode: port.settings.compatSend, outcome: result.kind }, 'compat send answered');
  const headers = { 'x-tether-message-id': id, 'x-tether-send': result.kind === 'sent' ? 'sent' : result.kind === 'failed' ? 'failed' : 'queued' };
  if (result.kind === 'failed') return { ...errorAnswer(400, result.error), headers };
  const timestamp = result.kind === 'sent' ? result.signalTimestamp : submitted.createdAt;
  return { status: 201, body: { timestamp: String(timestamp) }, headers };
}

/**
 * The real API never answers a send with 507: a full outbox, like a daemon shutting down, means
 * "not accepted, try again later", which its clients know as 503.
 */
export function compatStatus(error: AppError): number {
  return error.code === 'outbox-full' || error.code === 'shutting-down' || error.code === 'busy' || error.code === 'storage-failed' ? 503 : httpStatus(error.code);
}

/** signal-cli's checks (recipients, then content) and Tether's limits; a string is the refusal. */
function outgoing(draft: SendDraft, maxAttachmentMb: number): OutgoingMessage | string {
  const resolved = draft.resolve();
  if (!resolved.ok) return resolved.error;
  if (!draft.content.ok) return draft.content.error;
  const { content } = draft.content;
  // signal-cli sees the text once REST stripped its style markers; a quote is content of its own.
  if (visibleText(draft.message, content) === '' && draft.attachments.length === 0 && content.quote === undefined) return EMPTY_MESSAGE;
  const size = draft.attachments.reduce((total, entry) => total + entry.size, 0);
  if (size > maxAttachmentMb * 1024 * 1024) return `Couldn't process request - the attachments exceed ${maxAttachmentMb} MiB (TETHER_MAX_ATTACHMENT_MB)`;
  // The outbox's own grammar is the last word; signal-cli's stage above makes a refusal here rare.
  const checked = parseRecipients(resolved.value);
  if (!checked.ok) return checked.error.message;
  return {
    recipients: resolved.value,
    ...(draft.message === '' ? {} : { message: draft.message }),
    ...(draft.attachments.length > 0 ? { attachments: draft.attachments.map((entry) => entry.attachment) } : {}),
    ...content,
  };
}
