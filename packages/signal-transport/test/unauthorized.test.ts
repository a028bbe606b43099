// Issue 10, item 6: a de-authorised account (Signal answers 401/403, signal-cli fails the whole
// send with "Failed to send message: [401] Authorization failed! …") pauses the send gate with
// reason `unauthorized`; the message stays queued, is not marked ambiguous and is not failed.
import type { Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignalChannel } from '../src/index.js';
import { within } from '@tether/test-helpers';
import { channelOn, FRIEND, gatePauses, messagesReach, type BackendName } from './helpers.js';

let running: { emulator: Emulator; signal: SignalChannel } | undefined;

afterEach(async () => {
  await running?.signal.close();
  await running?.emulator.close();
  running = undefined;
});

describe.each(['rest', 'jsonrpc'] as const)('over %s', (backend: BackendName) => {
  it('pauses while the account is refused and resumes by itself, with nothing failed', async () => {
    running = await channelOn(backend);
    const { emulator, signal } = running;
    emulator.deauthorize({ status: 403 });
    const first = (await signal.channel.send({ recipients: [FRIEND], message: 'while refused' })).id;
    const second = (await signal.channel.send({ recipients: [FRIEND], message: 'behind it' })).id;
    await gatePauses(signal.channel, 'unauthorized');
    expect((await signal.channel.status()).gate).toMatchObject({ state: 'paused', reason: 'unauthorized', error: expect.stringContaining('[403] Authorization failed!') as string });
    // the pause reopens on its backoff (100 ms, ×2 in these tests) and meets the refusal again
    await within(new Promise<void>((resolve) => signal.channel.onGateChange((change) => change.to.state === 'open' && resolve())), 'the gate reopening');
    await gatePauses(signal.channel, 'unauthorized');
    expect((await signal.channel.status()).outbox).toMatchObject({ queued: 2, failed: 0 });
    emulator.reauthorize();
    const records = await messagesReach(signal.channel, [first, second]);
    expect(records.map((record) => [record.state, record.ambiguous])).toEqual([
      ['sent', false],
      ['sent', false],
    ]);
    expect(emulator.sent().map((record) => record.message)).toEqual(['while refused', 'behind it']);
  });
});
