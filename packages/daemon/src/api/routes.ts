// The control API (DECISIONS.md §8): one route table, each route reading its request and calling
// one service operation. Errors are AppErrors answered through http/'s one status table, always
// in the shape { error: { code, message, field? } }; nothing leaks a stack trace.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../app/errors.js';
import type { TetherService } from '../app/service.js';
import { readJson, type BodyBudget } from '../http/body.js';
import { readJsonStreaming, type JsonPath } from '../http/json-stream.js';
import { requestUrl } from '../http/request-target.js';
import { sendError, sendJson } from '../http/respond.js';
import { Router, type Route } from '../http/router.js';
import type { RequestHandler } from '../http/server.js';
import { sseSink } from '../http/sse.js';
import { EVENT_NAMES, MESSAGE_STATES, type EventName, type MessageState } from '../protocol/index.js';

export interface ApiOptions {
  readonly service: TetherService;
  /** Prometheus exposition. */
  readonly metrics: () => Promise<{ readonly contentType: string; readonly body: string }>;
  readonly logger: { error(fields: Record<string, unknown>, message: string): void };
  /** Bearer token required on this listener (TCP); none on the Unix socket. */
  readonly token?: string;
  /** The bytes of request bodies held at once, shared by every listener. */
  readonly budget: BodyBudget;
}

interface Input {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly service: TetherService;
}

type Handler = (input: Input, options: ApiOptions) => Promise<void> | void;

const SMALL_BODY = 64 * 1024;
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ROUTES: readonly Route<Handler>[] = [
  { method: 'GET', path: '/healthz', handler: async ({ response, service }) => health(response, await service.healthy()) },
  { method: 'GET', path: '/readyz', handler: readiness },
  { method: 'GET', path: '/metrics', handler: metrics },
  { method: 'GET', path: '/v1/status', handler: async ({ response, service }) => sendJson(response, 200, await service.status()) },
  { method: 'POST', path: '/v1/messages', handler: submit },
  { method: 'GET', path: '/v1/messages', handler: list },
  { method: 'GET', path: '/v1/messages/:id', handler: async ({ response, params, service }) => sendJson(response, 200, await service.message(messageId(params))) },
  { method: 'POST', path: '/v1/messages/:id/retry', handler: async ({ response, params, service }) => sendJson(response, 200, await service.retry(messageId(params))) },
  { method: 'POST', path: '/v1/messages/:id/cancel', handler: async ({ response, params, service }) => sendJson(response, 200, await service.cancel(messageId(params))) },
  { method: 'POST', path: '/v1/challenge', handler: challenge },
  { method: 'GET', path: '/v1/events', handler: events },
];

const router = new Router(ROUTES);

export function createApiHandler(options: ApiOptions): RequestHandler {
  return (request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      if (AppError.isInstance(error)) return sendError(response, error);
      options.logger.error({ err: error, method: request.method, path: requestUrl(request.url, 'http://tetherd')?.pathname }, 'control API request failed');
      if (!response.headersSent) sendError(response, new AppError('internal', 'internal error; see the daemon log'));
      else response.destroy();
    });
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: ApiOptions): Promise<void> {
  if (options.token !== undefined && !authorized(request, options.token)) {
    return sendError(response, new AppError('unauthorized', 'a valid "Authorization: Bearer <token>" header is required'), { 'www-authenticate': 'Bearer' });
  }
  const url = requestUrl(request.url, 'http://tetherd');
  if (url === undefined) throw new AppError('not-found', 'no route for that request target');
  const method = request.method ?? 'GET';
  const match = router.match(method, url.pathname);
  if (match.kind === 'not-found') throw new AppError('not-found', `no route ${url.pathname}`);
  if (match.kind === 'method-not-allowed') {
    return sendError(response, new AppError('method-not-allowed', `${method} is not supported on ${url.pathname}`), { allow: match.allow.join(', ') });
  }
  await match.handler({ request, response, url, params: match.params, service: options.service }, options);
}

function health(response: ServerResponse, ok: boolean): void {
  sendJson(response, ok ? 200 : 503, { ok });
}

async function readiness({ response, service }: Input): Promise<void> {
  const status = await service.status();
  const ready = await service.ready();
  sendJson(response, ready ? 200 : 503, { ready, state: status.state, gate: status.gate });
}

async function metrics({ response }: Input, options: ApiOptions): Promise<void> {
  const { contentType, body } = await options.metrics();
  response.writeHead(200, { 'content-type': contentType });
  response.end(body);
}

