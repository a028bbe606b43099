// The chat server's wire protocol: JSON text frames over one WebSocket per client, authenticated
// by a bearer token at the upgrade. Posts carry a request id (for the answer) and an idempotency
// key (the server keeps the first message per key). Pure: parsing and building only.

/** What our transport sends: one chat post. */
export interface ChatMessage {
  readonly text: string;
}

/** What our transport receives: someone else's post. */
export interface ChatEvent {
  readonly messageId: string;
  readonly from: string;
  readonly text: string;
}

/** Error codes the server answers a post with; the transport maps each to a send outcome. */
export const ERROR_CODES = ['invalid', 'rate-limited', 'unauthorized', 'not-ready', 'busy'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ClientFrame = { readonly type: 'post'; readonly id: string; readonly key: string; readonly text: string };

export type ServerFrame =
  | { readonly type: 'ack'; readonly id: string; readonly messageId: string }
  | { readonly type: 'error'; readonly id: string; readonly code: ErrorCode; readonly message: string; readonly retryAfterMs?: number }
  | { readonly type: 'message'; readonly messageId: string; readonly from: string; readonly text: string }
  | { readonly type: 'receipt'; readonly kind: 'delivered' | 'read'; readonly messageIds: readonly string[] };

/** Longest post the server takes. */
export const MAX_TEXT_LENGTH = 4_000;

export function encode(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

const text = (value: unknown): value is string => typeof value === 'string';

/** A server frame, or undefined for anything malformed (ignored, never thrown). */
export function parseServerFrame(data: string): ServerFrame | undefined {
  const frame = parseObject(data);
  switch (frame?.['type']) {
    case 'ack':
      return text(frame['id']) && text(frame['messageId']) ? { type: 'ack', id: frame['id'], messageId: frame['messageId'] } : undefined;
    case 'error': {
      const { id, code, message, retryAfterMs } = frame;
      if (!text(id) || !ERROR_CODES.includes(code as ErrorCode) || !text(message)) return undefined;
      return { type: 'error', id, code: code as ErrorCode, message, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) };
    }
    case 'message':
      return text(frame['messageId']) && text(frame['from']) && text(frame['text'])
        ? { type: 'message', messageId: frame['messageId'], from: frame['from'], text: frame['text'] }
        : undefined;
    case 'receipt': {
      const { kind, messageIds } = frame;
      if ((kind !== 'delivered' && kind !== 'read') || !Array.isArray(messageIds) || !messageIds.every(text)) return undefined;
      return { type: 'receipt', kind, messageIds };
    }
    default:
      return undefined;
  }
}

/** A client frame, or undefined for anything malformed. */
export function parseClientFrame(data: string): ClientFrame | undefined {
  const frame = parseObject(data);
  if (frame?.['type'] !== 'post' || !text(frame['id']) || !text(frame['key']) || !text(frame['text'])) return undefined;
  return { type: 'post', id: frame['id'], key: frame['key'], text: frame['text'] };
}

function parseObject(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
