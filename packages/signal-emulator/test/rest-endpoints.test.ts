// The REST backend's endpoints over a real socket: fixed answers, /v2/send validation in the
// real server's order and texts, the other account endpoints, and gin's 404.
import { request } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGroupId, restGroupId, startEmulator, type Emulator } from '../src/index.js';
import { post } from './helpers/http.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const groupId = makeGroupId('family');
let emulator: Emulator;
let base: string;

beforeAll(async () => {
  emulator = await startEmulator({ account, groups: [{ id: groupId, name: 'Family', members: [friend] }] });
  base = emulator.restUrl ?? '';
});
afterAll(() => emulator.close());

describe('fixed endpoints', () => {
  it('answers health with an empty 204 and about with the json-rpc mode', async () => {
    const health = await request(`${base}/v1/health`);
    expect(health.status).toBe(204);
    expect(health.text).toBe('');
    const about = await request(`${base}/v1/about`);
    expect(about.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(about.text).toBe('{"versions":["v1","v2"],"build":2,"mode":"json-rpc","version":"0.100","capabilities":{"v2/send":["quotes","mentions"]}}');
  });

  it('lists the account', async () => {
    expect((await request(`${base}/v1/accounts`)).json).toEqual([account]);
  });

  it('answers unknown paths and methods like gin, also a target that is no URL path (//), and keeps serving', async () => {
    for (const answer of [await request(`${base}/v1/nothing`), await request(`${base}/v1/about`, { method: 'POST' }), await request(`${base}//`)]) {
      expect(answer.status).toBe(404);
      expect(answer.text).toBe('404 page not found');
    }
    expect((await request(`${base}/v1/health`)).status).toBe(204);
  });
});

describe('POST /v2/send', () => {
  const send = (json: unknown) => post(`${base}/v2/send`, json);

  it('answers 201 with the timestamp as a string and records the send', async () => {
    const answer = await send({ number: account, recipients: [friend], message: 'hello' });
    expect(answer.status).toBe(201);
    const { timestamp } = answer.json as { timestamp: string };
    expect(timestamp).toMatch(/^\d+$/);
    expect(emulator.sent().at(-1)).toMatchObject({ backend: 'rest', timestamp: Number(timestamp), recipients: [friend], message: 'hello' });
  });

  it('accepts the hidden recipient field, URL-less %2B numbers and data-URI attachments', async () => {
    const image = `data:image/png;filename=cat.png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`;
    const answer = await send({ number: account, recipient: friend, message: '', base64_attachments: [image] });
    expect(answer.status).toBe(201);
    expect(emulator.sent().at(-1)).toMatchObject({ message: null, attachments: [{ contentType: 'image/png', filename: 'cat.png', size: 4 }] });
  });

  it('sends to a group given in the REST form and records the raw id', async () => {
    const answer = await send({ number: account, recipients: [restGroupId(groupId)], message: 'hi all' });
    expect(answer.status).toBe(201);
    expect(emulator.sent().at(-1)).toMatchObject({ recipients: [], groupId, message: 'hi all' });
  });

  it.each([
    ['{"number":', "Couldn't process request - invalid request"],
    [{ number: account, recipients: friend, message: 'x' }, "Couldn't process request - invalid request"],
    [{ number: account, message: 'x' }, "Couldn't process request - please provide at least one recipient"],
    [{ recipients: [friend], message: 'x' }, "Couldn't process request - please provide a valid number"],
    [{ number: account, recipients: [friend], sticker: 'abc' }, "Couldn't process request - please provide valid sticker delimiter"],
    [{ number: account, recipients: [friend], message: 'x', view_once: true }, "'view_once' can only be set for image attachments!"],
    [{ number: account, recipients: [friend, restGroupId(groupId)], message: 'x' }, 'Signal Messenger Groups and phone numbers cannot be specified together in one request! Please split them up into multiple REST API calls.'],
    [{ number: account, recipients: [friend], message: 'x', base64_attachments: ['%%%'] }, 'illegal base64 data at input byte 0'],
    [{ number: account, recipients: [friend], message: 'x', link_preview: { url: 'http://a', title: 't' } }, 'Link Preview URL must start with https://..'],
    [{ number: account, recipients: [friend], message: '' }, 'Sending empty message is not allowed, either a message, attachment or sticker must be given.'],
    [{ number: account, recipients: ['+12'], message: 'x' }, "Invalid phone number '+12': The string supplied did not seem to be a phone number."],
    [{ number: '+4915199999999', recipients: [friend], message: 'x' }, 'Specified account does not exist'],
    [{ number: account, recipients: [friend], message: 'x', quote_timestamp: 5 }, 'Quote author parameter is missing'],
    // SendCommand parses the quote's mentions by the same rule, once the quote author is there
    [{ number: account, recipients: [friend], message: 'x', quote_timestamp: 5, quote_author: friend, quote_mentions: [{ start: 0, length: 1 }] }, "Invalid mention syntax (0:1:) expected 'start:length:recipientNumber'"],
    [{ number: account, recipients: [friend], message: 'x', mentions: [{ start: -1, length: 1, author: friend }] }, `Invalid mention syntax (-1:1:${friend}) expected 'start:length:recipientNumber'`],
  ])('answers 400 for %j', async (body, error) => {
    const answer = typeof body === 'string' ? await request(`${base}/v2/send`, { method: 'POST', body }) : await send(body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error });
  });

  it('strips styled-text markers from the recorded text and records the styles signal-cli gets', async () => {
    await send({ number: account, recipients: [friend], message: 'a **bold** move', text_mode: 'styled' });
    expect(emulator.sent().at(-1)).toMatchObject({ message: 'a bold move', textStyles: ['2:4:BOLD'] });
    await send({ number: account, recipients: [friend], message: 'a **bold** move' });
    expect(emulator.sent().at(-1)).toMatchObject({ message: 'a **bold** move' });
    expect(emulator.sent().at(-1)).not.toHaveProperty('textStyles');
  });

  it('records mentions and quotes as REST passes them to signal-cli (R:src/client/client.go:577-595)', async () => {
    await send({
      number: account,
      recipients: [friend],
      message: 'see X',
      mentions: [{ start: 4, length: 1, author: friend }],
      quote_timestamp: 1755000000000,
      quote_author: friend,
      quote_message: 'status?',
      quote_mentions: [{ start: 0, length: 1, author: friend }],
    });
    expect(emulator.sent().at(-1)).toMatchObject({
      mentions: [`4:1:${friend}`],
      quote: { timestamp: 1755000000000, author: friend, message: 'status?', mentions: [`0:1:${friend}`] },
    });
  });
});

