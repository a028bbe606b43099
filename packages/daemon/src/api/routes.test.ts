// The control API in process: the route table over a real Unix socket (and loopback TCP with the
// token) in front of the harness's service. Every route, the error shape and its status from the
// one table, 404 and 405 with Allow, the token, the event stream, and no stack trace ever.
import net from 'node:net';
import { BodyBudget } from '../http/body.js';
import { EventStream, request, type HttpReply } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Status } from '../protocol/index.js';
import { Metrics } from '../runtime/metrics.js';
import { listenTcp, listenUnix, type Listener } from '../http/server.js';
import { createHarness, FRIEND, incomingMessage, type Harness } from '../app/testing/harness.js';
import { createApiHandler } from './routes.js';

const TOKEN = 'a-token-of-at-least-16-characters';
let harness: Harness;
let unix: Listener;
let tcp: Listener;
let failMetrics = false;
const challenges: string[] = [];

beforeAll(async () => {
  harness = createHarness({
    maxAttachmentBytes: 1024,
    challenge: (token) => (challenges.push(token), Promise.resolve(token === 'refused' ? 'invalid captcha' : undefined)),
  });
  await harness.start();
  const metrics = new Metrics();
  metrics.attach({ status: () => harness.service.status(), subscribers: () => harness.feed.subscriberCount });
  const render = () => (failMetrics ? Promise.reject(new Error('registry broke')) : metrics.render());
  unix = await listenUnix(harness.store.db.name.replace(/tether\.db$/, 'tether.sock'), createApiHandler({ service: harness.service, metrics: render, logger: harness.logger, budget: new BodyBudget(64 * 1024 * 1024) }));
  tcp = await listenTcp('127.0.0.1', 0, createApiHandler({ service: harness.service, metrics: render, logger: harness.logger, token: TOKEN, budget: new BodyBudget(64 * 1024 * 1024) }));
});
afterAll(async () => {
  await unix.close();
  await tcp.close();
  await harness.close();
});

