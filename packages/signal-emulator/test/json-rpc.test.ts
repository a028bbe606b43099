// The JSON-RPC daemon over TCP and a Unix socket: framing, batches, errors with `data`, methods
// with dashed and camelCase params, and answers that overtake each other.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tether/test-helpers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeGroupId, signalCliVersion, startEmulator, uuidFor, type Emulator } from '../src/index.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const groupId = makeGroupId('club');
const directory = tempDir();
let emulator: Emulator;
const clients: JsonRpcClient[] = [];

async function client(url = emulator.jsonRpcUrl ?? ''): Promise<JsonRpcClient> {
  const connected = await JsonRpcClient.connect(url);
  clients.push(connected);
  return connected;
}

beforeAll(async () => {
  emulator = await startEmulator({
    account,
    rest: false,
    jsonRpc: { tcp: { port: 0 }, unix: join(directory.path, 'signal-cli.sock'), receiveMode: 'manual' },
    groups: [{ id: groupId, name: 'Club', members: [friend] }],
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((connected) => connected.close()));
  emulator.clearFaults();
});
afterAll(async () => {
  await emulator.close();
  directory.remove();
});

describe('transports and framing', () => {
  it('serves TCP and the Unix socket', async () => {
    expect(emulator.jsonRpcUrls).toEqual([expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/), `unix:${join(directory.path, 'signal-cli.sock')}`]);
    for (const url of emulator.jsonRpcUrls) {
      const connected = await client(url);
      expect(await connected.request('version')).toEqual({ jsonrpc: '2.0', result: { version: signalCliVersion }, id: 1 });
    }
  });

  it('answers an empty line with -32700 and id null, and a bad request with its id', async () => {
    const connected = await client();
    connected.writeLine('');
    expect(await connected.nextUnmatched()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Empty input line', data: null }, id: null });
    expect(await connected.request('nope')).toEqual({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not implemented', data: null }, id: 1 });
    connected.write({ jsonrpc: '1.0', method: 'version', id: 'x' });
    expect(await connected.nextUnmatched()).toMatchObject({ error: { code: -32600, message: 'only jsonrpc version 2.0 is supported' }, id: 'x' });
  });

  it('answers a batch with one array and leaves notifications unanswered', async () => {
    const connected = await client();
    connected.write([
      { jsonrpc: '2.0', method: 'version', id: 'a' },
      { jsonrpc: '2.0', method: 'listAccounts' },
      { jsonrpc: '2.0', method: 'nope', id: 'b' },
    ]);
    const batch = (await connected.nextUnmatched()) as { id: string }[];
    expect(batch.map((item) => item.id).sort()).toEqual(['a', 'b']);
  });

  it('lets a quick answer overtake a slow one', async () => {
    const connected = await client();
    emulator.setLatency(300);
    const slow = connected.request('send', { recipient: friend, message: 'slow' }, 'slow');
    const quick = connected.request('version', undefined, 'quick');
    const order: string[] = [];
    await Promise.all([slow.then(() => order.push('slow')), quick.then(() => order.push('quick'))]);
    expect(order).toEqual(['quick', 'slow']);
  });
});

describe('methods', () => {
  it('sends with dashed or camelCase params, recipient or recipients, and records it', async () => {
    const connected = await client();
    const answer = await connected.request('send', { account, recipients: [friend], message: 'one' });
    expect(answer.result).toEqual({
      timestamp: expect.any(Number) as unknown,
      results: [{ recipientAddress: { uuid: uuidFor(friend), number: friend, username: null }, type: 'SUCCESS' }],
    });
    await connected.request('send', { 'group-id': groupId, message: 'two', 'notify-self': true });
    await connected.request('send', { groupId, message: 'three' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
    const file = join(directory.path, 'report.pdf');
    writeFileSync(file, '%PDF');
    await connected.request('send', { recipient: friend, attachment: [`data:image/png;filename=a.png;base64,${png}`, file] });
    const records = emulator.sent().slice(-4);
    expect(records.map((record) => [record.backend, record.message, record.groupId ?? null])).toEqual([
      ['jsonrpc', 'one', null],
      ['jsonrpc', 'two', groupId],
      ['jsonrpc', 'three', groupId],
      ['jsonrpc', null, null],
    ]);
    expect(records[3]?.attachments).toEqual([
      { contentType: 'image/png', filename: 'a.png', size: 4 },
      { contentType: 'application/pdf', filename: 'report.pdf', size: 4 },
    ]);
  });

  it('records text styles, mentions and a quote, dashed or camelCase, singular or plural (S:…/commands/SendCommand.java)', async () => {
    const connected = await client();
    await connected.request('send', { account, recipient: friend, message: 'Disk full, X', 'text-style': ['0:4:BOLD'], mentions: [`11:1:${friend}`] });
    await connected.request('send', { account, recipient: friend, message: 'yes', quoteTimestamp: 5, quoteAuthor: friend, quoteMessage: 'ok?', quoteMention: `0:1:${friend}` });
    const [styled, quoting] = emulator.sent().slice(-2);
    expect(styled).toMatchObject({ message: 'Disk full, X', textStyles: ['0:4:BOLD'], mentions: [`11:1:${friend}`] });
    expect(styled).not.toHaveProperty('quote');
    expect(quoting).toMatchObject({ quote: { timestamp: 5, author: friend, message: 'ok?', mentions: [`0:1:${friend}`] } });
    expect(quoting).not.toHaveProperty('textStyles');
  });

  // Utils.createStreamDetails: what is not a data URI is a path; a missing file fails the whole
  // send in SendCommand (AttachmentInvalidException → UnexpectedErrorException → -32603).
  it('fails a send whose data URI does not decode as signal-cli does, naming the attachment', async () => {
    const connected = await client();
    const attachment = `data:application/pdf;filename=100% sure+ok.pdf;base64,${Buffer.from('%PDF').toString('base64')}`;
    const answer = await connected.request('send', { recipient: friend, message: 'see attached', attachment });
    expect(answer.error).toEqual({
      code: -32603,
      message: `Failed to send message: ${attachment}: ${attachment} (No such file or directory) (AttachmentInvalidException) (UnexpectedErrorException)`,
      data: null,
    });
    const encoded = `data:application/pdf;filename=${encodeURIComponent('100% sure+ok.pdf')};base64,${Buffer.from('%PDF').toString('base64')}`;
    expect((await connected.request('send', { recipient: friend, attachment: encoded })).result).toBeDefined();
    expect(emulator.sent().at(-1)?.attachments).toEqual([{ contentType: 'application/pdf', filename: '100% sure+ok.pdf', size: 4 }]);
  });

  it.each([
    [{ account: '+4915199999999', recipient: friend, message: 'x' }, -32602, 'Specified account does not exist'],
    [{ message: 'x' }, -1, 'No recipients given'],
    [{ recipient: friend }, -1, 'Sending empty message is not allowed, either a message, attachment or sticker must be given.'],
    [{ recipient: friend, message: 5 }, -32603, 'ClassCastException'],
  ])('answers send %j with %i', async (params, code, message) => {
    const connected = await client();
    const answer = await connected.request('send', params);
    expect(answer.error).toEqual({ code, message: expect.stringContaining(message) as unknown, data: null });
  });

  it('answers typing, receipts, reactions, groups, accounts and challenges', async () => {
    const connected = await client();
    expect((await connected.request('sendTyping', { recipient: friend })).result).toMatchObject({ results: [{ type: 'SUCCESS' }] });
    expect((await connected.request('sendTyping', { groupId, stop: true })).result).toMatchObject({ results: [{ groupId }] });
    expect((await connected.request('sendReceipt', { recipient: friend, targetTimestamp: 1, type: 'viewed' })).result).toBeDefined();
    expect((await connected.request('sendReceipt', { recipient: friend, targetTimestamp: 1, type: 'seen' })).error).toMatchObject({
      code: -1,
      message: 'Unknown receipt type: seen',
    });
    expect((await connected.request('sendReaction', { recipient: friend, emoji: '👍', targetAuthor: friend, targetTimestamp: 1 })).result).toBeDefined();
    expect((await connected.request('listAccounts')).result).toEqual([{ number: account }]);
    expect((await connected.request('listGroups')).result).toEqual([
      expect.objectContaining({ id: groupId, name: 'Club', isMember: true, members: expect.arrayContaining([expect.objectContaining({ number: friend })]) as unknown }),
    ]);
    expect((await connected.request('submitRateLimitChallenge', { challenge: 'tok', captcha: 'signalcaptcha://c' })).result).toEqual({});
    expect(emulator.submittedChallenges()).toContainEqual({ token: 'tok', captcha: 'signalcaptcha://c' });
  });

  it('receives queued messages with the receive method while nobody is subscribed', async () => {
    const connected = await client();
    const envelope = emulator.inject({ text: 'polled' });
    // A timeout of 0 or maxMessages 0 returns before reading (ReceiveHelper.receiveMessagesInternal).
    expect((await connected.request('receive', { timeout: 0 })).result).toEqual([]);
    expect((await connected.request('receive', { account, maxMessages: 0 })).result).toEqual([]);
    const answer = await connected.request('receive', { timeout: 0.2, maxMessages: 1 });
    expect(answer.result).toEqual([{ envelope, account }]);
    expect((await connected.request('receive', { timeout: 0, 'max-messages': 1 })).error).toMatchObject({ code: -32600 });
  });
});
