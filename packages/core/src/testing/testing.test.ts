import { describe, expect, it } from 'vitest';
import { AbortedError } from '../errors.js';
import type { ConnectOptions, Link, SendOptions, SendOutcome, Transport } from '../transport.js';
import { transportContract, type TransportHarness } from './contract.js';
import { FakeTransport } from './fake-transport.js';

function fakeHarness(transport = new FakeTransport<string, string>()): () => Promise<TransportHarness<string, string>> {
  return async () => ({
    transport,
    message: (n) => `message ${n}`,
    deliverIncoming: async () => transport.emit('incoming'),
    dropLinks: async () => transport.drop(),
    hangNextSend: async () => transport.queueOutcomes('hang'),
    close: async () => transport.link?.close(),
  });
}

describe('the transport contract', () => {
  describe('FakeTransport passes it', () => {
    for (const check of transportContract(fakeHarness(), { waitMs: 1_000 })) it(check.name, check.run);
  });

  /** Keeps the contract in every way but the one named. */
  class BrokenTransport implements Transport<string, string> {
    readonly specificationVersion = 'v1' as const;
    readonly kind = 'broken';
    readonly inner = new FakeTransport<string, string>();
    constructor(readonly flaw: 'ignores-abort' | 'throws-on-send' | 'drop-says-client' | 'hang-resolves-sent' | 'swallows-incoming') {}
    async connect(options: ConnectOptions<string>): Promise<Link> {
      const fresh = new AbortController();
      const link = await this.inner.connect(
        this.flaw === 'ignores-abort' ? { ...options, signal: fresh.signal } : this.flaw === 'swallows-incoming' ? { ...options, onIncoming: () => {} } : options,
      );
      if (this.flaw !== 'drop-says-client') return link;
      return { closed: link.closed.then(() => ({ reason: 'closed-by-client' as const })), close: () => link.close() };
    }
    async send(message: string, options: SendOptions): Promise<SendOutcome> {
      if (this.flaw === 'throws-on-send') throw new Error('boom');
      if (this.flaw === 'hang-resolves-sent') return { kind: 'sent' };
      return this.inner.send(message, options);
    }
  }

  it('fails a deliberately broken transport, for each kind of break', async () => {
    const flaws = ['ignores-abort', 'throws-on-send', 'drop-says-client', 'hang-resolves-sent', 'swallows-incoming'] as const;
    for (const flaw of flaws) {
      const broken = new BrokenTransport(flaw);
      const harness = async (): Promise<TransportHarness<string, string>> => ({
        transport: broken,
        message: (n) => String(n),
        deliverIncoming: async () => broken.inner.emit('x'),
        dropLinks: async () => broken.inner.drop(),
        hangNextSend: async () => broken.inner.queueOutcomes('hang'),
        close: async () => broken.inner.link?.close(),
      });
      const failures: string[] = [];
      for (const check of transportContract(harness, { waitMs: 300 })) await check.run().catch(() => failures.push(check.name));
      expect(failures, flaw).not.toEqual([]);
    }
    const versionless = { ...new FakeTransport(), specificationVersion: 'v0', kind: 'old' } as unknown as Transport<string, string>;
    const [versionCheck] = transportContract(async () => ({ ...(await fakeHarness()()), transport: versionless }));
    await expect(versionCheck!.run()).rejects.toThrow(/specificationVersion/);
  });
});

describe('FakeTransport', () => {
  it('rejects connect when aborted while hanging', async () => {
    const transport = new FakeTransport();
    transport.hangNextConnect();
    const controller = new AbortController();
    const connecting = transport.connect({ signal: controller.signal, onIncoming: () => {} });
    controller.abort();
    await expect(connecting).rejects.toBeInstanceOf(AbortedError);
  });

  it('fails the next connect with the given error, and answers sends by script or default', async () => {
    const transport = new FakeTransport<string>();
    transport.failNextConnect(new Error('nope'));
    await expect(transport.connect({ signal: new AbortController().signal, onIncoming: () => {} })).rejects.toThrow('nope');
    transport.setDefaultOutcome((message) => ({ kind: 'failed', error: `bad ${message}` }));
    expect(await transport.send('x', { signal: new AbortController().signal })).toEqual({ kind: 'failed', error: 'bad x' });
    transport.queueOutcomes({ kind: 'sent', timestamp: 5 });
    expect(await transport.send('y', { signal: new AbortController().signal })).toEqual({ kind: 'sent', timestamp: 5 });
  });
});
