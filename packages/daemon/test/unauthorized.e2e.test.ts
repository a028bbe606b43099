// Issue 10, item 6, through the real tetherd on both backends: Signal refusing the account
// (de-authorised, 401/403) pauses the send gate `unauthorized`, visible in status; the messages
// stay queued, never burned through the three retriable attempts, and go out once the account
// works again (TETHER_UNAUTHORIZED_RETRY_MS keeps the gate's own retry short here).
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, Status } from '../src/protocol/index.js';
import { ACCOUNT, FRIEND, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

describe.each(['rest', 'jsonrpc'] as const)('a de-authorised account over %s', (backend) => {
  it('pauses the gate unauthorized with the messages queued, and resumes with nothing failed', async () => {
    const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
    running.push({ stop: () => emulator.close() });
    const tetherd = new Tetherd(tempDir(), {
      TETHER_SIGNAL_URL: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!,
      TETHER_UNAUTHORIZED_RETRY_MS: '100',
    });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.ready();
    await tetherd.logLine(/"to":"connected"/);
    const stream = tetherd.events('?kinds=gate,message', '0');
    emulator.deauthorize({ status: 403 });
    const post = async (text: string): Promise<Message> => (await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: text })).body;
    const first = await post('while refused');
    const second = await post('behind it');
    await stream.until((events) => events.some((event) => event.event === 'gate' && event.data['reason'] === 'unauthorized'), 'the unauthorized pause');
    const paused = (await tetherd.request<Status>('GET', '/v1/status')).body;
    expect(paused.gate).toMatchObject({ state: 'paused', reason: 'unauthorized', error: expect.stringMatching(/\[403\] Authorization failed/) as unknown });
    // the gate retries on its own backoff: four refusals would have failed a retriable message
    await stream.until((events) => events.filter((event) => event.event === 'gate' && event.data['reason'] === 'unauthorized').length >= 4, 'four pauses');
    const waiting = (await tetherd.request<Message>('GET', `/v1/messages/${first.id}`)).body;
    expect(waiting).toMatchObject({ state: 'queued', ambiguous: false });
    expect(emulator.sent()).toEqual([]);
    emulator.reauthorize();
    await stream.until((events) => [first.id, second.id].every((id) => events.some((event) => event.data['id'] === id && event.data['state'] === 'sent')), 'both sent');
    expect(emulator.sent().map((record) => record.message)).toEqual(['while refused', 'behind it']);
    const after = (await tetherd.request<Status>('GET', '/v1/status')).body;
    expect(after).toMatchObject({ gate: { state: 'open' }, outbox: { queued: 0, failed: 0, unknown: 0 } });
    expect(stream.events.some((event) => event.event === 'message' && event.data['state'] === 'failed')).toBe(false);
    stream.close();
  });
});
