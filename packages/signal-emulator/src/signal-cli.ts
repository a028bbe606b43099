// The emulated signal-cli behind both backends: its accounts, their sends (validated as signal-cli
// validates them, then met by queued faults), its groups and its rate-limit challenges. Each
// backend translates its wire format into these calls and the answers back.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonRpcAttachment, type AttachmentSummary } from './attachments.js';
import type { GroupRegistry } from './groups.js';
import {
  resolveRecipients,
  successResults,
  type RecipientInput,
  type SendMessageResult,
} from './recipients.js';
import { SendFaultQueue, type SendFault } from './send-faults.js';
import type { BackendKind, SentLog } from './sent-log.js';
import { errorCodes, jsonRpcErrorForRest, messages, type SignalCliError } from './signal-cli-error.js';

export type SignalCliState = 'up' | 'down' | 'starting';

export interface SendRequest extends RecipientInput {
  backend: BackendKind;
  /** The sending account. @default the default account */
  account?: string;
  message?: string | null;
  /** Attachments the REST layer already decoded into temp files. */
  attachments?: readonly AttachmentSummary[];
  /** JSON-RPC `attachment` strings (data URIs or paths), read only once the request is valid. */
  attachmentStrings?: readonly string[];
  sticker?: string;
  quote?: { timestamp: number; author?: string };
  mentions?: readonly string[];
  textStyles?: readonly string[];
}

export type SendOutcome =
  | { ok: true; timestamp: number; results: SendMessageResult[] }
  | { ok: false; error: SignalCliError };

export interface SubmittedChallenge {
  token: string;
  captcha: string;
}

/** How Signal refuses a de-authorised account: HTTP 401 or 403 (libsignal-service's DefaultErrorMapper). */
export type UnauthorizedStatus = 401 | 403;

const textStyles = new Set(['NONE', 'ITALIC', 'BOLD', 'SPOILER', 'STRIKETHROUGH', 'MONOSPACE']);

export class SignalCli {
  state: SignalCliState = 'up';
  latencyMs = 0;
  readonly faults = new SendFaultQueue();
  readonly challenges: SubmittedChallenge[] = [];
  /** Accounts Signal refuses (de-authorised), with the status it answers. */
  readonly unauthorized = new Map<string, UnauthorizedStatus>();
  readonly accounts: readonly string[];
  #lastTimestamp = 0;

  constructor(
    accounts: string | readonly string[],
    readonly clock: () => number,
    readonly sentLog: SentLog,
    readonly groups: GroupRegistry,
  ) {
    this.accounts = typeof accounts === 'string' ? [accounts] : [...accounts];
  }

  /** The default account: the first one. */
  get account(): string {
    return this.accounts[0] as string;
  }

  /** Strictly increasing, so every message and envelope has its own id. */
  nextTimestamp(): number {
    this.#lastTimestamp = Math.max(Math.floor(this.clock()), this.#lastTimestamp + 1);
    return this.#lastTimestamp;
  }

  /**
   * Multi-account daemon rules (S:…/jsonrpc/SignalJsonRpcCommandHandler.java:101-139): a named
   * account must be loaded; without one, a command runs only when exactly one account is.
   */
  checkAccount(account: string | undefined): SignalCliError | undefined {
    if (account !== undefined && (this.state === 'starting' || !this.accounts.includes(account))) {
      return { code: errorCodes.invalidParams, message: messages.accountMissing, data: null };
    }
    if (account === undefined && (this.state === 'starting' || this.accounts.length > 1)) {
      return { code: errorCodes.invalidParams, message: messages.accountRequired, data: null };
    }
    return undefined;
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const outcome = this.#evaluate(request);
    // A hung send never answers; the caller's request stays open until its connection dies.
    if (outcome === 'hang') return new Promise<never>(() => undefined);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return outcome;
  }

  /** Typing indicators, receipts and reactions: validated like a send, never faulted. */
  action(input: RecipientInput, account: string = this.account): SendOutcome {
    const resolved = resolveRecipients(input, account);
    if (!resolved.ok) return resolved;
    return { ok: true, timestamp: this.nextTimestamp(), results: successResults(resolved.value, this.groups, account) };
  }

  submitChallenge(token: string, captcha: string): void {
    this.challenges.push({ token, captcha });
    this.faults.liftRateLimit(token);
  }

