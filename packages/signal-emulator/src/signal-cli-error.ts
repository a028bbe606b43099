// A JSON-RPC error as signal-cli writes it, and how signal-cli-rest-api turns one into an HTTP
// answer (R:src/client/jsonrpc2.go getRaw, R:src/api/api.go SendV2). Pure.

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  /** signal-cli always writes the key; null when there is nothing to add. */
  data?: unknown;
}

export interface RestAnswer {
  status: number;
  body: unknown;
}

/** An error signal-cli answers, optionally with the exact REST answer a test asked for. */
export interface SignalCliError extends JsonRpcErrorObject {
  rest?: RestAnswer;
}

export const errorCodes = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  user: -1,
  io: -3,
  untrusted: -4,
  rateLimit: -5,
  captchaRejected: -6,
} as const;

export const messages = {
  accountMissing: 'Specified account does not exist',
  accountRequired: 'Method requires valid account parameter',
  rateLimited: 'Failed to send message due to rate limiting',
  untrusted: 'Failed to send message due to untrusted identities',
  failed: 'Failed to send message',
  noRecipients: 'No recipients given',
  emptyMessage: 'Sending empty message is not allowed, either a message, attachment or sticker must be given.',
} as const;

const challengeHint =
  ". Use the attached challenge tokens to lift the rate limit restrictions via the '/v1/accounts/{number}/rate-limit-challenge' endpoint.";

/** The HTTP answer signal-cli-rest-api (json-rpc mode) gives for a signal-cli error on /v2/send. */
export function restAnswerForSend(error: SignalCliError, account: string): RestAnswer {
  if (error.rest !== undefined) return error.rest;
  if (error.code !== errorCodes.rateLimit) return { status: 400, body: { error: error.message } };
  const tokens = challengeTokens(error.data);
  if (tokens === undefined) {
    // Go fails to unmarshal a non-object `data` and returns this text (sic, unbalanced parenthesis).
    return { status: 400, body: { error: `${error.message} (Couldn't parse JSON for more details` } };
  }
  // `challenge_tokens` is `omitempty` in Go: an empty list disappears from the body.
  return {
    status: 429,
    body: { error: error.message + challengeHint, ...(tokens.length > 0 ? { challenge_tokens: tokens } : {}), account },
  };
}

/** Any other endpoint passes the message through as a 400. */
export function restAnswerForOther(error: SignalCliError): RestAnswer {
  return error.rest ?? { status: 400, body: { error: error.message } };
}

function challengeTokens(data: unknown): string[] | undefined {
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) return undefined;
  const response = (data as { response?: unknown }).response;
  if (response === null || response === undefined) return [];
  if (typeof response !== 'object') return undefined;
  const results = (response as { results?: unknown }).results;
  if (!Array.isArray(results)) return [];
  return results.map((result: unknown) => {
    const token = typeof result === 'object' && result !== null ? (result as { token?: unknown }).token : undefined;
    return typeof token === 'string' ? token : '';
  });
}

/**
 * The JSON-RPC error that best matches an HTTP failure a test configured for REST, so one fault
 * works on both backends: 429 → -5 (with the body's challenge tokens), 400 "Specified account does
 * not exist" → -32602, untrusted identities → -4, other 4xx → -1, anything else → -32603.
 */
export function jsonRpcErrorForRest(answer: RestAnswer, recipients: readonly unknown[]): JsonRpcErrorObject {
  const text = errorText(answer.body);
  if (answer.status === 429) {
    const tokens = tokensFromBody(answer.body);
    const results = recipients.map((recipientAddress, index) => {
      const token = tokens[index] ?? tokens[0];
      return { recipientAddress, type: 'RATE_LIMIT_FAILURE', ...(token ? { token } : {}) };
    });
    return { code: errorCodes.rateLimit, message: messages.rateLimited, data: { response: { results } } };
  }
  if (text === messages.accountMissing) return { code: errorCodes.invalidParams, message: text, data: null };
  if (text !== undefined && /untrusted/i.test(text)) return { code: errorCodes.untrusted, message: messages.untrusted, data: null };
  if (answer.status >= 400 && answer.status < 500) return { code: errorCodes.user, message: text ?? messages.failed, data: null };
  return { code: errorCodes.internal, message: text ?? `HTTP ${answer.status}`, data: null };
}

/** The REST answer for a JSON-RPC error a test configured, as the real REST layer would map it. */
export function restAnswerForJsonRpc(error: JsonRpcErrorObject, account: string): RestAnswer {
  return restAnswerForSend({ code: error.code, message: error.message, data: error.data ?? null }, account);
}

function errorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null) {
    const error = (body as { error?: unknown }).error;
    if (typeof error === 'string') return error;
  }
  return undefined;
}

function tokensFromBody(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const tokens = (body as { challenge_tokens?: unknown }).challenge_tokens;
  return Array.isArray(tokens) ? tokens.filter((token): token is string => typeof token === 'string') : [];
}
