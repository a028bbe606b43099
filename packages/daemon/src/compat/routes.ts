// The subset of signal-cli-rest-api that notification tools and bots use, routed as gin routes
// them: exact paths with one-segment `{number}` parameters, 404 text for anything else (gin has
// no 405). Each handler returns its answer; the server writes it.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api/http-util.js';
import { aboutBody } from './about.js';
import { parseChallenge, parseReaction, parseReceipt, parseTyping, type Parsed } from './action-requests.js';
import { forward, type Action } from './backend-forward.js';
import { errorAnswer, noContent, type Answer } from './http-io.js';
import { ACCOUNT_MISSING, handleSend, type SendContext } from './send-handler.js';

interface RouteInput {
  readonly request: IncomingMessage;
  readonly number: string;
  /** The body as text, up to `limit` bytes (default 64 KiB). */
  readonly body: (limit?: number) => Promise<string>;
  readonly signal: AbortSignal;
}

type Handler = (input: RouteInput, context: SendContext) => Promise<Answer> | Answer;

const ROUTES: readonly (readonly [string, string, Handler])[] = [
  ['GET', '/v1/health', (_input, { gateway }) => (gateway.healthy() ? noContent : errorAnswer(503, 'tetherd cannot write its database'))],
  ['GET', '/v1/about', (_input, { gateway }) => ({ status: 200, body: aboutBody(gateway) })],
  ['GET', '/v1/accounts', (_input, { gateway }) => ({ status: 200, body: [gateway.settings.account] })],
  ['POST', '/v2/send', (input, context) => send('v2', input, context)],
  ['POST', '/v1/send', (input, context) => send('v1', input, context)],
  ['PUT', '/v1/typing-indicator/:number', async (input, context) => act(input, context, parseTyping(await input.body(), false))],
  ['DELETE', '/v1/typing-indicator/:number', async (input, context) => act(input, context, parseTyping(await input.body(), true))],
  ['POST', '/v1/receipts/:number', async (input, context) => act(input, context, parseReceipt(await input.body()))],
  ['POST', '/v1/reactions/:number', async (input, context) => act(input, context, parseReaction(await input.body(), false))],
  ['DELETE', '/v1/reactions/:number', async (input, context) => act(input, context, parseReaction(await input.body(), true))],
  ['POST', '/v1/accounts/:number/rate-limit-challenge', (input, context) => challenge(input, context)],
];

export type RouteMatch = { readonly handler: Handler; readonly number: string } | { readonly malformed: true };

export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const segments = pathname.split('/');
  for (const [routeMethod, path, handler] of ROUTES) {
    const pattern = path.split('/');
    if (routeMethod !== method || pattern.length !== segments.length) continue;
    let number = '';
    const matches = pattern.every((part, index) => {
      const actual = segments[index] ?? '';
      if (part !== ':number') return part === actual;
      number = actual;
      return actual !== '';
    });
    if (!matches) continue;
    const decoded = pathParameter(number);
    return decoded === undefined ? { malformed: true } : { handler, number: decoded };
  }
  return undefined;
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
  const limit = Math.ceil(context.gateway.settings.maxAttachmentMb * 1024 * 1024 * 1.4) + 1024 * 1024;
  const key = input.request.headers['idempotency-key'];
  return handleSend({ version, body: await input.body(limit), idempotencyKey: typeof key === 'string' ? key : undefined, signal: input.signal }, context);
}

async function act(input: RouteInput, context: SendContext, parsed: Parsed<Action>): Promise<Answer> {
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  if (input.number !== context.gateway.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  return forward(context.gateway, parsed.value, input.signal);
}

async function challenge(input: RouteInput, context: SendContext): Promise<Answer> {
  const parsed = parseChallenge(await input.body());
  if (!parsed.ok) return errorAnswer(400, parsed.error);
  if (input.number !== context.gateway.settings.account) return errorAnswer(400, ACCOUNT_MISSING);
  try {
    await context.gateway.challenge(parsed.value.token, parsed.value.captcha.replace(/^signalcaptcha:\/\//, ''));
    return noContent;
  } catch (error) {
    if (error instanceof ApiError) return errorAnswer(400, error.message);
    throw error;
  }
}
