// tetherd started in this process (startDaemon, as embedders do) against the emulator in this
// process, over real sockets: the composition root wires the control API (Unix socket and TCP with
// the token), the compat endpoint with its receive WebSocket, webhooks, metrics and the outbox, and
// stops in order. Every log line it writes is checked for full phone numbers and message bodies.
import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { systemClock } from '@tether/core';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { EventStream, request, tempDir, within, type TempDir } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createLogger, resolveConfig, runDaemon, startDaemon, StartupError, type RunningDaemon, type Settings } from '../src/index.js';
import type { Message, Status } from '../src/protocol/index.js';
import { ReceiveClient, textOf } from './compat-helpers.js';
import { ACCOUNT, FRIEND } from './tetherd.js';

const TOKEN = 'in-process-token-0123456789';
const SECRET_TEXT = 'a message body that must never be logged';
let emulator: Emulator;
let state: TempDir;
let daemon: RunningDaemon;
let settings: Settings;
const logLines: string[] = [];
const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const hookWaiters = new Set<() => void>();
let hookServer: http.Server;
/** startDaemon makes this process's umask 077, as tetherd's; the worker goes on to other test files. */
const umask = process.umask();

/** Resolves once a webhook delivery matching `check` has arrived. */
function hookArrives(check: (body: string) => boolean, what: string): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const look = (): void => {
        if (!hooks.some((hook) => check(hook.body))) return;
        hookWaiters.delete(look);
        resolve();
      };
      hookWaiters.add(look);
      look();
    }),
    what,
  );
}

function settingsFor(env: Record<string, string>): Settings {
  const resolved = resolveConfig({ flags: {}, env: { TETHER_ACCOUNT: ACCOUNT, TETHER_BACKOFF_INITIAL_MS: '20', TETHER_BACKOFF_MAX_MS: '200', TETHER_SHUTDOWN_TIMEOUT_MS: '1000', ...env } });
  if (!resolved.ok) throw new Error(resolved.errors.join('\n'));
  return resolved.settings;
}

const logger = () =>
  createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );

beforeAll(async () => {
  emulator = await startEmulator({ account: ACCOUNT });
  hookServer = http.createServer((incoming, response) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    incoming.on('end', () => {
      hooks.push({ headers: incoming.headers, body });
      response.end();
      for (const look of [...hookWaiters]) look();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  state = tempDir('tetherd-in-process-');
  writeFileSync(state.join('token'), TOKEN, { mode: 0o600 });
  settings = settingsFor({
    TETHER_SIGNAL_URL: emulator.restUrl!,
    TETHER_STATE_DIR: state.join('state'),
    TETHER_SOCKET: state.join('tether.sock'),
    TETHER_LISTEN: '127.0.0.1:0',
    TETHER_TOKEN_FILE: state.join('token'),
    TETHER_COMPAT_LISTEN: '127.0.0.1:0',
    TETHER_WEBHOOK_URL: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`,
    TETHER_WEBHOOK_SECRET: 'webhook-secret',
    TETHER_SEND_RATE: '6000',
    TETHER_SEND_BURST: '100',
  });
  daemon = await startDaemon(settings, logger(), systemClock);
  await waitForStatus((status) => status.state === 'connected', 'the link');
});

afterAll(async () => {
  await daemon.stop();
  await emulator.close();
  hookServer.closeAllConnections();
  await new Promise((resolve) => hookServer.close(resolve));
  state.remove();
  process.umask(umask);
});

const control = <T = unknown>(method: string, path: string, json?: unknown, headers: Record<string, string> = {}) =>
  request<T>(`http://tetherd${path}`, { method, socketPath: daemon.listeners.socketPath, headers, ...(json === undefined ? {} : { json }) });
const compat = (method: string, path: string, options: { json?: unknown; body?: string; headers?: Record<string, string> } = {}) =>
  request(`http://127.0.0.1:${daemon.listeners.compat!.port}${path}`, { method, ...options, headers: { authorization: `Bearer ${TOKEN}`, ...options.headers } });

/** Resolves once status satisfies `check`, read after each event the daemon streams. */
async function waitForStatus(check: (status: Status) => boolean, what: string): Promise<void> {
  const stream = new EventStream(`http://tetherd/v1/events`, { socketPath: daemon.listeners.socketPath });
  try {
    let ok = check((await control<Status>('GET', '/v1/status')).json);
    while (!ok) {
      const seen = stream.events.length;
      await stream.until((events) => events.length > seen, what);
      ok = check((await control<Status>('GET', '/v1/status')).json);
    }
  } finally {
    stream.close();
  }
}

async function sentState(id: string, states: readonly string[]): Promise<Message> {
  const stream = new EventStream<Message>('http://tetherd/v1/events?kinds=message&since=all', { socketPath: daemon.listeners.socketPath });
  try {
    await stream.until((events) => events.some((event) => event.data.id === id && states.includes(event.data.state)), `message ${id} ${states.join('|')}`);
    return (await control<Message>('GET', `/v1/messages/${id}`)).json;
  } finally {
    stream.close();
  }
}

describe('the control API of an in-process tetherd', () => {
  it('sends through the outbox to Signal and reports it in status and metrics', async () => {
    const posted = await control<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: SECRET_TEXT });
    expect(posted.status).toBe(202);
    expect(await sentState(posted.json.id, ['sent'])).toMatchObject({ state: 'sent', message: SECRET_TEXT });
    expect(emulator.sent().map((record) => record.message)).toContain(SECRET_TEXT);
    const status = (await control<Status>('GET', '/v1/status')).json;
    expect(status).toMatchObject({ account: ACCOUNT, backend: { kind: 'rest', receive: 'best-effort' }, webhook: { state: expect.any(String) } });
    const metrics = await control('GET', '/metrics');
    expect(metrics.text).toMatch(/tether_send_outcomes_total\{class="sent"\} [1-9]/);
    expect(daemon.service.account).toBe(ACCOUNT);
  });

  it('serves loopback TCP only with the token', async () => {
    const { host, port } = daemon.listeners.tcpAddress!;
    expect((await request(`http://${host}:${port}/v1/status`)).status).toBe(401);
    expect((await request(`http://${host}:${port}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('spools incoming messages, streams them and posts them to the webhook, signed', async () => {
    const stream = new EventStream<{ text?: string }>('http://tetherd/v1/events?kinds=incoming', { socketPath: daemon.listeners.socketPath });
    await stream.opened;
    emulator.inject({ from: FRIEND, text: 'incoming in process' });
    await stream.until((events) => events.some((event) => event.data.text === 'incoming in process'), 'the incoming event');
    stream.close();
    await hookArrives((body) => body.includes('incoming in process'), 'the webhook delivery');
    expect(hooks.at(-1)!.headers['tether-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });
});

describe('the compat endpoint of an in-process tetherd', () => {
  it('answers health, about and accounts as signal-cli-rest-api does', async () => {
    expect(await compat('GET', '/v1/health')).toMatchObject({ status: 204, text: '' });
    expect((await compat('GET', '/v1/about')).json).toMatchObject({ mode: 'json-rpc', version: '0.100', versions: ['v1', 'v2'], capabilities: { 'v2/send': ['quotes', 'mentions'] }, tether: { backend: 'rest', send: 'wait' } });
    expect((await compat('GET', '/v1/accounts')).json).toEqual([ACCOUNT]);
  });

  it('sends through the outbox on /v2/send and /v1/send, answering with Signal timestamps', async () => {
    const v2 = await compat('POST', '/v2/send', { json: { number: ACCOUNT, recipients: [FRIEND], message: 'compat v2', base64_attachments: [`data:text/plain;filename=a.txt;base64,${Buffer.from('hi').toString('base64')}`] } });
    expect(v2.status).toBe(201);
    expect(v2.headers.get('x-tether-send')).toBe('sent');
    const record = emulator.sent().find((each) => each.message === 'compat v2');
    expect(v2.json).toEqual({ timestamp: String(record!.timestamp) });
    const v1 = await compat('POST', '/v1/send', { json: { number: ACCOUNT, recipients: [FRIEND], message: 'compat v1' }, headers: { 'idempotency-key': 'compat-key' } });
    expect(v1.status).toBe(201);
    const again = await compat('POST', '/v1/send', { json: { number: ACCOUNT, recipients: [FRIEND], message: 'compat v1' }, headers: { 'idempotency-key': 'compat-key' } });
    expect(again.headers.get('x-tether-message-id')).toBe(v1.headers.get('x-tether-message-id'));
    expect(emulator.sent().filter((each) => each.message === 'compat v1')).toHaveLength(1);
  });

  it('refuses like gin: 400 with the text, the plain 404, 401 without the token, 403 for web pages', async () => {
    expect(await compat('POST', '/v2/send', { body: '{' })).toMatchObject({ status: 400, json: { error: "Couldn't process request - invalid request" } });
    expect(await compat('POST', '/v2/send', { json: { number: '+4915199999999', recipients: [FRIEND], message: 'x' } })).toMatchObject({ status: 400, json: { error: 'Specified account does not exist' } });
    expect(await compat('GET', '/v2/send')).toMatchObject({ status: 404, text: '404 page not found' });
    expect(await compat('GET', '/v1/nothing')).toMatchObject({ status: 404, text: '404 page not found' });
    expect(await compat('POST', '/v1/receipts/%ZZ', { json: {} })).toMatchObject({ status: 400, json: { error: "Couldn't process request - malformed number" } });
    expect((await compat('GET', '/v1/about', { headers: { authorization: '' } })).status).toBe(401);
    expect((await compat('GET', '/v1/about', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await compat('GET', '/v1/about', { headers: { host: 'tether.example:8080' } })).status).toBe(403);
    // a target that is no URL relative to ours ended the process (a throw inside the error handler)
    expect(await compat('GET', '//')).toMatchObject({ status: 404, text: '404 page not found' });
    expect(await compat('POST', '//host:99999/v2/send', { json: {} })).toMatchObject({ status: 404, text: '404 page not found' });
    const plainGet = await compat('GET', `/v1/receive/${encodeURIComponent(ACCOUNT)}`);
    expect(plainGet).toMatchObject({ status: 400, text: expect.stringMatching(/^Bad Request\n.*not using the websocket protocol/s) });
  });

  it('forwards typing, receipts and reactions to the backend, and the captcha challenge', async () => {
    const number = encodeURIComponent(ACCOUNT);
    expect((await compat('PUT', `/v1/typing-indicator/${number}`, { json: { recipient: FRIEND } })).status).toBe(204);
    expect((await compat('POST', `/v1/receipts/${number}`, { json: { recipient: FRIEND, receipt_type: 'read', timestamp: 1_700_000_000_000 } })).status).toBe(204);
    expect((await compat('POST', `/v1/reactions/${number}`, { json: { recipient: FRIEND, reaction: '👍', target_author: FRIEND, timestamp: 1_700_000_000_000 } })).status).toBe(204);
    expect(await compat('POST', `/v1/receipts/${number}`, { json: { recipient: FRIEND, receipt_type: 'delivered', timestamp: 1 } })).toMatchObject({ status: 400, json: { error: "Couldn't process request - receipt type must be read or viewed" } });
    expect(await compat('PUT', '/v1/typing-indicator/%2B4915100000000', { json: { recipient: FRIEND } })).toMatchObject({ status: 400, json: { error: 'Specified account does not exist' } });
    expect((await compat('POST', `/v1/accounts/${number}/rate-limit-challenge`, { json: { challenge_token: 'tok', captcha: 'signalcaptcha://ok' } })).status).toBe(204);
    expect(emulator.submittedChallenges()).toContainEqual(expect.objectContaining({ token: 'tok', captcha: 'ok' }));
    expect(await compat('POST', `/v1/accounts/${number}/rate-limit-challenge`, { json: { captcha: 'x' } })).toMatchObject({ status: 400, json: { error: "Couldn't process request - challenge token missing" } });
  });

  it('streams incoming messages on the receive WebSocket, and refuses web pages and strangers there', async () => {
    const base = `http://127.0.0.1:${daemon.listeners.compat!.port}`;
    const client = new ReceiveClient(base, ACCOUNT, { authorization: `Bearer ${TOKEN}` });
    await client.opened;
    emulator.inject({ from: FRIEND, text: 'over the compat socket' });
    let frame = await client.next();
    while (textOf(frame) !== 'over the compat socket') frame = await client.next();
    expect(frame).toMatchObject({ account: ACCOUNT, envelope: { sourceNumber: FRIEND } });
    await client.close();
    await expect(new ReceiveClient(base, ACCOUNT).opened).rejects.toThrow(/401/);
    await expect(new ReceiveClient(base, ACCOUNT, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }).opened).rejects.toThrow(/403/);
    await expect(new ReceiveClient(`${base}/elsewhere`, ACCOUNT, { authorization: `Bearer ${TOKEN}` }).opened).rejects.toThrow(/404/);
    await expect(new ReceiveClient(`${base}//host:99999`, ACCOUNT, { authorization: `Bearer ${TOKEN}` }).opened).rejects.toThrow(/404/);
    expect((await compat('GET', '/v1/health')).status).toBe(204);
  });
});

describe('starting and stopping in process', () => {
  it('refuses a second daemon on the same state directory, naming the first', async () => {
    const second = startDaemon({ ...settings, socket: state.join('second.sock'), listen: undefined, compatListen: undefined }, logger());
    await expect(second).rejects.toThrow(StartupError);
    await expect(second).rejects.toThrow(/another tetherd already uses .*: tetherd pid \d+ \(socket .*tether\.sock/);
  });

  it('refuses a token file others can read, a short token, and a taken compat address', async () => {
    const other = tempDir('tetherd-in-process-');
    writeFileSync(other.join('open-token'), TOKEN);
    chmodSync(other.join('open-token'), 0o644); // after creation: tetherd's umask (077) applies to this process now
    writeFileSync(other.join('short-token'), 'short', { mode: 0o600 });
    const base = { ...settings, stateDir: other.join('state'), socket: other.join('tether.sock'), compatListen: undefined, webhookUrl: undefined };
    await expect(startDaemon({ ...base, tokenFile: other.join('open-token') }, logger())).rejects.toThrow(ConfigError);
    await expect(startDaemon({ ...base, tokenFile: other.join('short-token') }, logger())).rejects.toThrow(/at least 16 characters/);
    await expect(startDaemon({ ...base, tokenFile: other.join('missing') }, logger())).rejects.toThrow(/cannot be read: ENOENT/);
    await expect(startDaemon({ ...base, compatListen: daemon.listeners.compat! }, logger())).rejects.toThrow(/TETHER_COMPAT_LISTEN: .*EADDRINUSE/);
    // the failed start released everything: the next one on the same directory starts and stops
    const next = await startDaemon({ ...base, listen: undefined, tokenFile: undefined, signalUrl: emulator.restUrl! }, logger());
    await next.stop();
    await next.stop();
    other.remove();
  });

  it('runs as tetherd does: exit 2 for a bad configuration, 1 for a start that cannot go on, one line each', async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((text: string) => (written.push(text), true)) as typeof process.stderr.write;
    try {
      expect(await runDaemon({ flags: {}, env: {} })).toBe(2);
      const file = state.join('not-a-directory');
      writeFileSync(file, '');
      expect(await runDaemon({ flags: { account: ACCOUNT, stateDir: `${file}/state` }, env: {} })).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(written[0]).toMatch(/^tetherd: invalid configuration:\n {2}- TETHER_ACCOUNT is required/);
    expect(written[1]).toMatch(/^tetherd: cannot create the state directory .*not-a-directory\/state.*\n$/);
    expect(written[1]!.trim().split('\n')).toHaveLength(1);
  });

  it('never logged a full phone number or a message body', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const all = logLines.join('\n');
    expect(all).not.toContain(SECRET_TEXT);
    expect(all).not.toContain(ACCOUNT);
    expect(all).not.toContain(FRIEND);
    expect(all).toContain('+49…5678');
  });
});
