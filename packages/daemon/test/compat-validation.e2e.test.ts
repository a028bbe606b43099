// The compat endpoint refuses exactly what signal-cli-rest-api refuses, with the same status and
// body: every bad request goes to the emulator (which reproduces the real API) and to tetherd,
// and the answers are compared. Success answers are checked against the vendored swagger.
import { makeGroupId, restGroupId, startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, compatDaemon, definitionErrors, schemaErrors } from './compat-helpers.js';
import { ACCOUNT, FRIEND, type Tetherd } from './tetherd.js';

const groupId = makeGroupId('compat');
const group = restGroupId(groupId);
const b64 = (text: string): string => Buffer.from(text).toString('base64');
let emulator: Emulator;
let tetherd: Tetherd;
let base: string;

beforeAll(async () => {
  emulator = await startEmulator({ account: ACCOUNT, groups: [{ id: groupId, name: 'Compat', members: [FRIEND] }] });
  ({ tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl! }));
  await tetherd.logLine(/"to":"connected"/);
});
afterAll(async () => {
  await tetherd.kill();
  await emulator.close();
});

const send = (fields: Record<string, unknown>): string => JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'hi', ...fields });

const sendV2Cases: [string, string][] = [
  ['an empty body', ''],
  ['broken JSON', '{"number":'],
  ['an array', '[]'],
  ['a wrongly typed field', send({ recipients: FRIEND })],
  ['a wrongly typed nested field', send({ mentions: [{ start: 'one' }] })],
  ['no recipients', JSON.stringify({ number: ACCOUNT, message: 'hi' })],
  ['no number', JSON.stringify({ recipients: [FRIEND], message: 'hi' })],
  ['another account', send({ number: '+4915199999999' })],
  ['a sticker without delimiter', send({ sticker: 'abc' })],
  ['view_once without attachments', send({ view_once: true })],
  ['a group with a number', send({ recipients: [group, FRIEND] })],
  ['a number with a username', send({ recipients: [FRIEND, 'alice.01'] })],
  ['a group with a username', send({ recipients: [group, 'alice.01'] })],
  ['two groups', send({ recipients: [group, restGroupId(makeGroupId('other'))] })],
  ['a group id of the wrong size', send({ recipients: [`group.${b64(b64('sixteen bytes!!!'))}`] })],
  ['a group id that is not base64', send({ recipients: ['group.this-is-not-base64-at-all'] })],
  ['a short group. username', send({ recipients: ['group.abc'] })],
  ['a number that is too short', send({ recipients: ['+123'] })],
  ['a null recipient', send({ recipients: [null] })],
  ['a malformed number taken as a username', send({ recipients: ['+49 abc'] })],
  ['a username signal-cli refuses', send({ recipients: ['no'] })],
  ['an empty message', send({ message: '' })],
  ['keys in another case', JSON.stringify({ NUMBER: ACCOUNT, Recipients: [FRIEND], message: '' })],
  ['a link preview without URL', send({ link_preview: { title: 't' } })],
  ['a link preview over http', send({ message: 'see http://x.org', link_preview: { url: 'http://x.org', title: 't' } })],
  ['a link preview without title', send({ message: 'see https://x.org', link_preview: { url: 'https://x.org' } })],
  ['a link preview not in the message', send({ link_preview: { url: 'https://x.org', title: 't' } })],
  ['an attachment that is not base64', send({ base64_attachments: ['not base64!'] })],
  ['a data URI without data', send({ base64_attachments: ['data:image/png;base64,'] })],
  ['a badly padded attachment', send({ base64_attachments: ['ab=c'] })],
  ['a quote without its author', send({ quote_timestamp: 1_700_000_000_000 })],
  ['a mention without an author', send({ mentions: [{ start: 0, length: 1 }] })],
  ['a mention at a negative position', send({ mentions: [{ start: -1, length: 1, author: FRIEND }] })],
  ['a quoted mention without an author', send({ quote_timestamp: 1, quote_author: FRIEND, quote_mentions: [{ start: 0, length: 2 }] })],
  ['styled text that is empty once its markers are gone', send({ message: '**~~**', text_mode: 'styled' })],
];

const sendV1Cases: [string, string][] = [
  ['an empty body', ''],
  ['no recipients', JSON.stringify({ number: ACCOUNT, message: 'hi' })],
  ['two recipients for a group', JSON.stringify({ number: ACCOUNT, recipients: ['a', 'b'], message: 'hi', is_group: true })],
  ['a group id that is not base64', JSON.stringify({ number: ACCOUNT, recipients: ['!!'], message: 'hi', is_group: true })],
  ['a group id signal-cli cannot decode', JSON.stringify({ number: ACCOUNT, recipients: [b64('short')], message: 'hi', is_group: true })],
  ['a bad attachment', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: 'hi', base64_attachment: '%%%' })],
  ['another account', JSON.stringify({ number: '+4915199999999', recipients: [FRIEND], message: 'hi' })],
  ['an invalid number', JSON.stringify({ number: ACCOUNT, recipients: ['12'], message: 'hi' })],
  ['an empty message', JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: '' })],
];

