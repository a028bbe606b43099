// What the outbox can carry of a `/v2/send` beyond text and attachments: `text_mode: "styled"`,
// mentions and a quote, read as signal-cli-rest-api binds them and checked as signal-cli would
// check them once REST passed them on, so that a queued message is not refused hours later.
import { parseStyledText, type OutgoingMention, type OutgoingMessage } from '@tether/signal-transport';
import { integer, list, text, type Bound } from './go-json.js';

export type RichContent = Pick<OutgoingMessage, 'textMode' | 'mentions' | 'quote'>;

/** The checked content, or signal-cli's refusal as REST passes it on (a 400 with its text). */
export type RichResult = { readonly ok: true; readonly content: RichContent } | { readonly ok: false; readonly error: string };

export function readRichContent(request: Bound): RichResult {
  // SendCommand's order (S:…/commands/SendCommand.java:178-206): mentions, the quote's author,
  // then the quote's mentions, each mention by the same `start:length:recipient` rule.
  const mentions = mentionsOf(request, 'mentions');
  const badMention = mentionError(mentions);
  if (badMention !== undefined) return { ok: false, error: badMention };
  const quoteTimestamp = integer(request, 'quote_timestamp');
  const quoteAuthor = request['quote_author'];
  if (quoteTimestamp !== undefined && typeof quoteAuthor !== 'string') return { ok: false, error: 'Quote author parameter is missing' };
  const quoteMentions = quoteTimestamp === undefined ? [] : mentionsOf(request, 'quote_mentions');
  const badQuoteMention = mentionError(quoteMentions);
  if (badQuoteMention !== undefined) return { ok: false, error: badQuoteMention };
  const quoteMessage = request['quote_message'];
  return {
    ok: true,
    content: {
      ...(text(request, 'text_mode') === 'styled' ? { textMode: 'styled' as const } : {}),
      ...(mentions.length > 0 ? { mentions } : {}),
      ...(quoteTimestamp === undefined
        ? {}
        : {
            quote: {
              timestamp: quoteTimestamp,
              author: quoteAuthor as string,
              ...(typeof quoteMessage === 'string' ? { message: quoteMessage } : {}),
              ...(quoteMentions.length > 0 ? { mentions: quoteMentions } : {}),
            },
          }),
    },
  };
}

/** The text recipients will read: with styled text, what is left once the markers are gone. */
export function visibleText(message: string, content: RichContent): string {
  return content.textMode === 'styled' ? parseStyledText(message).text : message;
}

function mentionError(mentions: readonly OutgoingMention[]): string | undefined {
  const bad = mentions.find((mention) => mention.start < 0 || mention.length < 0 || mention.author === '');
  return bad === undefined ? undefined : `Invalid mention syntax (${bad.start}:${bad.length}:${bad.author}) expected 'start:length:recipientNumber'`;
}

function mentionsOf(request: Bound, key: string): OutgoingMention[] {
  return list(request, key).map((item) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Bound;
    return { start: integer(entry, 'start') ?? 0, length: integer(entry, 'length') ?? 0, author: text(entry, 'author') };
  });
}