describe('master response shape and /v1/send', () => {
  it('answers master\'s array when switched, and v1 the single object', async () => {
    const master = await startEmulator({ account, sendResponseShape: 'master' });
    try {
      const answer = await post(`${master.restUrl}/v2/send`, { number: account, recipients: [friend], message: 'x' });
      expect(answer.status).toBe(201);
      expect(answer.json).toEqual([{ timestamp: expect.stringMatching(/^\d+$/) as unknown }]);
      const v1 = await post(`${master.restUrl}/v1/send`, { number: account, recipients: [friend], message: 'old' });
      expect(v1.status).toBe(201);
      expect(v1.json).toEqual({ timestamp: expect.stringMatching(/^\d+$/) as unknown });
      expect((await post(`${master.restUrl}/v1/send`, { number: account, message: 'x' })).json).toEqual({ error: 'Please specify at least one recipient' });
    } finally {
      await master.close();
    }
  });
});

describe('account endpoints', () => {
  it('lists groups in the REST shape, one by id, and 404 for an unknown id', async () => {
    const list = await request(`${base}/v1/groups/${encodeURIComponent(account)}`);
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      expect.objectContaining({ name: 'Family', id: restGroupId(groupId), internal_id: groupId, members: [account, friend], blocked: false }),
    ]);
    const one = await request(`${base}/v1/groups/${account}/${restGroupId(groupId)}?expand=true`);
    expect(one.json).toMatchObject({ members: [{ number: account }, { number: friend }] });
    expect((await request(`${base}/v1/groups/${account}/group.bm9uZQ==`)).json).toEqual({ error: 'No group with that id found' });
    expect((await request(`${base}/v1/groups/${account}?expand=maybe`)).status).toBe(400);
  });

  it('answers typing, receipts, reactions and challenges with 204', async () => {
    const number = encodeURIComponent(account);
    const answers = await Promise.all([
      request(`${base}/v1/typing-indicator/${number}`, { method: 'PUT', json: { recipient: friend } }),
      request(`${base}/v1/typing-indicator/${number}`, { method: 'DELETE', json: { recipient: restGroupId(groupId) } }),
      post(`${base}/v1/receipts/${number}`, { recipient: friend, receipt_type: 'viewed', timestamp: 5 }),
      post(`${base}/v1/reactions/${number}`, { recipient: friend, reaction: '👍', target_author: friend, timestamp: 5 }),
      request(`${base}/v1/reactions/${number}`, { method: 'DELETE', json: { recipient: friend, target_author: friend, timestamp: 5 } }),
      post(`${base}/v1/accounts/${number}/rate-limit-challenge`, { challenge_token: 't', captcha: 'signalcaptcha://c' }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([204, 204, 204, 204, 204, 204]);
    expect(emulator.submittedChallenges()).toContainEqual({ token: 't', captcha: 'signalcaptcha://c' });
  });

  it.each([
    ['/v1/typing-indicator', 'PUT', { recipient: '' }, 'No recipients given'],
    ['/v1/receipts', 'POST', { recipient: friend, receipt_type: 'delivered', timestamp: 5 }, "Couldn't process request - receipt type must be read or viewed"],
    ['/v1/receipts', 'POST', { recipient: friend, receipt_type: 'read' }, "Couldn't process request - timestamp missing"],
    ['/v1/reactions', 'POST', { recipient: friend, target_author: friend, timestamp: 5 }, "Couldn't process request - reaction missing"],
    ['/v1/accounts/{n}/rate-limit-challenge', 'POST', { challenge_token: 't' }, "Couldn't process request - captcha missing"],
  ])('%s %s answers 400 for %j', async (path, method, json, error) => {
    const url = path.includes('{n}') ? `${base}${path.replace('{n}', account)}` : `${base}${path}/${account}`;
    const answer = await request(url, { method, json });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error });
  });
});
