import { describe, expect, it } from 'vitest';
import { AbortedError, TransportError } from '../errors.js';
import type { ConnectOptions, Link, SendOptions, SendOutcome, Transport } from '../transport.js';
import type { SendOptionsV2, SendOutcomeV2, TransportV2 } from '../transport-v2.js';
import { FakeTransport as FakeTransportV1 } from './__fixtures__/fake-transport-v1.js';
import { transportContract, transportContractV2, type TransportHarness, type TransportHarnessV2 } from './contract.js';
import type { ContractCheck } from './contract-kit.js';
import { FakeTransport } from './fake-transport.js';

// Today's v1 usage, unchanged: a v1 transport and the harness written for the v1 suite before
// the suite learnt new checks.
function fakeHarness(transport = new FakeTransportV1<string, string>()): () => Promise<TransportHarness<string, string>> {
  return async () => ({
    transport,
    message: (n) => `message ${n}`,
    deliverIncoming: async () => transport.emit('incoming'),
    dropLinks: async () => transport.drop(),
    hangNextSend: async () => transport.queueOutcomes('hang'),
    close: async () => transport.link?.close(),
  });
}

function fakeHarnessV2(make: (inner: FakeTransport<string, string>) => TransportV2<string, string> = (inner) => inner): () => Promise<TransportHarnessV2<string, string>> {
  return async () => {
    const inner = new FakeTransport<string, string>();
    return {
      transport: make(inner),
      message: (n) => `message ${n}`,
      deliverIncoming: async () => inner.emit('incoming'),
      dropLinks: async () => inner.drop(),
      hangNextSend: async () => inner.queueOutcomes('hang'),
      loseNextSend: async () => inner.queueOutcomes('lose'),
      answerHungSends: async () => inner.answerAllLate(),
      deliverReceipt: async (type, backendIds) => inner.receipt(type, backendIds),
      refuseCredentials: async () => inner.failNextConnect(new TransportError('401 Unauthorized', { retriable: false })),
      close: async () => inner.link?.close(),
    };
  };
}

const FULL = { lateOutcomes: true, receipts: true, refusal: true } as const;

/** The names of the checks that fail. */
async function failures(checks: ContractCheck[]): Promise<string[]> {
  const failed: string[] = [];
  for (const check of checks) await check.run().catch(() => failed.push(check.name));
  return failed;
}

describe('the v1 transport contract', () => {
  describe("today's v1 FakeTransport, with today's harness, passes it", () => {
    for (const check of transportContract(fakeHarness(), { waitMs: 1_000 })) it(check.name, check.run);
  });

  /** Keeps the contract in every way but the one named. */
  class BrokenTransport implements Transport<string, string> {
    readonly specificationVersion = 'v1' as const;
    readonly kind = 'broken';
    readonly inner = new FakeTransportV1<string, string>();
    constructor(readonly flaw: 'ignores-abort' | 'throws-on-send' | 'drop-says-client' | 'hang-resolves-sent' | 'swallows-incoming' | 'no-timestamp' | 'silent-pings') {}
    async connect(options: ConnectOptions<string>): Promise<Link> {
      const fresh = new AbortController();
      const link = await this.inner.connect(
        this.flaw === 'ignores-abort'
          ? { ...options, signal: fresh.signal }
          : this.flaw === 'swallows-incoming'
            ? { ...options, onIncoming: () => {} }
            : this.flaw === 'silent-pings'
              ? { signal: options.signal, onIncoming: options.onIncoming }
              : options,
      );
      if (this.flaw !== 'drop-says-client') return link;
      return { closed: link.closed.then(() => ({ reason: 'closed-by-client' as const })), close: () => link.close(), ping: () => link.ping?.() };
    }
    async send(message: string, options: SendOptions): Promise<SendOutcome> {
      if (this.flaw === 'throws-on-send') throw new Error('boom');
      if (this.flaw === 'hang-resolves-sent') return { kind: 'sent', timestamp: 1 };
      if (this.flaw === 'no-timestamp') return { kind: 'sent' };
      return this.inner.send(message, options);
    }
  }

  it('fails a deliberately broken v1 transport, for each kind of break', async () => {
    const flaws = ['ignores-abort', 'throws-on-send', 'drop-says-client', 'hang-resolves-sent', 'swallows-incoming', 'no-timestamp', 'silent-pings'] as const;
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
      expect(await failures(transportContract(harness, { waitMs: 300 })), flaw).not.toEqual([]);
    }
    const versionless = { ...new FakeTransportV1(), specificationVersion: 'v0', kind: 'old' } as unknown as Transport<string, string>;
    const [versionCheck] = transportContract(async () => ({ ...(await fakeHarness()()), transport: versionless }));
    await expect(versionCheck!.run()).rejects.toThrow("specificationVersion: expected 'v1'; got \"v0\"");
  });

  it('names a throw from send as a contract violation, with what was expected', async () => {
    const broken = new BrokenTransport('throws-on-send');
    const checks = transportContract(async () => ({ ...(await fakeHarness()()), transport: broken }), { waitMs: 300 });
    const sent = checks.find((check) => check.name.startsWith('send resolves sent'))!;
    await expect(sent.run()).rejects.toMatchObject({
      code: 'contract-violation',
      message: 'transport contract v1: send: expected send to resolve a SendOutcome (a transport never throws or rejects from send); got it threw Error: boom',
    });
  });

  it('checks a declared feature, and refuses a harness whose methods do not match the declaration', async () => {
    const [declaration] = transportContract(fakeHarness(), { waitMs: 300, lateOutcomes: true });
    await expect(declaration!.run()).rejects.toThrow('harness.answerHungSends: expected the harness to have answerHungSends (the options declare lateOutcomes); got no answerHungSends');
    const withLoss = async (): Promise<TransportHarness<string, string>> => ({ ...(await fakeHarness()()), loseNextSend: async () => {} });
    const [undeclared] = transportContract(withLoss, { waitMs: 300 });
    await expect(undeclared!.run()).rejects.toThrow(/lossAfterWrite: true in the options, since the harness has loseNextSend/);
  });
});

