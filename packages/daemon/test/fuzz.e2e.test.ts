// Issue 14's fuzz: the real tetherd (a process) against the emulator, driven through the control
// API and the compat endpoint with generated methods, paths, queries, headers and bodies (valid,
// mutated, broken JSON, bytes that are not UTF-8). Every answer must be a 2xx or a 4xx in the
// surface's error shape, never a 5xx, a hang or a crash; and every send answered 2xx must reach
// the emulator exactly once (link up, no faults), which the emulator's sent() record shows.
import http from 'node:http';
import { makeGroupId, restGroupId, startEmulator, type Emulator } from '@tether/signal-emulator';
import { within } from '@tether/test-helpers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type Message } from '../src/protocol/index.js';
import { compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND, type Tetherd } from './tetherd.js';

const CONTROL_RUNS = 1_200;
const COMPAT_RUNS = 1_000;
const GROUP_ID = makeGroupId('fuzz');
const GROUP = restGroupId(GROUP_ID);
const NUMBERS = [FRIEND, '+4915100000001', '+447700900123', '+12025550123'];

let emulator: Emulator;
let tetherd: Tetherd;
let compatBase: string;
/** Messages tetherd accepted (2xx), by id. */
const accepted = new Set<string>();
/** Timestamps of sends compat forwarded to the backend unqueued (quotes, mentions …) and answered 2xx. */
const forwarded: number[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ account: ACCOUNT, groups: [{ id: GROUP_ID, name: 'Fuzz', members: [FRIEND] }] });
  ({ tetherd, base: compatBase } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl!, TETHER_LOG_LEVEL: 'info' }));
  await tetherd.logLine(/"to":"connected"/);
});
afterAll(async () => {
  await tetherd?.kill();
  await emulator?.close();
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

interface Call {
  readonly method: string;
  /** `{id}` in it stands for a message tetherd accepted earlier (picked by `pick`). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly pick?: number;
}

/** The call with `{id}` replaced by one of the accepted messages' ids. */
function resolved(call: Call): Call {
  if (!call.path.includes('{id}')) return call;
  const ids = [...accepted];
  return { ...call, path: call.path.replace('{id}', ids[(call.pick ?? 0) % Math.max(1, ids.length)] ?? 'm-none') };
}

/** One request, bounded; an event stream is taken as answered once its headers arrive. */
function send(target: { socketPath: string } | { host: string; port: number }, call: Call): Promise<Answer> {
  const answer = new Promise<Answer>((resolve, reject) => {
    const payload = call.body === undefined ? undefined : Buffer.from(call.body);
    const outgoing = http.request(
      { ...target, agent: false, method: call.method, path: call.path, headers: { ...(payload ? { 'content-length': String(payload.length) } : {}), ...call.headers } },
      (response) => {
        if (String(response.headers['content-type']).startsWith('text/event-stream')) {
          response.destroy();
          return resolve({ status: response.statusCode ?? 0, headers: response.headers, text: '' });
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
  return within(answer, `an answer to ${call.method} ${call.path}`, 10_000).catch((error: unknown) => {
    const exited = tetherd.process.exitCode ?? tetherd.process.signalCode;
    throw new Error(`${call.method} ${call.path} got no answer (${(error as Error).message})${exited === null ? '' : `; tetherd exited (${exited}): ${tetherd.stderr}`}`);
  });
}

const json = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** Why the control API's answer is wrong, or undefined. */
function controlProblem(call: Call, answer: Answer): string | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}`;
  if (call.method === 'HEAD') return undefined;
  const body = json(answer.text) as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined;
  const error = body?.error;
  if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1 || typeof error !== 'object' || error === null) return `not { error }: ${answer.text.slice(0, 200)}`;
  if (!(ERROR_CODES as readonly unknown[]).includes(error.code)) return `unknown code ${String(error.code)}`;
  if (typeof error.message !== 'string' || error.message === '') return 'no message';
  if (error.field !== undefined && typeof error.field !== 'string') return 'a field that is not text';
  if (Object.keys(error).some((key) => !['code', 'message', 'field'].includes(key))) return `extra keys ${Object.keys(error).join(',')}`;
  if (answer.status === 405 && !answer.headers.allow) return '405 without Allow';
  return undefined;
}

/** Why the compat endpoint's answer is wrong, or undefined. */
function compatProblem(answer: Answer): string | undefined {
  if (answer.status >= 200 && answer.status < 300) return undefined;
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}`;
  if (answer.status === 404 && answer.text === '404 page not found') return undefined;
  // gorilla/websocket's refusal of a plain GET on the receive path, as upstream writes it
  const text = answer.status === 400 && answer.text.startsWith('Bad Request\n') ? answer.text.slice('Bad Request\n'.length) : answer.text;
  const body = json(text) as { error?: unknown } | undefined;
  if (typeof body !== 'object' || body === null || typeof body.error !== 'string') return `not { error }: ${answer.text.slice(0, 200)}`;
  return undefined;
}

// ---- generators -------------------------------------------------------------------------------

const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.constantFrom('', ' ', 'hi', '<&>', '+4915187654321', '\u0000', '😀'));
const garbage = fc.oneof(fc.jsonValue({ maxDepth: 2 }), text);
const base64 = fc.uint8Array({ minLength: 0, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const recipient = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...NUMBERS) }, fc.constantFrom('u:alice.01', 'bob.42', GROUP, '6b0f101c-14d0-4ab8-be91-b79b4835841c', '+1', ' +49 151 87654321', 'group.abc'), garbage);
/** Body bytes: JSON of a value, broken JSON, bytes that are not UTF-8, or nothing. */
const encoded = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array | undefined> =>
  fc.oneof(
    { weight: 8, arbitrary: value.map((each) => JSON.stringify(each)) },
    { weight: 1, arbitrary: value.chain((each) => fc.nat().map((cut) => JSON.stringify(each).slice(0, cut % Math.max(1, JSON.stringify(each).length)))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'null', '[]', '"text"', '{', '{"recipients":') },
  );
/** A value with, sometimes, one field replaced by anything. */
const mutated = (record: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof({ weight: 3, arbitrary: record }, fc.tuple(record, fc.string({ maxLength: 12 }), garbage).map(([value, key, replacement]) => ({ ...value, [Object.keys(value)[key.length % Math.max(1, Object.keys(value).length)] ?? key]: replacement })));

const attachment = fc.record({ filename: fc.oneof(fc.constantFrom('a.txt', 'photo.jpg'), printable), contentType: fc.oneof(fc.constantFrom('text/plain', 'image/png'), printable), data: fc.oneof({ weight: 4, arbitrary: base64 }, printable) });
const sendRequest = mutated(
  fc.record(
    {
      recipients: fc.oneof({ weight: 8, arbitrary: fc.array(recipient, { minLength: 1, maxLength: 3 }) }, garbage),
      message: fc.oneof({ weight: 8, arbitrary: text }, garbage),
      attachments: fc.array(attachment, { maxLength: 2 }),
      expiresAt: fc.oneof(fc.date({ min: new Date('2000-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString()), garbage),
    },
    { requiredKeys: ['recipients'] },
  ),
);
/** What a well-behaved client sends: these make sure the exactly-once check has plenty to check. */
const validSend = fc.record(
  {
    recipients: fc.uniqueArray(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 }),
    message: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    attachments: fc.array(fc.record({ filename: fc.constantFrom('a.txt', 'b.bin'), contentType: fc.constantFrom('text/plain', 'application/octet-stream'), data: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')) }), { maxLength: 2 }),
    expiresAt: fc.date({ min: new Date('2100-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
  },
  { requiredKeys: ['recipients', 'message'] },
);
const messagesBody = fc.oneof({ weight: 6, arbitrary: sendRequest }, fc.record({ messages: fc.oneof(fc.array(fc.oneof(validSend, sendRequest), { maxLength: 4 }), garbage) }), garbage);
const messageId = fc.oneof({ weight: 3, arbitrary: fc.constant('{id}') }, fc.oneof(printable, fc.constantFrom('m1', 'a%2Fb', '..', 'x'.repeat(70))).map((id) => encodeURIComponent(id)));
const query = (pairs: fc.Arbitrary<[string, string]>[]) => fc.array(fc.oneof(...pairs), { maxLength: 3 }).map((entries) => (entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`));
const headers = (extra: fc.Arbitrary<Record<string, string>>) =>
  fc.tuple(
    fc.record({ 'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=utf-8'), 'x-fuzz': printable }, { requiredKeys: [] }),
    extra,
  ).map(([base, more]) => ({ ...base, ...more }));

const controlCall: fc.Arbitrary<Call> = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.oneof({ weight: 3, arbitrary: validSend.map((body) => JSON.stringify(body)) }, { weight: 2, arbitrary: encoded(messagesBody) }), headers(fc.record({ 'idempotency-key': fc.oneof(fc.constantFrom('', ' ', 'k1', 'k2', 'k3'), printable, fc.constant('k'.repeat(300))) }, { requiredKeys: [] }))).map(([body, head]) => ({ method: 'POST', path: '/v1/messages', headers: head, ...(body === undefined ? {} : { body }) })) },
  { weight: 2, arbitrary: fc.tuple(query([fc.tuple(fc.constant('state'), fc.oneof(fc.constantFrom('queued', 'sent', 'failed'), printable)), fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), printable)), fc.tuple(fc.constant('before'), fc.oneof(printable, fc.constant('{id}')))]), headers(fc.constant({})), fc.nat()).map(([search, head, pick]) => ({ method: 'GET', path: `/v1/messages${search.replace('%7Bid%7D', '{id}')}`, headers: head, pick })) },
  { weight: 2, arbitrary: fc.tuple(messageId, fc.constantFrom('', '/retry', '/cancel', '/other'), fc.constantFrom('GET', 'POST', 'DELETE'), fc.nat()).map(([id, action, method, pick]) => ({ method, path: `/v1/messages/${id}${action}`, headers: {}, pick })) },
  { weight: 1, arbitrary: encoded(fc.record({ token: garbage, captcha: fc.oneof(garbage, fc.constantFrom('signalcaptcha://', 'signalcaptcha://solved')) }, { requiredKeys: [] })).map((body) => ({ method: 'POST', path: '/v1/challenge', headers: {}, ...(body === undefined ? {} : { body }) })) },
  { weight: 1, arbitrary: fc.tuple(query([fc.tuple(fc.constant('since'), fc.oneof(fc.constantFrom('all', '0', '-1', '1.5'), printable)), fc.tuple(fc.constant('kinds'), fc.oneof(fc.constantFrom('incoming', 'state,message', 'gate,typo'), printable))]), fc.option(printable, { nil: undefined })).map(([search, lastId]) => ({ method: 'GET', path: `/v1/events${search}`, headers: lastId === undefined ? {} : { 'last-event-id': lastId } })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), fc.oneof(fc.constantFrom('/healthz', '/readyz', '/metrics', '/v1/status', '/v1/messages', '/v1/challenge', '/v1/events', '/', '/v2/send'), fc.webPath())).map(([method, path]) => ({ method, path: path === '' ? '/' : path, headers: {} })) },
);

const mixedCase = (key: string) => fc.constantFrom(key, key.toUpperCase(), key[0]!.toUpperCase() + key.slice(1));
const caseKeys = (value: fc.Arbitrary<Record<string, unknown>>) =>
  value.chain((record) => fc.tuple(...Object.keys(record).map((key) => mixedCase(key))).map((keys) => Object.fromEntries(Object.values(record).map((each, index) => [keys[index], each]))));
const numberField = fc.oneof({ weight: 8, arbitrary: fc.constant(ACCOUNT) }, fc.constantFrom('+4915199999999', ''), garbage);
const restAttachment = fc.oneof(base64, base64.map((data) => `data:text/plain;filename=a.txt;base64,${data}`), fc.constantFrom('data:image/png;base64,', 'not base64!', 'ab=c'));
const rich = fc.record({ quote_timestamp: fc.constant(1_700_000_000_000), quote_author: fc.constant(FRIEND), text_mode: fc.constantFrom('normal', 'styled'), mentions: fc.constant([{ start: 0, length: 1, author: FRIEND }]), sticker: fc.constantFrom('pack:1', 'nodelimiter'), edit_timestamp: fc.constant(1) }, { requiredKeys: [] });
const v2Body = caseKeys(
  mutated(
    fc.tuple(
      fc.record({ number: numberField, recipients: fc.oneof({ weight: 8, arbitrary: fc.array(recipient, { minLength: 0, maxLength: 3 }) }, garbage), message: fc.oneof({ weight: 8, arbitrary: text }, garbage), base64_attachments: fc.array(restAttachment, { maxLength: 2 }), notify_self: fc.boolean() }, { requiredKeys: ['number', 'recipients'] }),
      fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, rich),
    ).map(([base, extra]) => ({ ...base, ...extra })),
  ),
);
const validV2 = fc.record(
  { number: fc.constant(ACCOUNT), recipients: fc.uniqueArray(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 2 }), message: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), base64_attachments: fc.array(fc.uint8Array({ minLength: 1, maxLength: 48 }).map((bytes) => `data:application/octet-stream;filename=f.bin;base64,${Buffer.from(bytes).toString('base64')}`), { maxLength: 1 }) },
  { requiredKeys: ['number', 'recipients', 'message'] },
);
const v1Body = mutated(fc.record({ number: numberField, recipients: fc.array(fc.oneof(recipient, fc.constant(Buffer.from(GROUP_ID, 'latin1').toString('base64'))), { maxLength: 2 }), message: text, base64_attachment: restAttachment, is_group: fc.boolean() }, { requiredKeys: ['number', 'recipients'] }));
const pathNumber = fc.oneof({ weight: 6, arbitrary: fc.constant(encodeURIComponent(ACCOUNT)) }, fc.constantFrom('%2B4915100000000', '%ZZ', 'abc', encodeURIComponent(encodeURIComponent(ACCOUNT))));
const actionBody = fc.record({ recipient: recipient, receipt_type: fc.constantFrom('read', 'viewed', 'delivered'), timestamp: fc.oneof(fc.constant(1_700_000_000_000), fc.integer()), reaction: fc.constantFrom('👍', ''), target_author: fc.constantFrom(FRIEND, ''), challenge_token: text, captcha: text }, { requiredKeys: [] });
/** Mostly what a program sends; one in ten looks like a web page (an Origin, a Host that is not loopback). */
const compatHeaders = fc
  .tuple(
    fc.record({ 'idempotency-key': fc.oneof(fc.constantFrom('c1', 'c2', ''), printable), authorization: fc.constantFrom('Bearer nothing', 'Basic YTpi', '') }, { requiredKeys: [] }),
    fc.oneof({ weight: 9, arbitrary: fc.constant({}) }, fc.record({ origin: fc.constantFrom('https://evil.example', 'null'), host: fc.constantFrom('evil.example', 'LOCALHOST', '127.0.0.1.nip.io') }, { requiredKeys: [] })),
  )
  .map(([head, web]): Record<string, string> => ({ ...head, ...web }));

const compatCall: fc.Arbitrary<Call> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.oneof({ weight: 1, arbitrary: validV2.map((body) => JSON.stringify(body)) }, { weight: 2, arbitrary: encoded(v2Body) }), compatHeaders).map(([body, head]) => ({ method: 'POST', path: '/v2/send', headers: head, ...(body === undefined ? {} : { body }) })) },
  { weight: 2, arbitrary: fc.tuple(encoded(v1Body), compatHeaders).map(([body, head]) => ({ method: 'POST', path: '/v1/send', headers: head, ...(body === undefined ? {} : { body }) })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(['PUT', '/v1/typing-indicator/'], ['DELETE', '/v1/typing-indicator/'], ['POST', '/v1/receipts/'], ['POST', '/v1/reactions/'], ['DELETE', '/v1/reactions/'], ['POST', '/v1/accounts/:/rate-limit-challenge']), pathNumber, encoded(actionBody)).map(([[method, path], number, body]) => ({ method, path: path.includes(':') ? path.replace(':', number) : `${path}${number}`, headers: {}, ...(body === undefined ? {} : { body }) })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.oneof(fc.constantFrom('/v1/about', '/v1/health', '/v1/accounts', '/v2/send', `/v1/receive/${encodeURIComponent(ACCOUNT)}`, '/v1/receive/%ZZ', '/'), fc.webPath()), compatHeaders).map(([method, path, head]) => ({ method, path: path === '' ? '/' : path, headers: head })) },
);

// ---- the properties ---------------------------------------------------------------------------

function remember(answer: Answer): void {
  const body = json(answer.text) as Partial<Message> & { messages?: Message[]; timestamp?: string } | undefined;
  const id = answer.headers['x-tether-message-id'];
  if (typeof id === 'string') accepted.add(id);
  else if (body?.timestamp !== undefined) forwarded.push(Number(body.timestamp));
  if (typeof body?.id === 'string' && body.state !== undefined) accepted.add(body.id);
  for (const message of body?.messages ?? []) accepted.add(message.id);
}

describe('tetherd under generated requests', () => {
  it(`answers ${CONTROL_RUNS} generated control API requests with 2xx or 4xx in the error shape`, async () => {
    await fc.assert(
      fc.asyncProperty(controlCall, async (generated) => {
        const call = resolved(generated);
        const answer = await send({ socketPath: tetherd.socket }, call);
        const problem = controlProblem(call, answer);
        if (problem !== undefined) throw new Error(`${call.method} ${call.path} → ${answer.status}: ${problem}`);
        if (call.method === 'POST' && call.path === '/v1/messages' && answer.status < 300) remember(answer);
        if (/\/(retry)$/.test(call.path) && answer.status === 200) remember(answer);
      }),
      { numRuns: CONTROL_RUNS },
    );
    expect(tetherd.process.exitCode).toBeNull();
  });

  it(`answers ${COMPAT_RUNS} generated compat requests with 2xx, { error } or gin's 404, never 5xx`, async () => {
    const { hostname, port } = new URL(compatBase);
    await fc.assert(
      fc.asyncProperty(compatCall, async (call) => {
        const answer = await send({ host: hostname, port: Number(port) }, call);
        const problem = compatProblem(answer);
        if (problem !== undefined) throw new Error(`${call.method} ${call.path} → ${answer.status}: ${problem}`);
        if (call.path.endsWith('/send') && answer.status === 201) remember(answer);
      }),
      { numRuns: COMPAT_RUNS },
    );
    expect(tetherd.process.exitCode).toBeNull();
  });

  it('delivered every send it answered 2xx exactly once, and is still healthy', async () => {
    expect(accepted.size).toBeGreaterThan(100);
    const stream = tetherd.events('?kinds=message', '0');
    const finals = new Map<string, Message>();
    await stream.until((events) => {
      for (const event of events) finals.set(String(event.data['id']), event.data as unknown as Message);
      return [...accepted].every((id) => ['sent', 'failed'].includes(finals.get(id)?.state ?? ''));
    }, `${accepted.size} accepted messages to settle`);
    stream.close();
    const settled = [...accepted].map((id) => finals.get(id)!);
    const notSent = settled.filter((message) => message.state !== 'sent');
    // the only sends that may not reach Signal are those cancelled through the API
    expect(notSent.filter((message) => message.error !== 'cancelled')).toEqual([]);
    const records = emulator.sent();
    const timestamps = records.map((record) => record.timestamp);
    for (const message of settled.filter((each) => each.state === 'sent')) {
      expect(timestamps.filter((timestamp) => timestamp === message.signalTimestamp), `message ${message.id}`).toHaveLength(1);
    }
    for (const timestamp of forwarded) expect(timestamps.filter((each) => each === timestamp), `forwarded ${timestamp}`).toHaveLength(1);
    expect(records).toHaveLength(settled.length - notSent.length + forwarded.length);
    expect((await tetherd.request('GET', '/healthz')).status).toBe(200);
    expect(tetherd.stderr).toBe('');
  });
});
