// The subset of signal-cli-rest-api that notification tools and bots use, in the daemon's one
// route table (http/router.ts) and routed as gin routes them: exact paths with one-segment
// `{number}` parameters and the plain 404 text for anything else, including a known path under
// another method (gin has no 405). Each handler returns its answer; the server writes it.
import type { IncomingMessage } from 'node:http';
import { AppError } from '../app/errors.js';
import type { JsonPath, StringSink } from '../http/json-stream.js';
import { Router, type Route } from '../http/router.js';
import { RestAttachmentUpload } from './attachments.js';
import { aboutBody } from './about.js';
import { parseChallenge, parseReaction, parseReceipt, parseTyping, type Parsed } from './action-requests.js';
import { forward, type Action } from './backend-forward.js';
import { errorAnswer, noContent, type Answer } from './http-io.js';
import { ACCOUNT_MISSING, handleSend, type SendContext } from './send-handler.js';
import { INVALID_REQUEST } from './send-request.js';

export interface RouteInput {
  readonly request: IncomingMessage;
  readonly number: string;
  /** The body as text, up to `limit` bytes (default 64 KiB). */
  readonly body: (limit?: number) => Promise<string>;
  /** The body parsed as it streams in (undefined when empty), the strings `streamAt` picks handed to their sinks. */
  readonly json: (limit: number, streamAt: (path: JsonPath) => StringSink | undefined) => Promise<unknown>;
  readonly signal: AbortSignal;
}

type Handler = (input: RouteInput, context: SendContext) => Promise<Answer> | Answer;

const ROUTES: readonly Route<Handler>[] = [
  { method: 'GET', path: '/v1/health', handler: async (_input, { port }) => ((await port.healthy()) ? noContent : errorAnswer(503, 'tetherd cannot write its database')) },
  { method: 'GET', path: '/v1/about', handler: (_input, { port }) => ({ status: 200, body: aboutBody(port) }) },
  { method: 'GET', path: '/v1/accounts', handler: (_input, { port }) => ({ status: 200, body: [port.settings.account] }) },
  { method: 'POST', path: '/v2/send', handler: (input, context) => send('v2', input, context) },
  { method: 'POST', path: '/v1/send', handler: (input, context) => send('v1', input, context) },
  { method: 'PUT', path: '/v1/typing-indicator/:number', handler: async (input, context) => act(input, context, parseTyping(await input.body(), false)) },
  { method: 'DELETE', path: '/v1/typing-indicator/:number', handler: async (input, context) => act(input, context, parseTyping(await input.body(), true)) },
  { method: 'POST', path: '/v1/receipts/:number', handler: async (input, context) => act(input, context, parseReceipt(await input.body())) },
  { method: 'POST', path: '/v1/reactions/:number', handler: async (input, context) => act(input, context, parseReaction(await input.body(), false)) },
  { method: 'DELETE', path: '/v1/reactions/:number', handler: async (input, context) => act(input, context, parseReaction(await input.body(), true)) },
  { method: 'POST', path: '/v1/accounts/:number/rate-limit-challenge', handler: (input, context) => challenge(input, context) },
];

const router = new Router(ROUTES);

export type RouteMatch = { readonly handler: Handler; readonly number: string } | { readonly malformed: true };

export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const match = router.match(method, pathname);
  if (match.kind !== 'found') return undefined;
  const raw = match.params['number'];
  if (raw === undefined) return { handler: match.handler, number: '' };
  const decoded = pathParameter(raw);
  return decoded === undefined ? { malformed: true } : { handler: match.handler, number: decoded };
}

export async function runRoute(match: Exclude<RouteMatch, { malformed: true }>, input: Omit<RouteInput, 'number'>, context: SendContext): Promise<Answer> {
  return match.handler({ ...input, number: match.number }, context);
}

/** Go decodes the path once while parsing the URL, and the handlers unescape it again. */
export function pathParameter(raw: string): string | undefined {
  try {
    return decodeURIComponent(decodeURIComponent(raw));
  } catch {
    return undefined;
  }
}

async function send(version: 'v1' | 'v2', input: RouteInput, context: SendContext): Promise<Answer> {
  // Base64 grows bodies by a third; allow the attachment limit plus room for the rest.
  const limit = Math.ceil(context.port.settings.maxAttachmentMb * 1024 * 1024 * 1.4) + 1024 * 1024;
  const key = input.request.headers['idempotency-key'];
  // attachments go to the blob store as the body streams in; what no message names afterwards is dropped
  const uploads = context.port.uploads();
  try {
    let parsed: unknown;
    try {
      parsed = await input.json(limit, (path) => (isAttachment(version, path) ? new RestAttachmentUpload(uploads.writer(), context.port.readBlob) : undefined));
    } catch (error) {
      if (AppError.isInstance(error) && (error.code === 'invalid-json' || error.code === 'invalid-body')) return errorAnswer(400, INVALID_REQUEST);
      throw error;
    }
    return await handleSend({ version, body: { parsed }, idempotencyKey: typeof key === 'string' ? key : undefined, signal: input.signal }, context);
  } finally {
    void uploads.discardUnlinked();
  }
}

/** `base64_attachments[i]` (v2) or `base64_attachment` (v1), keys matched as Go matches them, in any case. */
function isAttachment(version: 'v1' | 'v2', path: JsonPath): boolean {
  const [key, index] = path;
  if (typeof key !== 'string') return false;
  return version === 'v2' ? path.length === 2 && key.toLowerCase() === 'base64_attachments' && typeof index === 'number' : path.length === 1 && key.toLowerCase() === 'base64_attachment';
}

async function act(input: RouteInput, context: SendContext, parsed: Parsed<Action>): Promise<Answer> {
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  if (input.number !== context.port.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  return forward(context.port, parsed.value, input.signal);
}

async function challenge(input: RouteInput, context: SendContext): Promise<Answer> {
  const parsed = parseChallenge(await input.body());
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  if (input.number !== context.port.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  try {
    await context.port.challenge(parsed.value.token, parsed.value.captcha);
    return noContent;
  } catch (error) {
    if (AppError.isInstance(error)) return errorAnswer(400, error.message);
    throw error;
  }
}
