// The REST emulator's answers, emitted WebSocket frames and accepted request bodies, checked
// against the vendored swagger.json of signal-cli-rest-api (see helpers/swagger-schemas.ts).
import { request } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGroupId, restGroupId, startEmulator, type Emulator, type InjectPartOptions } from '../src/index.js';
import { post } from './helpers/http.js';
import { openReceiveSocket } from './helpers/receive-socket.js';
import { validateDefinition, validateRequestBody, validateResponse } from './helpers/swagger-schemas.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const groupId = makeGroupId('contract');
let emulator: Emulator;
let base: string;

beforeAll(async () => {
  emulator = await startEmulator({ account, groups: [{ id: groupId, name: 'Contract', members: [friend] }] });
  base = emulator.restUrl ?? '';
});
afterAll(() => emulator.close());

describe('responses match swagger', () => {
  it('about, accounts and groups', async () => {
    expect(validateResponse('/v1/about', 'get', 200, (await request(`${base}/v1/about`)).json)).toEqual([]);
    expect(validateResponse('/v1/accounts', 'get', 200, (await request(`${base}/v1/accounts`)).json)).toEqual([]);
    const groups = (await request(`${base}/v1/groups/${account}`)).json;
    expect(validateResponse('/v1/groups/{number}', 'get', 200, groups)).toEqual([]);
    const group = (await request(`${base}/v1/groups/${account}/${restGroupId(groupId)}`)).json;
    expect(validateResponse('/v1/groups/{number}/{groupid}', 'get', 200, group)).toEqual([]);
  });

  it('send success and error bodies', async () => {
    const created = await post(`${base}/v2/send`, { number: account, recipients: [friend], message: 'x' });
    expect(validateResponse('/v2/send', 'post', 201, created.json)).toEqual([]);
    const invalid = await post(`${base}/v2/send`, { number: account, message: 'x' });
    // swagger names SendMessageError for 400, but the server writes the plain Error body there
    // and SendMessageError only with 429 (R:src/api/api.go SendV2).
    expect(validateDefinition('api.Error', invalid.json)).toEqual([]);
    emulator.rateLimitNextSends(1, { challengeToken: 'tok' });
    const limited = await post(`${base}/v2/send`, { number: account, recipients: [friend], message: 'x' });
    expect(limited.status).toBe(429);
    expect(validateDefinition('api.SendMessageError', limited.json)).toEqual([]);
    const wrongAccount = await request(`${base}/v1/groups/+4915199999999`);
    expect(validateResponse('/v1/groups/{number}', 'get', 400, wrongAccount.json)).toEqual([]);
  });
});

