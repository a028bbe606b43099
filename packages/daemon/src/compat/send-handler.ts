// `POST /v2/send` and `/v1/send`: the real API's checks, then the durable outbox. In `wait` mode
// the answer waits (up to TETHER_COMPAT_WAIT_MS) for Signal to accept the message and carries
// Signal's timestamp; otherwise it is 201 with Tether's provisional timestamp once committed.
import { parseRecipients, type OutgoingMessage } from '@tether/signal-transport';
import { ApiError } from '../api/http-util.js';
import { messageHash } from '../api/message-input.js';
import type { DaemonLogger } from '../logger.js';
import { forward } from './backend-forward.js';
import type { CompatGateway } from './compat-gateway.js';
import { errorAnswer, type Answer } from './http-io.js';
import { parseSendV1, parseSendV2, type SendDraft } from './send-request.js';
import type { SendWaiter } from './send-waiter.js';

export const ACCOUNT_MISSING = 'Specified account does not exist';
const EMPTY_MESSAGE = 'Sending empty message is not allowed, either a message, attachment or sticker must be given.';

export interface SendContext {
  readonly gateway: CompatGateway;
  readonly waiter: SendWaiter;
  readonly logger: DaemonLogger;
}

export interface SendCall {
  readonly version: 'v1' | 'v2';
  readonly body: string;
  readonly idempotencyKey: string | undefined;
  /** Aborted when the client goes away: stop waiting. */
  readonly signal: AbortSignal;
}

export async function handleSend(call: SendCall, context: SendContext): Promise<Answer> {
  const { gateway } = context;
  const parsed = call.version === 'v2' ? parseSendV2(call.body) : parseSendV1(call.body);
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  const draft = parsed.draft;
  if (draft.number !== gateway.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  if (draft.rich.length > 0) return forward(gateway, { kind: 'send', body: draft.body(), features: draft.rich }, call.signal);
  const message = outgoing(draft, gateway.settings.maxAttachmentMb);
  if (typeof message === 'string') return errorAnswer(400, message);
  let submitted: Awaited<ReturnType<CompatGateway['submit']>>;
  try {
    submitted = await gateway.submit({ message, hash: messageHash(message, undefined) }, call.idempotencyKey);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // An outbox that is full (507 on the control API) means "not accepted, try again later" here.
    return errorAnswer(error.status === 507 ? 503 : error.status, error.message);
  }
  const { id } = submitted.message;
  const waitMs = gateway.settings.compatSend === 'wait' ? gateway.settings.compatWaitMs : 0;
  const result = await context.waiter.wait(id, waitMs, call.signal);
  context.logger.debug({ id, version: call.version, mode: gateway.settings.compatSend, outcome: result.kind }, 'compat send answered');
  const headers = { 'x-tether-message-id': id, 'x-tether-send': result.kind === 'sent' ? 'sent' : result.kind === 'failed' ? 'failed' : 'queued' };
  if (result.kind === 'failed') return { ...errorAnswer(400, result.error), headers };
  const timestamp = result.kind === 'sent' ? result.signalTimestamp : Date.parse(submitted.message.createdAt);
  return { status: 201, body: { timestamp: String(timestamp) }, headers };
}

/** signal-cli's checks (recipients, then content) and Tether's limits; a string is the refusal. */
function outgoing(draft: SendDraft, maxAttachmentMb: number): OutgoingMessage | string {
  const resolved = draft.resolve();
  if (!resolved.ok) return resolved.error;
  if (draft.message === '' && draft.attachments.length === 0) return EMPTY_MESSAGE;
  const size = draft.attachments.reduce((total, entry) => total + entry.size, 0);
  if (size > maxAttachmentMb * 1024 * 1024) return `Couldn't process request - the attachments exceed ${maxAttachmentMb} MiB (TETHER_MAX_ATTACHMENT_MB)`;
  // The outbox's own grammar is the last word; signal-cli's stage above makes a refusal here rare.
  const checked = parseRecipients(resolved.value);
  if (!checked.ok) return checked.error.message;
  return {
    recipients: resolved.value,
    ...(draft.message === '' ? {} : { message: draft.message }),
    ...(draft.attachments.length > 0 ? { attachments: draft.attachments.map((entry) => entry.attachment) } : {}),
  };
}
