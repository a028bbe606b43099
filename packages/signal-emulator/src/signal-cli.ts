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
import type { BackendKind, SentLog, SentQuote, SentRecord } from './sent-log.js';
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
  quote?: SentQuote;
  mentions?: readonly string[];
  textStyles?: readonly string[];
}

export type SendOutcome =
  | { ok: true; timestamp: number; results: SendMessageResult[] }
  | { ok: false; error: SignalCliError };

/** A send held without an answer: what it will answer, and its record if it was not delivered yet. */
interface HungSend {
  readonly answer: Extract<SendOutcome, { ok: true }>;
  readonly record?: () => void;
}

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
  #hung: (HungSend & { resolve: (outcome: SendOutcome) => void })[] = [];

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
    // A hung send answers only if `answerHung` is called; its request stays open until then or
    // until its connection dies (whoever reads the answer checks the connection is still there).
    if ('hang' in outcome) return new Promise<SendOutcome>((resolve) => this.#hung.push({ ...outcome.hang, resolve }));
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return outcome;
  }

  /**
   * Answers every hung send as accepted, recording those not recorded yet: signal-cli's slow sends
   * do answer in the end (FIELD-ISSUES #11: after minutes, with 201). Returns how many.
   */
  answerHung(): number {
    const hung = this.#hung;
    this.#hung = [];
    for (const send of hung) {
      send.record?.();
      send.resolve(send.answer);
    }
    return hung.length;
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

  #evaluate(request: SendRequest): SendOutcome | { hang: HungSend } {
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
    const groupId = resolved.value.groupIds[0];
    const record = (): void =>
      this.sentLog.add({
        backend: request.backend,
        account,
        timestamp,
        recipients: resolved.value.singles.map((single) => single.identifier),
        ...(groupId === undefined ? {} : { groupId }),
        message: request.message === undefined || request.message === null || request.message === '' ? null : request.message,
        attachments,
        ...richFields(request),
        receivedAt: this.clock(),
      });
    if (fault === undefined || fault.deliver) record();
    if (fault === undefined) return { ok: true, timestamp, results };
    if (fault.kind === 'hang') return { hang: { answer: { ok: true, timestamp, results }, ...(fault.deliver ? {} : { record }) } };
    return { ok: false, error: faultError(fault, timestamp, results) };
  }
}

/** What signal-cli was asked besides text and attachments: styles, mentions, a quote (only those given). */
function richFields(request: SendRequest): Pick<SentRecord, 'textStyles' | 'mentions' | 'quote'> {
  const { textStyles = [], mentions = [], quote } = request;
  return {
    ...(textStyles.length > 0 ? { textStyles: [...textStyles] } : {}),
    ...(mentions.length > 0 ? { mentions: [...mentions] } : {}),
    ...(quote === undefined ? {} : { quote: { ...quote, ...(quote.mentions === undefined ? {} : { mentions: [...quote.mentions] }) } }),
  };
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

/** SendCommand's checks, in its order (S:…/commands/SendCommand.java:178-244). */
function validateContent(request: SendRequest): SignalCliError | undefined {
  const badMention = mentionError(request.mentions);
  if (badMention !== undefined) return badMention;
  for (const style of request.textStyles ?? []) {
    const match = /^\d+:\d+:(.+)$/.exec(style);
    if (match === null) return userError(`Invalid textStyle syntax (${style}) expected 'start:length:STYLE'`);
    if (!textStyles.has(match[1]?.toUpperCase() ?? '')) return userError(`Invalid style: ${match[1] ?? ''}`);
  }
  if (request.quote !== undefined && request.quote.author === undefined) return userError('Quote author parameter is missing');
  // The quote's mentions are parsed after its author is known to be there, by the same rule.
  const badQuoteMention = mentionError(request.quote?.mentions);
  if (badQuoteMention !== undefined) return badQuoteMention;
  const empty = (request.message ?? '') === '' && (request.attachments ?? []).length === 0 && (request.attachmentStrings ?? []).length === 0;
  if (empty && request.sticker === undefined && request.quote === undefined) return userError(messages.emptyMessage);
  return undefined;
}

/** SendCommand.parseMentions: `start:length:recipient`, both numbers without a sign. */
function mentionError(mentions: readonly string[] | undefined): SignalCliError | undefined {
  const bad = (mentions ?? []).find((mention) => !/^\d+:\d+:.+$/.test(mention));
  return bad === undefined ? undefined : userError(`Invalid mention syntax (${bad}) expected 'start:length:recipientNumber'`);
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