describe('WebSocket frames match data.Message', () => {
  it('for every kind of envelope the emulator builds', async () => {
    const socket = await openReceiveSocket(base, account);
    const uuid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    emulator.inject({ from: friend, fromName: 'Alice', text: 'hi' });
    emulator.inject({ fromUuid: uuid, text: null, attachments: [{ contentType: 'image/jpeg', filename: 'a.jpg', size: 10 }, { contentType: 'text/plain' }] });
    emulator.inject({ from: friend, text: 'group', groupId, groupName: 'Contract' });
    emulator.injectReceipt({ from: friend, kind: 'viewed', timestamps: [1, 2] });
    emulator.injectReaction({ from: friend, emoji: '👍', targetAuthor: account, targetTimestamp: 1, remove: true, groupId });
    emulator.injectTyping({ from: friend, groupId });
    for (let index = 0; index < 6; index += 1) {
      const frame = await socket.frames.next();
      expect(validateResponse('/v1/receive/{number}', 'get', 200, frame)).toEqual([]);
    }
  });

  // S:…/json/JsonDataMessage.java and the part records (JsonPollCreate, JsonPinMessage, …) at c26e063.
  it('for every newer data-message part', async () => {
    const socket = await openReceiveSocket(base, account);
    const parts: InjectPartOptions[] = [
      { part: 'remote-delete', targetTimestamp: 1 },
      { part: 'admin-delete', targetAuthor: friend, targetTimestamp: 1, groupId },
      { part: 'pin', targetAuthor: account, targetTimestamp: 1, durationSeconds: 3_600, groupId },
      { part: 'unpin', targetAuthor: account, targetTimestamp: 1, groupId },
      { part: 'poll-create', question: 'Lunch?', options: ['pizza', 'soup'], allowMultiple: true, groupId },
      { part: 'poll-vote', targetAuthor: friend, targetTimestamp: 1, optionIndexes: [1] },
      { part: 'poll-terminate', targetTimestamp: 1 },
      { part: 'payment', note: 'for lunch', receipt: 'AQID' },
      { part: 'contacts', contacts: [{ name: { given: 'Ada', family: '' }, phones: [{ value: '+4915100000003' }], organization: 'Analytical' }] },
    ];
    for (const part of parts) emulator.injectPart({ from: friend, ...part });
    for (const part of parts) {
      const frame = await socket.frames.next();
      expect(validateResponse('/v1/receive/{number}', 'get', 200, frame)).toEqual([]);
      const dataMessage = (frame['envelope'] as { dataMessage: Record<string, unknown> }).dataMessage;
      expect(dataMessage['message']).toBeNull();
      expect(Object.keys(dataMessage)).toContain({ 'remote-delete': 'remoteDelete', 'admin-delete': 'adminDelete', pin: 'pinMessage', unpin: 'unpinMessage', 'poll-create': 'pollCreate', 'poll-vote': 'pollVote', 'poll-terminate': 'pollTerminate', payment: 'payment', contacts: 'contacts' }[part.part]);
    }
  });

  it('catches a frame signal-cli would not emit', () => {
    const envelope = emulator.inject({ text: 'x' });
    expect(validateDefinition('data.Message', { envelope: { ...envelope, sourceNumbr: 'typo' }, account })).not.toEqual([]);
    expect(validateDefinition('data.Message', { envelope: { ...envelope, timestamp: '1' }, account })).not.toEqual([]);
    expect(validateDefinition('data.Message', { envelope })).not.toEqual([]);
  });
});

describe('accepted request bodies match api.SendMessageV2', () => {
  const image = `data:image/png;filename=a.png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`;
  const bodies = [
    { number: account, recipients: [friend], message: 'plain' },
    { number: account, recipients: [restGroupId(groupId)], message: 'to the group', notify_self: false },
    { number: account, recipients: [friend], message: 'with image', base64_attachments: [image], view_once: true },
    { number: account, recipients: [friend], message: '**styled**', text_mode: 'styled' },
    { number: account, recipients: [friend], message: 'hi @x', mentions: [{ start: 3, length: 2, author: friend }] },
    { number: account, recipients: [friend], message: 'reply', quote_timestamp: 1, quote_author: friend, quote_message: 'q' },
    { number: account, recipients: [friend], message: 'see https://signal.org', link_preview: { url: 'https://signal.org', title: 'Signal', description: 'd', base64_thumbnail: image.split(',')[1] ?? '' } },
    { number: account, recipients: [friend], message: 'fixed', edit_timestamp: 1 },
    { number: account, recipients: [friend], message: '', sticker: 'abc:1' },
  ];

  it.each(bodies)('accepts and validates %j', async (body) => {
    expect(validateRequestBody('/v2/send', 'post', body)).toEqual([]);
    expect((await post(`${base}/v2/send`, body)).status).toBe(201);
  });

  it('rejects bodies that break the schema types', async () => {
    for (const body of [{ number: account, recipients: friend, message: 'x' }, { number: account, recipients: [friend], message: 'x', view_once: 'yes' }]) {
      expect(validateRequestBody('/v2/send', 'post', body)).not.toEqual([]);
      expect((await post(`${base}/v2/send`, body)).status).toBe(400);
    }
  });
});
