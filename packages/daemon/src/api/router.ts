// The control API's routes (DECISIONS.md §8): HTTP in, Gateway calls, JSON out. Errors always
// have the shape { error: { code, message, field? } }; nothing leaks a stack trace.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Gateway } from '../gateway.js';
import type { MessageState } from '../protocol/index.js';
import type { EventKind } from '../store/event-log.js';
import { ApiError, readJson, sendError, sendJson } from './http-util.js';
import { parseMessageInput } from './message-input.js';

const STATES: readonly MessageState[] = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown'];
const KINDS: readonly EventKind[] = ['state', 'gate', 'message', 'incoming'];

export interface HandlerOptions {
  /** Bearer token required on this listener (TCP); none on the Unix socket. */
  readonly token?: string;
}

export function createHandler(gateway: Gateway, options: HandlerOptions = {}): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(gateway, options, request, response).catch((error: unknown) => {
      if (error instanceof ApiError) return sendError(response, error);
      gateway.logger.error({ err: error, method: request.method, path: new URL(request.url ?? '/', 'http://tetherd').pathname }, 'control API request failed');
      if (!response.headersSent) sendError(response, new ApiError(500, 'internal', 'internal error; see the daemon log'));
      else response.destroy();
    });
  };
}

async function handle(gateway: Gateway, options: HandlerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (options.token !== undefined && !authorized(request, options.token)) {
    throw new ApiError(401, 'unauthorized', 'a valid "Authorization: Bearer <token>" header is required');
  }
  const url = new URL(request.url ?? '/', 'http://tetherd');
  const method = request.method ?? 'GET';
  const route = `${method} ${url.pathname}`;
  const messageRoute = /^\/v1\/messages\/([A-Za-z0-9_-]+)(?:\/(retry|cancel))?$/.exec(url.pathname);

  if (route === 'GET /healthz') return sendJson(response, gateway.healthy() ? 200 : 503, { ok: gateway.healthy() });
  if (route === 'GET /readyz') {
    const status = gateway.status();
    return sendJson(response, gateway.ready ? 200 : 503, { ready: gateway.ready, state: status.state, gate: status.gate });
  }
  if (route === 'GET /metrics') {
    const text = await gateway.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': gateway.metrics.registry.contentType });
    return void response.end(text);
  }
  if (route === 'GET /v1/status') return sendJson(response, 200, gateway.status());
  if (route === 'POST /v1/messages') {
    const maxBytes = gateway.settings.maxAttachmentMb * 1024 * 1024;
    const body = await readJson(request, Math.ceil(maxBytes * 1.4) + 1024 * 1024);
    const input = parseMessageInput(body, { maxAttachmentBytes: maxBytes, now: Date.now() });
    const key = header(request, 'idempotency-key');
    const { created, message } = await gateway.submit(input, key);
    return sendJson(response, created ? 202 : 200, message, { location: `/v1/messages/${message.id}` });
  }
  if (route === 'GET /v1/messages') {
    const state = url.searchParams.get('state');
    if (state !== null && !STATES.includes(state as MessageState)) throw new ApiError(400, 'invalid-state', `state must be one of ${STATES.join(', ')}`, 'state');
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ApiError(400, 'invalid-limit', 'limit must be a whole number from 1 to 10000', 'limit');
    return sendJson(response, 200, gateway.listMessages({ limit, ...(state ? { state: state as MessageState } : {}) }));
  }
  if (messageRoute && method === 'GET' && !messageRoute[2]) return sendJson(response, 200, gateway.getMessage(messageRoute[1]!));
  if (messageRoute && method === 'POST' && messageRoute[2] === 'retry') return sendJson(response, 200, await gateway.retry(messageRoute[1]!));
  if (messageRoute && method === 'POST' && messageRoute[2] === 'cancel') return sendJson(response, 200, await gateway.cancel(messageRoute[1]!));
  if (route === 'POST /v1/challenge') {
    const body = (await readJson(request, 64 * 1024)) as Record<string, unknown>;
    const { token, captcha } = body;
    if (typeof token !== 'string' || token === '') throw new ApiError(400, 'invalid-token', 'token must be the challenge token from status', 'token');
    if (typeof captcha !== 'string' || captcha === '') throw new ApiError(400, 'invalid-captcha', 'captcha must be the solved captcha (signalcaptcha://…)', 'captcha');
    await gateway.challenge(token, captcha.replace(/^signalcaptcha:\/\//, ''));
    return sendJson(response, 200, gateway.status().gate);
  }
  if (route === 'GET /v1/events') return subscribe(gateway, request, response, url);
  if (messageRoute || ['/healthz', '/readyz', '/metrics', '/v1/status', '/v1/messages', '/v1/challenge', '/v1/events'].includes(url.pathname)) {
    throw new ApiError(405, 'method-not-allowed', `${method} is not supported on ${url.pathname}`);
  }
  throw new ApiError(404, 'not-found', `no route ${url.pathname}`);
}

function subscribe(gateway: Gateway, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const since = header(request, 'last-event-id') ?? url.searchParams.get('since') ?? undefined;
  let after: number | undefined;
  if (since !== undefined) {
    after = since === 'all' ? 0 : Number(since);
    if (!Number.isInteger(after) || after < 0) throw new ApiError(400, 'invalid-since', 'since / Last-Event-ID must be an event id or "all"', 'since');
  }
  const kindsParam = url.searchParams.get('kinds');
  let kinds: Set<EventKind> | undefined;
  if (kindsParam) {
    kinds = new Set(kindsParam.split(',') as EventKind[]);
    for (const kind of kinds) if (!KINDS.includes(kind)) throw new ApiError(400, 'invalid-kinds', `kinds must be among ${KINDS.join(', ')}`, 'kinds');
  }
  gateway.hub.subscribe(response, { ...(after === undefined ? {} : { after }), ...(kinds ? { kinds } : {}) });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function authorized(request: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
