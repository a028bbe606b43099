// Requests Tether does not queue (typing indicators, receipts, reactions, and sends with features
// the outbox cannot carry: stickers, edits, link previews, view-once) go straight to the backend
// while the link is up, and get 503 when it is down. A REST backend gets the client's body unchanged; signal-cli gets the matching method.
import type { SignalTransport } from '@tether/signal-transport';
import { errorAnswer, noContent, type Answer } from './http-io.js';

export type Action =
  | { readonly kind: 'send'; readonly body: unknown; readonly features: readonly string[] }
  | { readonly kind: 'typing'; readonly stop: boolean; readonly to: Target; readonly body: unknown }
  | { readonly kind: 'receipt'; readonly recipient: string; readonly receiptType: string; readonly timestamp: number; readonly body: unknown }
  | { readonly kind: 'reaction'; readonly remove: boolean; readonly to: Target; readonly emoji: string; readonly targetAuthor: string; readonly timestamp: number; readonly body: unknown };

/** Whom a typing indicator or reaction is for; an empty recipient is left for signal-cli to refuse. */
export type Target = { readonly recipient?: string; readonly groupId?: string };

export interface ForwardPort {
  /** The leader's transport; undefined while this tetherd stands by (another instance holds the link). */
  readonly transport: SignalTransport | undefined;
  linkUp(): boolean;
  readonly settings: { readonly account: string; readonly sendTimeoutMs: number };
}

const NOT_QUEUED: Record<Action['kind'], string> = {
  send: 'messages with stickers, edits, link previews or view-once are forwarded, not queued',
  typing: 'typing indicators are forwarded, not queued',
  receipt: 'receipts are forwarded, not queued',
  reaction: 'reactions are forwarded, not queued',
};

export async function forward(port: ForwardPort, action: Action, signal: AbortSignal): Promise<Answer> {
  const { transport, settings } = port;
  if (transport === undefined) return errorAnswer(503, `this tetherd stands by: another instance holds the Signal link; try again later (${NOT_QUEUED[action.kind]})`);
  if (action.kind === 'send' && transport.kind !== 'signal-rest') {
    return errorAnswer(400, `Couldn't process request - Tether cannot send ${action.features.join(', ')} through a JSON-RPC backend yet`);
  }
  if (!port.linkUp()) return errorAnswer(503, `Signal is not connected; try again later (${NOT_QUEUED[action.kind]})`);
  // A timer we hold and clear: AbortSignal.timeout inside AbortSignal.any can be garbage-collected
  // before it fires on Node 20 (nodejs/node#57736), and a backend that never answers would hang us.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), settings.sendTimeoutMs);
  const onAbort = (): void => deadline.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await forwardWithin({ ...port, transport, linkUp: port.linkUp }, action, deadline.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

async function forwardWithin(port: ForwardPort & { readonly transport: SignalTransport }, action: Action, deadline: AbortSignal): Promise<Answer> {
  const { transport, settings } = port;
  if (transport.kind === 'signal-rest') {
    const { method, path } = restRoute(action, settings.account);
    const result = await transport.request(method, path, action.body, deadline);
    if (!result.ok) return errorAnswer(503, unanswered(result.written));
    return { status: result.status, ...(result.body === '' ? {} : { body: result.body }) };
  }
  const { method, params } = jsonRpcCall(action as Exclude<Action, { kind: 'send' }>, settings.account);
  // signal-cli's socket rejects when the deadline passes before the answer.
  const result = await transport.call(method, params, deadline).catch(() => ({ kind: 'lost' as const, error: 'no answer before the deadline' }));
  if (result.kind === 'result') return noContent;
  if (result.kind === 'error') return errorAnswer(400, result.error.message);
  return errorAnswer(503, unanswered(true));
}

function unanswered(written: boolean): string {
  return written ? 'Signal did not answer in time; the request may or may not have taken effect' : 'Signal could not be reached; nothing was sent';
}

function restRoute(action: Action, account: string): { method: 'POST' | 'PUT' | 'DELETE'; path: string } {
  const number = encodeURIComponent(account);
  if (action.kind === 'send') return { method: 'POST', path: '/v2/send' };
  if (action.kind === 'typing') return { method: action.stop ? 'DELETE' : 'PUT', path: `/v1/typing-indicator/${number}` };
  if (action.kind === 'receipt') return { method: 'POST', path: `/v1/receipts/${number}` };
  return { method: action.remove ? 'DELETE' : 'POST', path: `/v1/reactions/${number}` };
}

/** signal-cli's parameters (CONTRACT §C.4); the receipt type is honoured, unlike the REST API's. */
function jsonRpcCall(action: Exclude<Action, { kind: 'send' }>, account: string): { method: string; params: Record<string, unknown> } {
  if (action.kind === 'typing') return { method: 'sendTyping', params: { account, ...targetParams(action.to), stop: action.stop } };
  if (action.kind === 'receipt') {
    return { method: 'sendReceipt', params: { account, recipient: action.recipient, targetTimestamp: [action.timestamp], type: action.receiptType } };
  }
  return {
    method: 'sendReaction',
    params: { account, ...targetParams(action.to), emoji: action.emoji, targetAuthor: action.targetAuthor, targetTimestamp: action.timestamp, remove: action.remove },
  };
}

function targetParams(target: Target): Record<string, unknown> {
  if (target.groupId !== undefined) return { groupId: target.groupId };
  return target.recipient === undefined ? {} : { recipient: [target.recipient] };
}