const socketPath = (): string => (unix.address as { socketPath: string }).socketPath;
const api = <T = unknown>(method: string, path: string, options: { json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<HttpReply<T>> =>
  request<T>(`http://tetherd${path}`, { method, socketPath: socketPath(), ...options });
const errorOf = (reply: HttpReply): unknown => ({ status: reply.status, ...(reply.json as object) });

describe('health, readiness, status and metrics', () => {
  it('answers health, readiness and status as JSON', async () => {
    expect(await api('GET', '/healthz')).toMatchObject({ status: 200, json: { ok: true } });
    expect(await api('GET', '/readyz')).toMatchObject({ status: 200, json: { ready: true, state: 'connected', gate: { state: 'open' } } });
    const status = await api<Status>('GET', '/v1/status');
    expect(status.status).toBe(200);
    expect(status.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(status.json).toMatchObject({ state: 'connected', gate: { state: 'open' }, outbox: { queued: 0 } });
  });

  it('is not ready while the backend is not ready', async () => {
    harness.channel.gate.pause('backend-not-ready', { error: 'starting' });
    expect(await api('GET', '/readyz')).toMatchObject({ status: 503, json: { ready: false, gate: { state: 'paused', reason: 'backend-not-ready' } } });
    harness.channel.gate.open('ready again');
  });

  it('serves Prometheus text, and a 500 in the error shape without a stack when it fails', async () => {
    const metrics = await api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^tether_link_state\{state="connected"\} 1$/m);
    failMetrics = true;
    const failed = await api('GET', '/metrics');
    failMetrics = false;
    expect(errorOf(failed)).toEqual({ status: 500, error: { code: 'internal', message: 'internal error; see the daemon log' } });
    expect(failed.text).not.toMatch(/registry broke|at .*\.ts/);
    expect(harness.logger.lines.find((line) => line.message === 'control API request failed')?.fields).toMatchObject({ method: 'GET', path: '/metrics' });
  });
});

describe('routing', () => {
  it('answers 404 in the error shape for unknown paths and 405 with Allow from the table', async () => {
    expect(errorOf(await api('GET', '/v2/nothing'))).toEqual({ status: 404, error: { code: 'not-found', message: 'no route /v2/nothing' } });
    const wrong = await api('DELETE', '/v1/messages');
    expect(errorOf(wrong)).toEqual({ status: 405, error: { code: 'method-not-allowed', message: 'DELETE is not supported on /v1/messages' } });
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect((await api('PUT', '/healthz')).headers.get('allow')).toBe('GET');
  });

  it('answers a request target that is no URL relative to ours with 404, and lives on (it ended the process)', async () => {
    for (const target of ['//', '//host:99999/v1/status', '//[bad']) {
      expect(errorOf(await api('GET', target)), target).toEqual({ status: 404, error: { code: 'not-found', message: 'no route for that request target' } });
    }
    expect((await api('GET', '/healthz')).status).toBe(200);
  });

  it('requires the bearer token on TCP, with any case of the scheme', async () => {
    const { port } = tcp.address as { port: number };
    const url = `http://127.0.0.1:${port}/v1/status`;
    const missing = await request(url);
    expect(errorOf(missing)).toMatchObject({ status: 401, error: { code: 'unauthorized' } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await request(url, { headers: { authorization: 'Bearer not-the-token-at-all-nope' } })).status).toBe(401);
    expect((await request(url, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    expect((await request(url, { headers: { authorization: `bEaReR ${TOKEN}` } })).status).toBe(200);
  });
});

describe('messages', () => {
  it('accepts a message (202 with Location), replays an Idempotency-Key (200) and refuses it for another body (409)', async () => {
    const sent = await api<Message>('POST', '/v1/messages', { json: { recipients: [FRIEND], message: 'hi' }, headers: { 'idempotency-key': 'k1' } });
    expect(sent.status).toBe(202);
    expect(sent.headers.get('location')).toBe(`/v1/messages/${sent.json.id}`);
    expect(sent.json).toMatchObject({ state: 'queued', recipients: [FRIEND] });
    const again = await api<Message>('POST', '/v1/messages', { json: { recipients: [FRIEND], message: 'hi' }, headers: { 'idempotency-key': 'k1' } });
    expect(again).toMatchObject({ status: 200, json: { id: sent.json.id } });
    expect(errorOf(await api('POST', '/v1/messages', { json: { recipients: [FRIEND], message: 'other' }, headers: { 'idempotency-key': 'k1' } }))).toMatchObject({
      status: 409,
      error: { code: 'idempotency-conflict', field: 'Idempotency-Key' },
    });
    await harness.until(async () => (await harness.service.message(sent.json.id)).state === 'sent', 'the send');
    const read = await api<Message>('GET', `/v1/messages/${sent.json.id}`);
    expect(read.json).toMatchObject({ id: sent.json.id, state: 'sent', message: 'hi' });
  });

  it('accepts a batch and answers its messages in order', async () => {
    const batch = await api<{ messages: Message[] }>('POST', '/v1/messages', { json: { messages: [{ recipients: [FRIEND], message: 'a' }, { recipients: [FRIEND], message: 'b' }] } });
    expect(batch.status).toBe(202);
    expect(batch.json.messages).toHaveLength(2);
    expect(batch.headers.get('location')).toBeNull();
  });

  it('refuses bad requests with a code and, where it applies, the field', async () => {
    const cases: [string, Parameters<typeof api>[2], unknown][] = [
      ['broken JSON', { body: '{"recipients":' }, { status: 400, error: { code: 'invalid-json' } }],
      ['bytes that are not UTF-8', { body: new Uint8Array([0x7b, 0xff, 0x7d]) }, { status: 400, error: { code: 'invalid-body' } }],
      ['a JSON null', { body: 'null' }, { status: 400, error: { code: 'invalid-body' } }],
      ['a bad recipient', { json: { recipients: ['+1'], message: 'x' } }, { status: 400, error: { code: 'invalid-recipient', field: 'recipients' } }],
      ['an empty Idempotency-Key', { json: { recipients: [FRIEND], message: 'x' }, headers: { 'idempotency-key': ' ' } }, { status: 400, error: { code: 'invalid-idempotency-key', field: 'Idempotency-Key' } }],
      ['a long Idempotency-Key', { json: { recipients: [FRIEND], message: 'x' }, headers: { 'idempotency-key': 'k'.repeat(257) } }, { status: 400, error: { code: 'invalid-idempotency-key' } }],
      ['attachments over the limit', { json: { recipients: [FRIEND], attachments: [{ filename: 'a', contentType: 'a/b', data: Buffer.alloc(2_000).toString('base64') }] } }, { status: 413, error: { code: 'too-large' } }],
      ['a body over the request limit', { body: JSON.stringify({ recipients: [FRIEND], message: 'x'.repeat(2 * 1024 * 1024) }) }, { status: 413, error: { code: 'too-large', message: 'the request is larger than 1 MiB allows (raise TETHER_MAX_ATTACHMENT_MB)' } }],
    ];
    for (const [name, options, expected] of cases) expect(errorOf(await api('POST', '/v1/messages', options)), name).toMatchObject(expected as object);
  });

  it('lists with state, limit and before, refusing bad values', async () => {
    const all = (await api<Message[]>('GET', '/v1/messages?limit=100')).json.map((message) => message.id);
    expect((await api<Message[]>('GET', '/v1/messages?limit=2')).json.map((message) => message.id)).toEqual(all.slice(0, 2));
    const older = await api<Message[]>('GET', `/v1/messages?limit=100&before=${all[1]}`);
    expect(older.json.map((message) => message.id)).toEqual(all.slice(2));
    expect((await api<Message[]>('GET', '/v1/messages?state=failed')).json).toEqual([]);
    expect(errorOf(await api('GET', '/v1/messages?state=lost'))).toMatchObject({ status: 400, error: { code: 'invalid-state', field: 'state' } });
    for (const limit of ['0', '10001', '1.5', 'many']) expect(errorOf(await api('GET', `/v1/messages?limit=${limit}`)), limit).toMatchObject({ status: 400, error: { code: 'invalid-limit' } });
    expect(errorOf(await api('GET', '/v1/messages?before=a%20b'))).toMatchObject({ status: 400, error: { code: 'invalid-cursor', field: 'before' } });
    expect(errorOf(await api('GET', '/v1/messages?before=m-gone'))).toMatchObject({ status: 400, error: { code: 'invalid-cursor' } });
  });

  it('retries, cancels and reads by id, answering 404 and 409 where they do not apply', async () => {
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the link to drop');
    const queued = (await api<Message>('POST', '/v1/messages', { json: { recipients: [FRIEND], message: 'to cancel' } })).json;
    expect(await api('POST', `/v1/messages/${queued.id}/cancel`)).toMatchObject({ status: 200, json: { state: 'failed', error: 'cancelled' } });
    expect(errorOf(await api('POST', `/v1/messages/${queued.id}/cancel`))).toMatchObject({ status: 409, error: { code: 'conflict' } });
    expect(await api('POST', `/v1/messages/${queued.id}/retry`)).toMatchObject({ status: 200, json: { state: 'queued' } });
    for (const path of ['/v1/messages/m-unknown', '/v1/messages/a%2Fb', `/v1/messages/${'x'.repeat(65)}`, '/v1/messages/m-unknown/retry', '/v1/messages/m-unknown/cancel']) {
      const method = path.endsWith('y') || path.endsWith('l') ? 'POST' : 'GET';
      expect(errorOf(await api(method, path)), path).toMatchObject({ status: 404, error: { code: 'not-found' } });
    }
    await harness.clock.advanceAsync(100);
    await harness.until(() => harness.channel.connection.isUp, 'the link to return');
  });
});

describe('the captcha challenge', () => {
  it('checks the body, submits the captcha and answers the gate, or 502 when the backend refuses', async () => {
    expect(errorOf(await api('POST', '/v1/challenge', { body: 'null' }))).toMatchObject({ status: 400, error: { code: 'invalid-body' } });
    expect(errorOf(await api('POST', '/v1/challenge', { json: { captcha: 'x' } }))).toMatchObject({ status: 400, error: { code: 'invalid-token', field: 'token' } });
    expect(errorOf(await api('POST', '/v1/challenge', { json: { token: 't', captcha: '' } }))).toMatchObject({ status: 400, error: { code: 'invalid-captcha', field: 'captcha' } });
    // a bare scheme is no captcha either (it reached the backend and came back as a 502)
    expect(errorOf(await api('POST', '/v1/challenge', { json: { token: 't', captcha: 'signalcaptcha://' } }))).toMatchObject({ status: 400, error: { code: 'invalid-captcha', field: 'captcha' } });
    expect(errorOf(await api('POST', '/v1/challenge', { body: 'x'.repeat(70 * 1024) }))).toMatchObject({ status: 413, error: { code: 'too-large' } });
    expect(await api('POST', '/v1/challenge', { json: { token: 'accepted', captcha: 'signalcaptcha://x' } })).toMatchObject({ status: 200, json: { state: 'open' } });
    expect(errorOf(await api('POST', '/v1/challenge', { json: { token: 'refused', captcha: 'x' } }))).toMatchObject({ status: 502, error: { code: 'challenge-failed' } });
    expect(challenges).toEqual(['accepted', 'refused']);
  });
});

describe('the event stream', () => {
  it('replays from since or Last-Event-ID, filters kinds, then follows live', async () => {
    const stream = new EventStream<Record<string, unknown>>('http://tetherd/v1/events?kinds=incoming&since=all', { socketPath: socketPath() });
    harness.transport.emit(incomingMessage({ text: 'live one' }));
    const [first] = await stream.until((events) => events.length >= 1, 'the incoming event');
    expect(first).toMatchObject({ event: 'incoming', data: { kind: 'message', text: 'live one' } });
    expect(first!.data).not.toHaveProperty('raw');
    stream.close();
    const resumed = new EventStream<Record<string, unknown>>('http://tetherd/v1/events', { socketPath: socketPath(), lastEventId: String(Number(first!.id) - 1) });
    const replayed = await resumed.until((events) => events.length >= 1, 'the replay');
    expect(replayed[0]!.id).toBe(first!.id);
    resumed.close();
  });

  it('refuses a bad since or kinds', async () => {
    for (const query of ['?since=-1', '?since=later', '?since=1.5']) expect(errorOf(await api('GET', `/v1/events${query}`)), query).toMatchObject({ status: 400, error: { code: 'invalid-since', field: 'since' } });
    expect(errorOf(await api('GET', '/v1/events?kinds=incoming,typo'))).toMatchObject({ status: 400, error: { code: 'invalid-kinds', field: 'kinds' } });
  });

  it('closes a subscriber that stopped reading once its queue overflows, and keeps serving the others', async () => {
    // a reader that asks for the stream and then never reads a byte
    const stuck = net.connect(socketPath());
    stuck.on('error', () => undefined);
    const gone = new Promise<void>((resolve) => stuck.once('close', () => resolve()));
    await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
    stuck.write('GET /v1/events?kinds=incoming HTTP/1.1\r\nHost: tetherd\r\n\r\n');
    stuck.pause();
    const reader = new EventStream('http://tetherd/v1/events?kinds=incoming', { socketPath: socketPath() });
    await reader.opened;
    await harness.until(() => harness.feed.subscriberCount >= 2, 'both subscribers');
    const text = 'x'.repeat(8 * 1024);
    let sent = 0;
    // the kernel's and the response's buffers fill first; then the feed's bounded queue (50 here)
    while (harness.feed.overflows === 0 && sent < 2_000) {
      harness.transport.emit(incomingMessage({ text }));
      if (++sent % 10 === 0) await harness.settle();
    }
    expect(harness.feed.overflows).toBe(1);
    stuck.resume();
    await gone;
    await reader.until((events) => events.length === sent, 'every event for the reader that keeps up');
    reader.close();
  });
});

describe('shutdown', () => {
  it('answers 503 with Retry-After to new messages once the service is closing', async () => {
    await harness.service.close();
    const refused = await api('POST', '/v1/messages', { json: { recipients: [FRIEND], message: 'late' } });
    expect(errorOf(refused)).toMatchObject({ status: 503, error: { code: 'shutting-down' } });
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await api('GET', '/healthz')).status).toBe(200);
  });
});