  #evaluate(request: SendRequest): SendOutcome | 'hang' {
    const account = request.account ?? this.account;
    const resolved = resolveRecipients(request, account);
    if (!resolved.ok) return resolved;
    const invalid = validateContent(request);
    if (invalid !== undefined) return { ok: false, error: invalid };
    const attachments = [...(request.attachments ?? [])];
    for (const value of request.attachmentStrings ?? []) {
      const parsed = parseJsonRpcAttachment(value);
      if (!parsed.ok) return { ok: false, error: unexpectedError(parsed.error) };
      attachments.push(parsed.attachment);
    }
    const refusedWith = this.unauthorized.get(account);
    if (refusedWith !== undefined) return { ok: false, error: unauthorizedError(refusedWith) };
    const fault = this.faults.take();
    const timestamp = this.nextTimestamp();
    const results = successResults(resolved.value, this.groups, account);
    if (fault === undefined || fault.deliver) {
      const groupId = resolved.value.groupIds[0];
      this.sentLog.add({
        backend: request.backend,
        account,
        timestamp,
        recipients: resolved.value.singles.map((single) => single.identifier),
        ...(groupId === undefined ? {} : { groupId }),
        message: request.message === undefined || request.message === null || request.message === '' ? null : request.message,
        attachments,
        receivedAt: this.clock(),
      });
    }
    if (fault === undefined) return { ok: true, timestamp, results };
    if (fault.kind === 'hang') return 'hang';
    return { ok: false, error: faultError(fault, timestamp, results) };
  }
}

function faultError(fault: Exclude<SendFault, { kind: 'hang' }>, timestamp: number, results: SendMessageResult[]): SignalCliError {
  if (fault.kind === 'rate-limit') {
    const failed = results.map((result) => ({
      ...result,
      type: 'RATE_LIMIT_FAILURE' as const,
      ...(fault.challengeToken === undefined ? {} : { token: fault.challengeToken }),
      ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
    }));
    return { code: errorCodes.rateLimit, message: messages.rateLimited, data: { response: { timestamp, results: failed } } };
  }
  if (fault.jsonRpcError !== undefined) return { ...fault.jsonRpcError, data: fault.jsonRpcError.data ?? null };
  const rest = fault.rest ?? { status: 400, body: { error: messages.failed } };
  return { ...jsonRpcErrorForRest(rest, results.map((result) => result.recipientAddress)), rest };
}

/** SendCommand's checks, in its order. */
function validateContent(request: SendRequest): SignalCliError | undefined {
  for (const mention of request.mentions ?? []) {
    if (!/^\d+:\d+:.+$/.test(mention)) {
      return userError(`Invalid mention syntax (${mention}) expected 'start:length:recipientNumber'`);
    }
  }
  for (const style of request.textStyles ?? []) {
    const match = /^\d+:\d+:(.+)$/.exec(style);
    if (match === null) return userError(`Invalid textStyle syntax (${style}) expected 'start:length:STYLE'`);
    if (!textStyles.has(match[1]?.toUpperCase() ?? '')) return userError(`Invalid style: ${match[1] ?? ''}`);
  }
  if (request.quote !== undefined && request.quote.author === undefined) return userError('Quote author parameter is missing');
  const empty = (request.message ?? '') === '' && (request.attachments ?? []).length === 0 && (request.attachmentStrings ?? []).length === 0;
  if (empty && request.sticker === undefined && request.quote === undefined) return userError(messages.emptyMessage);
  return undefined;
}

/**
 * A send of a de-authorised account, where Signal's 401/403 reaches SendCommand as an IOException
 * (attachment upload, S:…/commands/SendCommand.java:265-273): libsignal-service's
 * AuthorizationFailedException says "[401] Authorization failed!" (DefaultErrorMapper), and the
 * JSON-RPC layer adds the UnexpectedErrorException's class (SignalJsonRpcCommandHandler.java:267-271).
 */
export function unauthorizedError(status: UnauthorizedStatus): SignalCliError {
  return unexpectedError(`Failed to send message: [${status}] Authorization failed! (AuthorizationFailedException)`);
}

/** UnexpectedErrorException → -32603 with the class name appended, `data` null (nothing was written). */
function unexpectedError(message: string): SignalCliError {
  return { code: errorCodes.internal, message: `${message} (UnexpectedErrorException)`, data: null };
}

function userError(message: string): SignalCliError {
  return { code: errorCodes.user, message, data: null };
}
