// `tether outbox`, `outbox retry|cancel` and `tether challenge` end to end: listing, retrying a
// failed message, the daemon's refusals (404 unknown id, 409 cancelling a message being sent)
// as exit 1 with the reason, and a captcha pause lifted by `tether challenge`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '@tether/daemon/protocol';
import { runTether, stopAll } from './helpers/processes.js';
import { FRIEND, startStack, type TestStack } from './helpers/stack.js';

const UNTRUSTED = { status: 400, body: { error: 'Failed to send message due to untrusted identities' } };
let stack: TestStack;

beforeAll(async () => {
  // A short send deadline, so the hung send of the 409 test ends soon after the test.
  stack = await startStack({ daemonEnv: { TETHER_SEND_TIMEOUT_MS: '1500' } });
  await stack.waitForLink('connected');
});
afterEach(async () => {
  await stopAll();
  stack.emulator.clearFaults();
});
afterAll(() => stack?.close());

async function send(text: string, ...flags: string[]): Promise<Message> {
  const result = await runTether(['send', FRIEND, '-m', text, '--json', ...flags], stack.env);
  return JSON.parse(result.stdout) as Message;
}

describe('tether outbox', () => {
  it('lists messages as an aligned table, and filters with --state and --limit', async () => {
    const first = await send('listed one', '--wait');
    const second = await send('listed two', '--wait');
    const table = await runTether(['outbox'], stack.env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +TRIES +UPDATED +RECIPIENTS +NOTE$/);
    expect(table.stdout).toMatch(new RegExp(`^${first.id} +sent +1 +.+ ago +\\${FRIEND}`, 'm'));
    expect(table.stdout).toContain(second.id);

    const json = await runTether(['outbox', '--state', 'sent', '--limit', '1', '--json'], stack.env);
    const messages = JSON.parse(json.stdout) as Message[];
    expect(messages).toHaveLength(1);
    expect(messages[0]?.state).toBe('sent');
  });

  it('retries a failed message, which then goes out', async () => {
    stack.emulator.failNextSends(1, UNTRUSTED);
    const failed = await send('retry me', '--wait');
    expect(failed.state).toBe('failed');
    const listed = await runTether(['outbox', '--state', 'failed', '--json'], stack.env);
    expect((JSON.parse(listed.stdout) as Message[]).map((message) => message.id)).toContain(failed.id);

    const retried = await runTether(['outbox', 'retry', failed.id], stack.env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain('queued again, at the back of the queue');
    await stack.waitForMessage(failed.id, (message) => message.state === 'sent');
  });

  it('exits 1 with the reason for an unknown id (404)', async () => {
    for (const action of ['retry', 'cancel']) {
      const result = await runTether(['outbox', action, 'no-such-message', '--json'], stack.env);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'not-found', exitCode: 1 } });
      expect(result.stderr).toContain('no message no-such-message');
    }
  });
});

describe('tether challenge', () => {
  it('shows the captcha token in status, and lifts the pause so the queued message goes out', async () => {
    stack.emulator.rateLimitNextSends(1, { challengeToken: 'token-abc-123' });
    const message = await send('needs a captcha');
    await stack.waitForStatus((status) => status.gate.reason === 'captcha-required');

    const status = await runTether(['status'], stack.env);
    expect(status.stdout).toMatch(/^send gate +paused: captcha-required$/m);
    expect(status.stdout).toContain('challenge token token-abc-123');
    expect(status.stdout).toContain("run: tether challenge token-abc-123 'signalcaptcha://…'");

    const result = await runTether(['challenge', 'token-abc-123', 'signalcaptcha://solved-captcha'], stack.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('challenge accepted');
    expect(stack.emulator.submittedChallenges()).toEqual([expect.objectContaining({ token: 'token-abc-123' })]);
    await stack.waitForMessage(message.id, (update) => update.state === 'sent');
  });
});

// Last: the hung send holds the outbox until TETHER_SEND_TIMEOUT_MS.
describe('tether outbox cancel', () => {
  it('exits 1 when cancelling a message being sent (409), and cancels a queued one', async () => {
    stack.emulator.hangNextSends(1);
    const hung = await send('hangs in flight');
    await stack.waitForMessage(hung.id, (message) => message.state === 'sending');
    const refused = await runTether(['outbox', 'cancel', hung.id], stack.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only queued or unknown messages can be cancelled/);

    const behind = await send('queued behind it');
    const cancelled = await runTether(['outbox', 'cancel', behind.id, '--json'], stack.env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: behind.id, state: 'failed', error: 'cancelled' });
  });
});