const number = encodeURIComponent(ACCOUNT);
const otherEndpoints: [string, string, string, string | undefined][] = [
  ['typing with broken JSON', 'PUT', `/v1/typing-indicator/${number}`, '{'],
  ['typing to a bad group', 'PUT', `/v1/typing-indicator/${number}`, JSON.stringify({ recipient: 'group.!!' })],
  ['typing for another account', 'DELETE', '/v1/typing-indicator/+4915199999999', JSON.stringify({ recipient: FRIEND })],
  ['typing to nobody (signal-cli refuses)', 'PUT', `/v1/typing-indicator/${number}`, JSON.stringify({ recipient: '' })],
  ['typing to an invalid number (signal-cli refuses)', 'PUT', `/v1/typing-indicator/${number}`, JSON.stringify({ recipient: '+1' })],
  ['a malformed number in the path', 'PUT', '/v1/typing-indicator/%25ZZ', JSON.stringify({ recipient: FRIEND })],
  ['a receipt without recipient', 'POST', `/v1/receipts/${number}`, JSON.stringify({ receipt_type: 'read', timestamp: 1 })],
  ['a receipt of an unknown type', 'POST', `/v1/receipts/${number}`, JSON.stringify({ recipient: FRIEND, receipt_type: 'seen', timestamp: 1 })],
  ['a receipt without timestamp', 'POST', `/v1/receipts/${number}`, JSON.stringify({ recipient: FRIEND, receipt_type: 'read' })],
  ['a reaction without emoji', 'POST', `/v1/reactions/${number}`, JSON.stringify({ recipient: FRIEND, target_author: FRIEND, timestamp: 1 })],
  ['a reaction without author', 'POST', `/v1/reactions/${number}`, JSON.stringify({ recipient: FRIEND, reaction: '👍', timestamp: 1 })],
  ['a removal without timestamp', 'DELETE', `/v1/reactions/${number}`, JSON.stringify({ recipient: FRIEND, target_author: FRIEND })],
  ['a reaction to a bad group', 'POST', `/v1/reactions/${number}`, JSON.stringify({ recipient: 'group.!!', reaction: '👍', target_author: FRIEND, timestamp: 1 })],
  ['a challenge without token', 'POST', `/v1/accounts/${number}/rate-limit-challenge`, JSON.stringify({ captcha: 'signalcaptcha://x' })],
  ['a challenge without captcha', 'POST', `/v1/accounts/${number}/rate-limit-challenge`, JSON.stringify({ challenge_token: 't' })],
  ['an unknown route', 'GET', '/v1/nothing-here', undefined],
  ['a known route with another method', 'DELETE', '/v2/send', undefined],
  ['a receive request that is not a WebSocket', 'GET', `/v1/receive/${number}`, undefined],
];

async function expectSameAnswer(method: string, path: string, body: string | undefined): Promise<void> {
  const [real, ours] = await Promise.all([call(emulator.restUrl!, method, path, body), call(base, method, path, body)]);
  expect({ status: ours.status, body: ours.body }).toEqual({ status: real.status, body: real.body });
  expect(ours.status).toBeGreaterThanOrEqual(400);
}

describe('validation parity with signal-cli-rest-api', () => {
  it.each(sendV2Cases)('POST /v2/send with %s', (_name, body) => expectSameAnswer('POST', '/v2/send', body));
  it.each(sendV1Cases)('POST /v1/send with %s', (_name, body) => expectSameAnswer('POST', '/v1/send', body));
  it.each(otherEndpoints)('%s', (_name, method, path, body) => expectSameAnswer(method, path, body));

  it('writes error bodies that match the swagger Error schema', async () => {
    const refused = await call(base, 'POST', '/v2/send', send({ recipients: [] }));
    expect(definitionErrors('api.Error', refused.body)).toEqual([]);
  });
});

describe('answers checked against swagger', () => {
  it('health, about and accounts', async () => {
    expect((await call(base, 'GET', '/v1/health')).status).toBe(204);
    const about = await call(base, 'GET', '/v1/about');
    expect(schemaErrors('/v1/about', 'get', 200, about.body)).toEqual([]);
    expect(about.body).toMatchObject({ mode: 'json-rpc', versions: ['v1', 'v2'], tether: { backend: 'rest', send: 'wait' } });
    const accounts = await call(base, 'GET', '/v1/accounts');
    expect(schemaErrors('/v1/accounts', 'get', 200, accounts.body)).toEqual([]);
    expect(accounts.body).toEqual([ACCOUNT]);
  });

  it('a send, by both API versions', async () => {
    const v2 = await call(base, 'POST', '/v2/send', send({ message: 'schema v2' }));
    expect(v2.status).toBe(201);
    expect(schemaErrors('/v2/send', 'post', 201, v2.body)).toEqual([]);
    // swagger declares a bare string for /v1/send, but the server writes the same object as v2.
    const v1 = await call(base, 'POST', '/v1/send', { number: ACCOUNT, recipients: [FRIEND], message: 'schema v1' });
    expect(v1.status).toBe(201);
    expect(definitionErrors('api.SendMessageResponse', v1.body)).toEqual([]);
  });
});
