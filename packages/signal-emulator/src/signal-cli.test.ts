import { describe, expect, it } from 'vitest';
import { GroupRegistry, makeGroupId } from './groups.js';
import { uuidFor } from './identity.js';
import { SentLog } from './sent-log.js';
import { SignalCli } from './signal-cli.js';

const account = '+4915112345678';
const friend = '+4915100000001';

function signalCli(groups = new GroupRegistry()) {
  let now = 1000;
  return new SignalCli(account, () => now++, new SentLog(), groups);
}

describe('SignalCli.send', () => {
  it('answers a timestamp and one SUCCESS per recipient, and records the send', async () => {
    const cli = signalCli();
    const outcome = await cli.send({ backend: 'jsonrpc', recipients: [friend, friend, 'u:alice.01'], message: 'hi' });
    expect(outcome).toEqual({
      ok: true,
      timestamp: 1000,
      results: [
        { recipientAddress: { uuid: uuidFor(friend), number: friend, username: null }, type: 'SUCCESS' },
        { recipientAddress: { uuid: uuidFor('u:alice.01'), number: null, username: 'alice.01' }, type: 'SUCCESS' },
      ],
    });
    expect(cli.sentLog.all()).toEqual([
      { backend: 'jsonrpc', account, timestamp: 1000, recipients: [friend, 'u:alice.01'], message: 'hi', attachments: [], receivedAt: 1001 },
    ]);
  });

  it('answers one result per other group member', async () => {
    const groupId = makeGroupId('team');
    const cli = signalCli(new GroupRegistry([{ id: groupId, members: [account, friend] }]));
    const outcome = await cli.send({ backend: 'rest', groupIds: [groupId], message: 'hi' });
    expect(outcome.ok && outcome.results).toEqual([
      { recipientAddress: { uuid: uuidFor(friend), number: friend, username: null }, groupId, type: 'SUCCESS' },
    ]);
    expect(cli.sentLog.all()[0]).toMatchObject({ recipients: [], groupId, message: 'hi' });
  });

  it.each([
    [{}, 'No recipients given'],
    [{ recipients: ['0151 123'] }, "Invalid phone number '0151 123'"],
    [{ recipients: [friend], message: '' }, 'Sending empty message is not allowed'],
    [{ groupIds: ['AAAA'] }, 'Invalid group id'],
    [{ recipients: [friend], message: 'x', quote: { timestamp: 1 } }, 'Quote author parameter is missing'],
    [{ recipients: [friend], message: 'x', mentions: ['nope'] }, 'Invalid mention syntax'],
    [{ recipients: [friend], message: 'x', textStyles: ['0:1:LOUD'] }, 'Invalid style: LOUD'],
  ])('rejects %j with -1', async (request, message) => {
    const outcome = await signalCli().send({ backend: 'jsonrpc', ...request });
    expect(outcome).toMatchObject({ ok: false, error: { code: -1, message: expect.stringContaining(message) as unknown } });
  });

  it('meets queued faults in order, recording only what was delivered', async () => {
    const cli = signalCli();
    cli.faults.rateLimit(1, { challengeToken: 'tok', retryAfterSeconds: 9 });
    cli.faults.fail(1, { jsonRpcError: { code: -4, message: 'Failed to send message due to untrusted identities' }, deliver: true });
    const limited = await cli.send({ backend: 'jsonrpc', recipients: [friend], message: 'a' });
    expect(limited).toMatchObject({
      ok: false,
      error: {
        code: -5,
        data: { response: { results: [{ type: 'RATE_LIMIT_FAILURE', token: 'tok', retryAfterSeconds: 9 }] } },
      },
    });
    expect(await cli.send({ backend: 'jsonrpc', recipients: [friend], message: 'b' })).toMatchObject({ ok: false, error: { code: -4, data: null } });
    expect(cli.sentLog.all().map((record) => record.message)).toEqual(['b']);
  });

  it('lifts rate limits when their challenge is solved', async () => {
    const cli = signalCli();
    cli.faults.rateLimit(3, { challengeToken: 'tok' });
    await cli.send({ backend: 'rest', recipients: [friend], message: 'a' });
    cli.submitChallenge('tok', 'signalcaptcha://x');
    expect(await cli.send({ backend: 'rest', recipients: [friend], message: 'b' })).toMatchObject({ ok: true });
    expect(cli.challenges).toEqual([{ token: 'tok', captcha: 'signalcaptcha://x' }]);
  });
});

describe('SignalCli accounts and timestamps', () => {
  it('answers -32602 for another account, or for any while starting', () => {
    const cli = signalCli();
    expect(cli.checkAccount(account)).toBeUndefined();
    expect(cli.checkAccount(undefined)).toBeUndefined();
    expect(cli.checkAccount('+4915199999999')).toMatchObject({ code: -32602, message: 'Specified account does not exist' });
    cli.state = 'starting';
    expect(cli.checkAccount(account)).toMatchObject({ code: -32602, message: 'Specified account does not exist' });
    expect(cli.checkAccount(undefined)).toMatchObject({ code: -32602, message: 'Method requires valid account parameter' });
  });

  it('never repeats a timestamp, even with a frozen clock', () => {
    const cli = new SignalCli(account, () => 5, new SentLog(), new GroupRegistry());
    expect([cli.nextTimestamp(), cli.nextTimestamp(), cli.nextTimestamp()]).toEqual([5, 6, 7]);
  });
});
