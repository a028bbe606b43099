// Answers shaped like gin's and the compat endpoint's browser and token guards, on a real socket.
import http from 'node:http';
import { Readable } from 'node:stream';
import { request, tempDir } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aboutBody } from './about.js';
import { authorized } from './auth.js';
import { BodyTooLarge, errorAnswer, goJson, readText, writeAnswer, writeNotFound, writeText } from './http-io.js';
import { fromBrowser } from './server.js';
import { BodyBudget } from '../http/body.js';

const budget = new BodyBudget(1024 * 1024);

const TOKEN = 'compat-token-0123456789';
let server: http.Server;
let socketPath: string;

beforeAll(async () => {
  socketPath = tempDir().join('compat.sock');
  server = http.createServer((incoming, response) => {
    const url = incoming.url ?? '/';
    if (url === '/auth') return writeText(response, authorized(incoming, TOKEN) ? 200 : 401, '');
    if (url === '/missing') return writeNotFound(response);
    if (url === '/passthrough') return writeAnswer(response, { status: 201, body: '{"timestamp":"1"}', headers: { 'x-tether-send': 'sent' } });
    if (url === '/empty') return writeAnswer(response, { status: 204, headers: { 'x-empty': 'yes' } });
    readText(incoming, 8, budget.open()).then(
      (text) => {
        writeAnswer(response, { status: 200, body: { text } });
        writeAnswer(response, errorAnswer(500, 'ignored: already answered'));
        writeText(response, 500, 'ignored too');
      },
      (error: unknown) => writeAnswer(response, errorAnswer(400, error instanceof BodyTooLarge ? 'too large' : 'other')),
    );
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const call = (path: string, options: Parameters<typeof request>[1] = {}) => request(`http://127.0.0.1${path}`, { socketPath, ...options });

describe('gin-shaped answers', () => {
  it('writes JSON with charset, passes a backend body through, and answers once', async () => {
    expect(await call('/echo', { method: 'POST', body: 'héllo' })).toMatchObject({ status: 200, json: { text: 'héllo' } });
    const passed = await call('/passthrough');
    expect(passed).toMatchObject({ status: 201, text: '{"timestamp":"1"}' });
    expect(passed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(passed.headers.get('x-tether-send')).toBe('sent');
    const empty = await call('/empty');
    expect(empty).toMatchObject({ status: 204, text: '' });
    expect(empty.headers.get('x-empty')).toBe('yes');
    expect(await call('/missing')).toMatchObject({ status: 404, text: '404 page not found' });
  });

  it('stops reading past the limit, whether declared or streamed', async () => {
    expect(await call('/echo', { method: 'POST', body: '123456789' })).toMatchObject({ status: 400, json: { error: 'too large' } });
    // a body without Content-Length (chunked) is counted while it is read
    const streamed = (chunks: string[]) => Object.assign(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), { headers: {} }) as unknown as http.IncomingMessage;
    await expect(readText(streamed(['1234', '5678', '9']), 8, budget.open())).rejects.toThrow(BodyTooLarge);
    await expect(readText(streamed(['1234', '5678']), 8, budget.open())).resolves.toBe('12345678');
  });

  it("escapes <, >, & and line separators as Go's encoder does", () => {
    expect(goJson({ text: '<b>&\u2028\u2029' })).toBe('{"text":"\\u003cb\\u003e\\u0026\\u2028\\u2029"}');
  });
});

describe('the token', () => {
  it('is taken as Bearer or as the Basic password, and only when it matches', async () => {
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const status = async (authorization?: string) => (await call('/auth', authorization === undefined ? {} : { headers: { authorization } })).status;
    expect(await status()).toBe(401);
    expect(await status(`Bearer ${TOKEN}`)).toBe(200);
    expect(await status(`bearer ${TOKEN}`)).toBe(200);
    expect(await status(basic('apprise', TOKEN))).toBe(200);
    expect(await status(basic('apprise', 'wrong'))).toBe(401);
    expect(await status(`Bearer ${TOKEN}x`)).toBe(401);
    expect(authorized({ headers: {} } as http.IncomingMessage, undefined)).toBe(true);
  });
});

describe('fromBrowser', () => {
  const judge = (headers: http.IncomingHttpHeaders) => fromBrowser({ headers });
  it('lets programs on loopback through, and the endpoint’s own origin', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', '127.1.2.3', undefined]) expect(judge({ host }), String(host)).toBe(false);
    expect(judge({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' })).toBe(false);
    expect(judge({ host: '127.0.0.1:8080', origin: 'ws://127.0.0.1:8080' })).toBe(false);
  });

  it('refuses other hosts (DNS rebinding) and any other origin', () => {
    expect(judge({ host: 'evil.example' })).toBe(true);
    expect(judge({ host: '127.0.0.1.nip.io:8080' })).toBe(true);
    expect(judge({ host: '127.0.0.1:8080', origin: 'https://evil.example' })).toBe(true);
    expect(judge({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:9090' })).toBe(true);
    expect(judge({ host: '127.0.0.1:8080', origin: 'null' })).toBe(true);
    expect(judge({ origin: 'http://127.0.0.1:8080' })).toBe(true);
  });
});

describe('aboutBody', () => {
  it('imitates 0.100 in json-rpc mode and says who really answers', () => {
    const settings = { compatSend: 'queue', compatWaitMs: 0 } as const;
    const rest = aboutBody({ backend: () => ({ kind: 'rest', url: 'http://x', receive: 'best-effort' }), settings: settings as never });
    expect(rest).toMatchObject({ mode: 'json-rpc', version: '0.100', capabilities: { 'v2/send': ['quotes', 'mentions'] }, tether: { backend: 'rest', send: 'queue', waitMs: 0, version: expect.any(String) } });
    const jsonRpc = aboutBody({ backend: () => ({ kind: 'jsonrpc', url: 'tcp://x', receive: 'lossless' }), settings: settings as never });
    expect(jsonRpc).toMatchObject({ capabilities: { 'v2/send': ['quotes', 'mentions'] }, tether: { backend: 'jsonrpc' } });
  });
});