describe('the v2 transport contract', () => {
  describe('FakeTransport passes it, with every optional check', () => {
    for (const check of transportContractV2(fakeHarnessV2(), { waitMs: 1_000, ...FULL })) it(check.name, check.run);
  });

  /** The four breakages the first suite missed, and a few more, as wrappers around a good transport. */
  const wrap = (inner: FakeTransport<string, string>, overrides: Partial<TransportV2<string, string>>): TransportV2<string, string> => ({
    specificationVersion: 'v2',
    kind: 'broken',
    connect: (options) => inner.connect(options),
    send: (message, options) => inner.send(message, options),
    ...overrides,
  });
  /** Each variant, and the check that must catch it. */
  const CAUGHT_BY: Record<string, string> = {
    'loss after the write reported as not-sent': 'a connection lost after the request was written',
    'send hangs while there is no link': 'send without an open link',
    'onLateOutcome ignored': 'a late answer',
    'neither ping nor onActivity': 'a link proves the peer alive',
    'pings never answered': 'a link proves the peer alive',
    'sent without a backend id': 'send resolves sent',
    'a deadline reported as link-lost': 'a deadline on a send',
    'receipts dropped': 'receipts reach onReceipt',
    'a refusal reported as retriable': 'a connect the backend refuses',
    'specificationVersion v1': 'declares specificationVersion',
  };
  const VARIANTS: Record<string, (inner: FakeTransport<string, string>) => TransportV2<string, string>> = {
    'loss after the write reported as not-sent': (inner) =>
      wrap(inner, {
        send: async (message, options) => {
          const outcome = await inner.send(message, options);
          return outcome.kind === 'unknown' && outcome.reason === 'link-lost' ? { kind: 'not-sent', error: 'socket closed' } : outcome;
        },
      }),
    'send hangs while there is no link': (inner) =>
      wrap(inner, {
        send: (message, options) => (inner.link?.isOpen ? inner.send(message, options) : new Promise<SendOutcomeV2>(() => {})),
      }),
    'onLateOutcome ignored': (inner) => wrap(inner, { send: (message, options: SendOptionsV2) => inner.send(message, { signal: options.signal, idempotencyKey: options.idempotencyKey }) }),
    'neither ping nor onActivity': (inner) =>
      wrap(inner, {
        connect: async (options) => {
          const link = await inner.connect({ signal: options.signal, onIncoming: options.onIncoming });
          return { closed: link.closed, close: () => link.close() };
        },
      }),
    'pings never answered': (inner) => wrap(inner, { connect: (options) => inner.connect({ signal: options.signal, onIncoming: options.onIncoming }) }),
    'sent without a backend id': (inner) => wrap(inner, { send: async () => ({ kind: 'sent' }) }),
    'a deadline reported as link-lost': (inner) =>
      wrap(inner, {
        send: async (message, options) => {
          const outcome = await inner.send(message, options);
          return outcome.kind === 'unknown' ? { ...outcome, reason: 'link-lost' } : outcome;
        },
      }),
    'receipts dropped': (inner) => wrap(inner, { connect: (options) => inner.connect({ ...options, onReceipt: () => {} }) }),
    'a refusal reported as retriable': (inner) =>
      wrap(inner, {
        connect: (options) =>
          inner.connect(options).catch((error: unknown) => {
            throw new TransportError(`retry me: ${String(error)}`);
          }),
      }),
    'specificationVersion v1': (inner) => ({ ...wrap(inner, {}), specificationVersion: 'v1' }) as unknown as TransportV2<string, string>,
  };

  for (const [flaw, make] of Object.entries(VARIANTS)) {
    it(`fails a transport whose ${flaw}`, async () => {
      const failed = await failures(transportContractV2(fakeHarnessV2(make), { waitMs: 300, ...FULL }));
      expect(failed.some((name) => name.startsWith(CAUGHT_BY[flaw]!)), failed.join('; ')).toBe(true);
    });
  }

  it('says what it expected and what it got', async () => {
    const lossy = transportContractV2(fakeHarnessV2(VARIANTS['loss after the write reported as not-sent']!), { waitMs: 300 }).find((check) => check.name.startsWith('a connection lost'))!;
    await expect(lossy.run()).rejects.toThrow(
      'transport contract v2: send whose connection was lost after the write: expected unknown with reason link-lost (the backend read the request: it may have been delivered); got not-sent (error "socket closed")',
    );
    const hanging = transportContractV2(fakeHarnessV2(VARIANTS['send hangs while there is no link']!), { waitMs: 300 }).find((check) => check.name.startsWith('send without an open link'))!;
    await expect(hanging.run()).rejects.toThrow(/send with no open link \(before any connect\): expected send to settle by itself .*; got nothing within 300 ms/);
    const silent = transportContractV2(fakeHarnessV2(VARIANTS['neither ping nor onActivity']!), { waitMs: 300 }).find((check) => check.name.startsWith('a link proves'))!;
    await expect(silent.run()).rejects.toThrow(/liveness: expected a link with ping\(\) .*; got a link without ping\(\)/);
  });

  it('accepts a ping-less link when the harness declares that the link notices a dead peer by itself', async () => {
    const make = VARIANTS['neither ping nor onActivity']!;
    const harness = async () => ({ ...(await fakeHarnessV2(make)()), ownLiveness: true });
    const liveness = transportContractV2(harness, { waitMs: 300, ...FULL }).find((check) => check.name.startsWith('a link proves'))!;
    await expect(liveness.run()).resolves.toBeUndefined();
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
    const options = { signal: new AbortController().signal, idempotencyKey: 'k' };
    transport.setDefaultOutcome((message) => ({ kind: 'failed', error: `bad ${message}` }));
    expect(await transport.send('x', options)).toEqual({ kind: 'failed', error: 'bad x' });
    transport.queueOutcomes({ kind: 'sent', backendId: 'b-5' });
    expect(await transport.send('y', options)).toEqual({ kind: 'sent', backendId: 'b-5' });
    expect(transport.keys).toEqual(['k', 'k']);
  });
});

describe("today's v1 FakeTransport, used as before v2", () => {
  it('rejects connect when aborted while hanging', async () => {
    const transport = new FakeTransportV1();
    transport.hangNextConnect();
    const controller = new AbortController();
    const connecting = transport.connect({ signal: controller.signal, onIncoming: () => {} });
    controller.abort();
    await expect(connecting).rejects.toBeInstanceOf(AbortedError);
  });

  it('fails the next connect with the given error, and answers sends by script or default', async () => {
    const transport = new FakeTransportV1<string>();
    transport.failNextConnect(new Error('nope'));
    await expect(transport.connect({ signal: new AbortController().signal, onIncoming: () => {} })).rejects.toThrow('nope');
    transport.setDefaultOutcome((message) => ({ kind: 'failed', error: `bad ${message}` }));
    expect(await transport.send('x', { signal: new AbortController().signal })).toEqual({ kind: 'failed', error: 'bad x' });
    transport.queueOutcomes({ kind: 'sent', timestamp: 5 });
    expect(await transport.send('y', { signal: new AbortController().signal })).toEqual({ kind: 'sent', timestamp: 5 });
  });
});
