import { describe, expect, it } from 'vitest';
import type { SendOutcome, Transport } from './transport.js';
import { fromV1, toTransportV2 } from './transport-adapter.js';
import type { SendOutcomeV2 } from './transport-v2.js';
import { FakeTransport } from './testing/fake-transport.js';

const open = (): AbortSignal => new AbortController().signal;
const aborted = (): AbortSignal => AbortSignal.abort();

describe('fromV1', () => {
  it('turns the timestamp into the backend id, keeping partial failures', () => {
    expect(fromV1({ kind: 'sent', timestamp: 1_700_000_000_123 }, open())).toEqual({ kind: 'sent', backendId: '1700000000123' });
    expect(fromV1({ kind: 'sent' }, open())).toEqual({ kind: 'sent' });
    const partialFailures = [{ recipient: '+49…4567', reason: 'UNREGISTERED' }];
    expect(fromV1({ kind: 'sent', timestamp: 5, partialFailures }, open())).toEqual({ kind: 'sent', backendId: '5', partialFailures });
  });

  it('reads an unknown as a deadline when our deadline had fired, else as a lost connection', () => {
    expect(fromV1({ kind: 'unknown', error: 'timeout' }, aborted())).toEqual({ kind: 'unknown', error: 'timeout', reason: 'deadline' });
    expect(fromV1({ kind: 'unknown', error: 'socket hang up' }, open())).toEqual({ kind: 'unknown', error: 'socket hang up', reason: 'link-lost' });
  });

  it('passes every other outcome through', () => {
    const others: SendOutcome[] = [
      { kind: 'not-sent', error: 'a' },
      { kind: 'backend-not-ready', error: 'b' },
      { kind: 'rate-limited', error: 'c', retryAfterMs: 5 },
      { kind: 'captcha-required', error: 'd', challengeToken: 't' },
      { kind: 'unauthorized', error: 'e' },
      { kind: 'failed', error: 'f' },
      { kind: 'retriable', error: 'g' },
    ];
    for (const outcome of others) expect(fromV1(outcome, open())).toEqual(outcome);
  });
});

describe('toTransportV2', () => {
  it('hands a v2 transport back as it is', () => {
    const transport = new FakeTransport();
    expect(toTransportV2(transport)).toBe(transport);
  });

  it('adapts a v1 transport: same kind and link, sends mapped, late answers mapped, probe kept with its this', async () => {
    const late: SendOutcomeV2[] = [];
    const v1: Transport<string, string> & { ready: boolean } = {
      specificationVersion: 'v1',
      kind: 'old',
      ready: true,
      connect: async () => ({ closed: new Promise(() => {}), close: () => {} }),
      async send(message, options) {
        options.onLateOutcome?.({ kind: 'sent', timestamp: 9 });
        return message === 'late' ? { kind: 'unknown', error: 'deadline' } : { kind: 'sent', timestamp: 8 };
      },
      async probe() {
        return this.ready;
      },
    };
    const v2 = toTransportV2(v1);
    expect(v2).toMatchObject({ specificationVersion: 'v2', kind: 'old' });
    await expect(v2.connect({ signal: open(), onIncoming: () => {} })).resolves.toHaveProperty('close');
    expect(await v2.send('x', { signal: open(), idempotencyKey: 'k' })).toEqual({ kind: 'sent', backendId: '8' });
    expect(await v2.send('late', { signal: aborted(), idempotencyKey: 'k', onLateOutcome: (outcome) => late.push(outcome) })).toEqual({ kind: 'unknown', error: 'deadline', reason: 'deadline' });
    expect(late).toEqual([{ kind: 'sent', backendId: '9' }]);
    expect(await v2.probe!(open())).toBe(true);
    const { probe: _probe, ...noProbe } = v1;
    expect(toTransportV2(noProbe as Transport<string, string>).probe).toBeUndefined();
  });
});
