// The outgoing message and the two request shapes it becomes: the REST API's `/v2/send` body and
// signal-cli's JSON-RPC `send` params. Attachments travel inline as data URIs, never as paths;
// styled text, mentions and quotes reach signal-cli as the REST API would pass them on.

import { attachmentDataUri, type OutgoingAttachment } from './attachment-uri.js';
import { parseRecipients, type RecipientError, type RecipientTarget } from './recipients.js';
import { parseStyledText } from './styled-text.js';

export type { OutgoingAttachment };

/** Someone mentioned in the text: `start` and `length` in UTF-16 code units of the text as sent. */
export interface OutgoingMention {
  readonly start: number;
  readonly length: number;
  /** The mentioned person: an E.164 number, an ACI UUID or a username. */
  readonly author: string;
}

/** The message this one replies to. */
export interface OutgoingQuote {
  /** The quoted message's Signal timestamp. */
  readonly timestamp: number;
  /** Who wrote it (signal-cli requires it). */
  readonly author: string;
  /** The quoted text, as the reply shows it. */
  readonly message?: string;
  readonly mentions?: readonly OutgoingMention[];
}

export interface OutgoingMessage {
  readonly recipients: readonly string[];
  readonly message?: string;
  /** Inline (`data`) or by reference (`blob`): the transports stream those; the builders below take `data` only. */
  readonly attachments?: readonly OutgoingAttachment[];
  /**
   * `styled`: `*italic*`, `**bold**`, `~strikethrough~`, `||spoiler||` and `` `monospace` `` become
   * text styles, as signal-cli-rest-api's `text_mode: "styled"` makes them. @default 'normal'
   */
  readonly textMode?: 'normal' | 'styled';
  readonly mentions?: readonly OutgoingMention[];
  readonly quote?: OutgoingQuote;
}

/** A mention as the REST API's JSON takes it. */
export interface RestMention {
  readonly start: number;
  readonly length: number;
  readonly author: string;
}

export interface RestSendBody {
  readonly number: string;
  readonly recipients: readonly string[];
  readonly message: string;
  readonly base64_attachments?: readonly string[];
  /** Always written, so a server-wide DEFAULT_SIGNAL_TEXT_MODE=styled cannot reinterpret `*text*`. */
  readonly text_mode: 'normal' | 'styled';
  /** The REST API defaults to true; false matches signal-cli's own default on JSON-RPC. */
  readonly notify_self: false;
  readonly mentions?: readonly RestMention[];
  readonly quote_timestamp?: number;
  readonly quote_author?: string;
  readonly quote_message?: string;
  readonly quote_mentions?: readonly RestMention[];
}

export interface JsonRpcSendParams {
  readonly account: string;
  readonly recipient?: readonly string[];
  readonly username?: readonly string[];
  /** signal-cli's raw group id (the REST id decoded). */
  readonly groupId?: string;
  readonly message?: string;
  readonly attachments?: readonly string[];
  /** `start:length:STYLE`, as the REST API's text-style parser writes them. */
  readonly textStyle?: readonly string[];
  /** `start:length:author`. */
  readonly mention?: readonly string[];
  readonly quoteTimestamp?: number;
  readonly quoteAuthor?: string;
  readonly quoteMessage?: string;
  readonly quoteMention?: readonly string[];
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
      text_mode: message.textMode ?? 'normal',
      notify_self: false,
      ...(message.mentions && message.mentions.length > 0 ? { mentions: message.mentions.map(restMention) } : {}),
      ...restQuote(message.quote),
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
  // The REST API strips the markers and sends the ranges; so do we (R:src/client/client.go:496-500).
  const styled = message.textMode === 'styled' && message.message !== undefined ? parseStyledText(message.message) : undefined;
  const text = styled?.text ?? message.message;
  return {
    ok: true,
    body: {
      account,
      ...to,
      ...(text === undefined ? {} : { message: text }),
      ...(attachments.length > 0 ? { attachments: attachments.map((attachment) => attachmentDataUri(attachment, 'jsonrpc')) } : {}),
      ...(styled && styled.styles.length > 0 ? { textStyle: styled.styles } : {}),
      ...(message.mentions && message.mentions.length > 0 ? { mention: message.mentions.map(mentionString) } : {}),
      ...jsonRpcQuote(message.quote),
    },
  };
}

function restMention(mention: OutgoingMention): RestMention {
  return { start: mention.start, length: mention.length, author: mention.author };
}

function restQuote(quote: OutgoingQuote | undefined): Partial<RestSendBody> {
  if (quote === undefined) return {};
  return {
    quote_timestamp: quote.timestamp,
    quote_author: quote.author,
    ...(quote.message === undefined ? {} : { quote_message: quote.message }),
    ...(quote.mentions && quote.mentions.length > 0 ? { quote_mentions: quote.mentions.map(restMention) } : {}),
  };
}

/** signal-cli's `start:length:author` (what the REST API's Mention.ToString writes). */
function mentionString(mention: OutgoingMention): string {
  return `${mention.start}:${mention.length}:${mention.author}`;
}

function jsonRpcQuote(quote: OutgoingQuote | undefined): Partial<JsonRpcSendParams> {
  if (quote === undefined) return {};
  return {
    quoteTimestamp: quote.timestamp,
    quoteAuthor: quote.author,
    ...(quote.message === undefined ? {} : { quoteMessage: quote.message }),
    ...(quote.mentions && quote.mentions.length > 0 ? { quoteMention: quote.mentions.map(mentionString) } : {}),
  };
}

function wireRecipients(target: RecipientTarget): string[] {
  return target.kind === 'group' ? [target.groupId] : target.recipients.map((recipient) => recipient.value);
}
