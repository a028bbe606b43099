// What the daemon keeps of the channel's life: link and gate changes as logged events and
// metrics, and captcha or rate-limit pauses that survive a restart (others do not).
import type { GateState } from '@tether/core';
import { describe, expect, it } from 'vitest';
import { restoreGate } from './channel-record.js';
import { harnessStarter, START, type Harness } from './testing/harness.js';

const started = harnessStarter();

const logged = async (harness: Harness, kind: 'state' | 'gate'): Promise<Record<string, unknown>[]> =>
  (await harness.events.after(0, 100, kind)).map((event) => JSON.parse(event.data) as Record<string, unknown>);

describe('recording the channel', () => {
  it('logs every link change and gate change as an event and counts them', async () => {
    const harness = await started();
    harness.channel.gate.pause('rate-limited', { error: 'slow down', retryAfterMs: 30_000 });
    harness.channel.gate.open('retry-after passed');
    harness.transport.drop();
    await harness.until(() => !harness.channel.connection.isUp, 'the drop');
    await harness.events.flush();
    expect(await logged(harness, 'state')).toEqual([
      { from: 'connecting', to: 'connected', attempt: 0, cause: 'link ready', at: new Date(START).toISOString() },
      { from: 'connected', to: 'disconnected', attempt: 1, delayMs: 100, cause: expect.stringMatching(/dropped by the fake peer/), at: new Date(START).toISOString() },
    ]);
    expect(await logged(harness, 'gate')).toEqual([
      { state: 'paused', reason: 'rate-limited', until: new Date(START + 30_000).toISOString(), cause: 'slow down' },
      { state: 'open', cause: 'retry-after passed' },
    ]);
    expect(harness.metrics.links).toEqual(['connected', 'disconnected']);
    expect(harness.metrics.gates).toEqual(['rate-limited', 'open']);
  });

  it('keeps a captcha pause across a restart, with its token', async () => {
    const harness = await started();
    harness.channel.gate.pause('captcha-required', { error: 'captcha needed', challengeToken: 'token-1' });
    await harness.close();
    const restarted = await started({ stateDir: harness.stateDir });
    expect(restarted.channel.gate.state).toMatchObject({ state: 'paused', reason: 'captcha-required', challengeToken: 'token-1', error: 'captcha needed' });
  });

  it('keeps a rate-limit pause for what is left of it, and forgets one that has passed or was lifted', async () => {
    const harness = await started();
    harness.channel.gate.pause('rate-limited', { error: 'slow down', retryAfterMs: 60_000 });
    await harness.close();
    const restarted = await started({ stateDir: harness.stateDir });
    expect(restarted.channel.gate.state).toMatchObject({ state: 'paused', reason: 'rate-limited', until: START + 60_000 });
    restarted.channel.gate.open('lifted');
    await restarted.close();
    const again = await started({ stateDir: harness.stateDir });
    expect(again.channel.gate.state).toMatchObject({ state: 'open' });

    const paused: string[] = [];
    const gate = { pause: (reason: string) => paused.push(reason), open: () => undefined } as unknown as Parameters<typeof restoreGate>[0]['gate'];
    const saved: GateState = { state: 'paused', reason: 'rate-limited', since: START, until: START + 1_000 };
    await restoreGate({ gate }, { get: () => JSON.stringify(saved), set: () => undefined }, START + 1_000);
    await restoreGate({ gate }, { get: () => JSON.stringify({ ...saved, reason: 'backend-not-ready', until: undefined }), set: () => undefined }, START);
    await restoreGate({ gate }, { get: () => undefined, set: () => undefined }, START);
    expect(paused).toEqual([]);
  });

  it('logs a change it could not record instead of failing the channel', async () => {
    const harness = await started();
    const failing = harness.store.events as unknown as { append: () => never };
    failing.append = () => {
      throw new Error('database or disk is full');
    };
    harness.channel.gate.pause('send-timeout', { error: 'no answer', retryAfterMs: 5_000 });
    await harness.settle();
    expect(harness.logger.messages('error')).toContain('a gate event could not be recorded');
    expect(harness.channel.gate.state).toMatchObject({ state: 'paused', reason: 'send-timeout' });
  });
});
