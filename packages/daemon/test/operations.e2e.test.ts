// Operations through the real tetherd: delivery and read receipts, the captcha challenge flow,
// the incoming allowlist and send pacing.
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, Status } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function setup(env: Record<string, string> = {}): Promise<{ emulator: Emulator; tetherd: Tetherd }> {
  const emulator = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => emulator.close() });
  const tetherd = new Tetherd(tempDir(), { TETHER_SIGNAL_URL: emulator.restUrl!, ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  await tetherd.logLine(/"to":"connected"/);
  return { emulator, tetherd };
}

const post = async (tetherd: Tetherd, text: string) => (await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: text })).body;

describe('receipts', () => {
  it('moves a sent message to delivered, then read, matched by its Signal timestamp', async () => {
    const { emulator, tetherd } = await setup();
    const stream = tetherd.events('?kinds=message', '0');
    const message = await post(tetherd, 'please read me');
    const sent = await stream.until((events) => events.some((event) => event.data['id'] === message.id && event.data['state'] === 'sent'), 'sent');
    const timestamp = sent.find((event) => event.data['state'] === 'sent')!.data['signalTimestamp'] as number;
    expect(timestamp).toBe(emulator.sent()[0]!.timestamp);
    emulator.injectReceipt({ from: FRIEND, timestamps: [timestamp], kind: 'delivery' });
    await stream.until((events) => events.some((event) => event.data['id'] === message.id && event.data['state'] === 'delivered'), 'delivered');
    emulator.injectReceipt({ from: FRIEND, timestamps: [timestamp], kind: 'read' });
    await stream.until((events) => events.some((event) => event.data['id'] === message.id && event.data['state'] === 'read'), 'read');
    // a late delivery receipt never moves it back
    emulator.injectReceipt({ from: FRIEND, timestamps: [timestamp], kind: 'delivery' });
    const incoming = tetherd.events('?kinds=incoming', '0');
    await incoming.until((events) => events.filter((event) => event.data['kind'] === 'receipt').length === 3, 'three receipts spooled');
    expect((await tetherd.request<Message>('GET', `/v1/messages/${message.id}`)).body.state).toBe('read');
    stream.close();
    incoming.close();
  });
});

describe('captcha challenge', () => {
  it('pauses sending with the token in status, and resumes once the challenge is submitted', async () => {
    const { emulator, tetherd } = await setup();
    const stream = tetherd.events('?kinds=gate,message', '0');
    emulator.rateLimitNextSends(1, { challengeToken: 'challenge-token-1' });
    const first = await post(tetherd, 'needs a captcha');
    await stream.until((events) => events.some((event) => event.event === 'gate' && event.data['reason'] === 'captcha-required'), 'captcha pause');
    const status = await tetherd.request<Status>('GET', '/v1/status');
    expect(status.body.gate).toMatchObject({ state: 'paused', reason: 'captcha-required', challengeToken: 'challenge-token-1' });
    const second = await post(tetherd, 'waits behind it');
    const before = emulator.stats().requests;
    const bad = await tetherd.request('POST', '/v1/challenge', { token: 'challenge-token-1' });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'captcha' } } });
    const submitted = await tetherd.request('POST', '/v1/challenge', { token: 'challenge-token-1', captcha: 'signalcaptcha://solved' });
    expect(submitted).toMatchObject({ status: 200, body: { state: 'open' } });
    expect(emulator.submittedChallenges()).toEqual([expect.objectContaining({ token: 'challenge-token-1', captcha: 'solved' })]);
    await stream.until((events) => [first.id, second.id].every((id) => events.some((event) => event.data['id'] === id && event.data['state'] === 'sent')), 'both sent');
    expect(emulator.stats().requests).toBeGreaterThan(before);
    stream.close();
  });
});

describe('allowlist', () => {
  it('keeps only senders on TETHER_ALLOW_FROM and counts the rest', async () => {
    const { emulator, tetherd } = await setup({ TETHER_ALLOW_FROM: FRIEND });
    const stream = tetherd.events('?kinds=incoming', '0');
    emulator.inject({ from: '+4915100000099', text: 'from a stranger' });
    emulator.inject({ from: FRIEND, text: 'from a friend' });
    const events = await stream.until((all) => all.length >= 1, 'the friend');
    expect(events.map((event) => event.data['text'])).toEqual(['from a friend']);
    const metrics = await tetherd.request<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/tether_incoming_dropped_total{reason="not-allowed"} 1/);
    stream.close();
  });
});

describe('expiry', () => {
  it('fails a queued message with reason expired on time, even while the backend is down', async () => {
    const { emulator, tetherd } = await setup();
    await emulator.stop();
    await tetherd.logLine(/"to":"disconnected"/);
    const stream = tetherd.events('?kinds=message', '0');
    const expiresAt = new Date(Date.now() + 500).toISOString();
    const response = await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: 'only for a moment', expiresAt });
    expect(response.body).toMatchObject({ state: 'queued', expiresAt });
    await stream.until((events) => events.some((event) => event.data['id'] === response.body.id && event.data['state'] === 'failed' && event.data['error'] === 'expired'), 'expiry');
    const past = await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'late', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past).toMatchObject({ status: 400, body: { error: { field: 'expiresAt' } } });
    stream.close();
  });
});

describe('send gate across a restart', () => {
  it('keeps a captcha pause through SIGKILL: the restarted daemon sends nothing until the challenge', async () => {
    const emulator = await startEmulator({ account: '+4915112345678' });
    running.push({ stop: () => emulator.close() });
    const stateDir = tempDir();
    let tetherd = new Tetherd(stateDir, { TETHER_SIGNAL_URL: emulator.restUrl! });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.ready();
    emulator.rateLimitNextSends(1, { challengeToken: 'token-across-restart' });
    const message = await post(tetherd, 'after the captcha');
    await tetherd.logLine(/captcha-required/);
    await tetherd.kill('SIGKILL');

    tetherd = new Tetherd(stateDir, { TETHER_SIGNAL_URL: emulator.restUrl! });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.ready();
    await tetherd.logLine(/"to":"(connected|syncing)"/);
    const status = await tetherd.request<Status>('GET', '/v1/status');
    expect(status.body.gate).toMatchObject({ state: 'paused', reason: 'captcha-required', challengeToken: 'token-across-restart' });
    const waiting = await tetherd.request<Message>('GET', `/v1/messages/${message.id}`);
    expect(waiting.body).toMatchObject({ state: 'queued', attempts: 1, ambiguous: true }); // not tried again
    const stream = tetherd.events('?kinds=message', '0');
    await tetherd.request('POST', '/v1/challenge', { token: 'token-across-restart', captcha: 'solved' });
    await stream.until((events) => events.some((event) => event.data['id'] === message.id && event.data['state'] === 'sent'), 'sent after the challenge');
    stream.close();
  });
});