async function submit({ request, response, service }: Input, options: ApiOptions): Promise<void> {
  const key = header(request, 'idempotency-key');
  if (key !== undefined && (key.trim() === '' || key.length > 256)) {
    request.resume();
    throw new AppError('invalid-idempotency-key', 'Idempotency-Key must be 1 to 256 characters', { field: 'Idempotency-Key' });
  }
  const maxBytes = service.limits().maxAttachmentBytes;
  const reservation = options.budget.open();
  // attachments go to the blob store as the body streams in; what no message names afterwards
  // (a refused or repeated request) is dropped
  const uploads = service.uploads();
  let submitted: Awaited<ReturnType<TetherService['submit']>>;
  try {
    const body = await readJsonStreaming(request, {
      limitBytes: Math.ceil(maxBytes * 1.4) + 1024 * 1024,
      tooLarge: () => tooLarge(maxBytes),
      reservation,
      streamAt: (path) => {
        const field = attachmentField(path);
        return field === undefined ? undefined : uploads.open(field);
      },
    });
    submitted = await service.submit(body === undefined ? {} : body, key);
  } finally {
    reservation.release();
    void uploads.discardUnlinked();
  }
  const { created, batch, messages } = submitted;
  const status = created ? 202 : 200;
  if (batch) return sendJson(response, status, { messages });
  const [message] = messages;
  sendJson(response, status, message, { location: `/v1/messages/${message!.id}` });
}

async function list({ url, response, service }: Input): Promise<void> {
  const state = url.searchParams.get('state');
  if (state !== null && !(MESSAGE_STATES as readonly string[]).includes(state)) {
    throw new AppError('invalid-state', `state must be one of ${MESSAGE_STATES.join(', ')}`, { field: 'state' });
  }
  const limit = Number(url.searchParams.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new AppError('invalid-limit', 'limit must be a whole number from 1 to 10000', { field: 'limit' });
  const before = url.searchParams.get('before');
  if (before !== null && !MESSAGE_ID.test(before)) throw new AppError('invalid-cursor', 'before must be a message id', { field: 'before' });
  sendJson(response, 200, await service.messages({ limit, ...(state ? { state: state as MessageState } : {}), ...(before ? { before } : {}) }));
}

async function challenge({ request, response, service }: Input, options: ApiOptions): Promise<void> {
  const reservation = options.budget.open();
  const body = await readJson(request, SMALL_BODY, () => tooLarge(SMALL_BODY), reservation).finally(() => reservation.release());
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('invalid-body', 'the body must be a JSON object with token and captcha');
  const { token, captcha } = body as Record<string, unknown>;
  if (typeof token !== 'string' || token === '') throw new AppError('invalid-token', 'token must be the challenge token from status', { field: 'token' });
  if (typeof captcha !== 'string' || captcha === '') throw new AppError('invalid-captcha', 'captcha must be the solved captcha (signalcaptcha://…)', { field: 'captcha' });
  sendJson(response, 200, await service.challenge(token, captcha));
}

async function events({ request, response, url, service }: Input): Promise<void> {
  const since = header(request, 'last-event-id') ?? url.searchParams.get('since') ?? undefined;
  let after: number | undefined;
  if (since !== undefined) {
    after = since === 'all' ? 0 : Number(since);
    if (!Number.isSafeInteger(after) || after < 0) throw new AppError('invalid-since', 'since / Last-Event-ID must be an event id or "all"', { field: 'since' });
  }
  const kindsParam = url.searchParams.get('kinds');
  let kinds: Set<EventName> | undefined;
  if (kindsParam) {
    kinds = new Set(kindsParam.split(',') as EventName[]);
    for (const kind of kinds) if (!EVENT_NAMES.includes(kind)) throw new AppError('invalid-kinds', `kinds must be among ${EVENT_NAMES.join(', ')}`, { field: 'kinds' });
  }
  await service.feed.subscribe(sseSink(response), { ...(after === undefined ? {} : { after }), ...(kinds ? { kinds } : {}) });
}

/** `attachments[i]` or `messages[j].attachments[i]` when `path` is an attachment's `data`. */
function attachmentField(path: JsonPath): string | undefined {
  const [first, second, third, fourth, fifth] = path;
  if (path.length === 3 && first === 'attachments' && typeof second === 'number' && third === 'data') return `attachments[${second}]`;
  if (path.length === 5 && first === 'messages' && typeof second === 'number' && third === 'attachments' && typeof fourth === 'number' && fifth === 'data') {
    return `messages[${second}].attachments[${fourth}]`;
  }
  return undefined;
}

function messageId(params: Readonly<Record<string, string>>): string {
  const id = params['id']!;
  if (!MESSAGE_ID.test(id)) throw new AppError('not-found', 'no message with that id');
  return id;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('too-large', `the request is larger than ${Math.max(1, Math.floor(maxBytes / 1024 / 1024))} MiB allows (raise TETHER_MAX_ATTACHMENT_MB)`);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** RFC 7235: the scheme is case-insensitive. */
function authorized(request: IncomingMessage, token: string): boolean {
  const given = /^bearer +(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1]?.trim() ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
