// The mutation test of the contract suite: sixteen deliberately broken variants of WsChatTransport,
// each wrong in one way (the four breakages the first suite missed among them). The v2 suite must
// fail every one, and through the check that names the broken promise.
import { TransportError, type ConnectOptions, type Link, type SendOptionsV2, type SendOutcomeV2, type TransportV2 } from '@tether/core';
import { transportContractV2 } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import type { ChatEvent, ChatMessage, WsChatTransport } from '../src/index.js';
import { chatHarness, FEATURES } from './harness.js';

type Chat = TransportV2<ChatMessage, ChatEvent>;

/** The good transport with some of its behaviour replaced. */
function variant(good: WsChatTransport, overrides: Partial<Pick<Chat, 'connect' | 'send'>> & { specificationVersion?: string }): Chat {
  return {
    specificationVersion: 'v2',
    kind: 'ws-chat-mutant',
    connect: (options) => good.connect(options),
    send: (message, options) => good.send(message, options),
    ...overrides,
  } as Chat;
}

/** Sends through the good transport, then rewrites the outcome. */
const rewriting = (good: WsChatTransport, rewrite: (outcome: SendOutcomeV2) => SendOutcomeV2): Partial<Chat> => ({
  send: async (message, options) => rewrite(await good.send(message, options)),
});

/** Connects through the good transport with changed options, and may change the link it gives. */
const connecting = (good: WsChatTransport, options: (given: ConnectOptions<ChatEvent>) => ConnectOptions<ChatEvent>, link: (given: Link) => Link = (given) => given): Partial<Chat> => ({
  connect: async (given) => link(await good.connect(options(given))),
});

const never = new Promise<never>(() => {});

const MUTANTS: Record<string, { readonly caughtBy: string; readonly make: (good: WsChatTransport) => Chat }> = {
  'reports a connection lost after the write as not-sent': {
    caughtBy: 'a connection lost after the request was written',
    make: (good) => variant(good, rewriting(good, (outcome) => (outcome.kind === 'unknown' && outcome.reason === 'link-lost' ? { kind: 'not-sent', error: outcome.error } : outcome))),
  },
  'waits for a connection when there is none': {
    caughtBy: 'send without an open link',
    make: (good) => {
      let open = false;
      return variant(good, {
        connect: async (options) => {
          const link = await good.connect(options);
          open = true;
          void link.closed.then(() => (open = false));
          return link;
        },
        send: (message, options) =>
          open
            ? good.send(message, options)
            : new Promise<SendOutcomeV2>((resolve) => options.signal.addEventListener('abort', () => resolve({ kind: 'unknown', reason: 'deadline', error: 'waited' }))),
      });
    },
  },
  'ignores onLateOutcome': {
    caughtBy: 'a late answer',
    make: (good) => variant(good, { send: (message, options: SendOptionsV2) => good.send(message, { signal: options.signal, idempotencyKey: options.idempotencyKey }) }),
  },
  'has neither ping nor onActivity': {
    caughtBy: 'a link proves the peer alive',
    make: (good) =>
      variant(
        good,
        connecting(
          good,
          ({ signal, onIncoming, onReceipt }) => ({ signal, onIncoming, ...(onReceipt ? { onReceipt } : {}) }),
          (link) => ({ closed: link.closed, close: () => link.close() }),
        ),
      ),
  },
  'never reports pongs': {
    caughtBy: 'a link proves the peer alive',
    make: (good) => variant(good, connecting(good, ({ onActivity: _ignored, ...rest }) => rest)),
  },
  'throws from send': {
    caughtBy: 'send resolves sent',
    make: (good) =>
      variant(good, {
        send: () => {
          throw new Error('socket not writable');
        },
      }),
  },
  "leaves out the server's message id": {
    caughtBy: 'send resolves sent',
    make: (good) => variant(good, rewriting(good, (outcome) => (outcome.kind === 'sent' ? { kind: 'sent' } : outcome))),
  },
  'ignores the connect signal': {
    caughtBy: 'rejects connect when the signal is already aborted',
    make: (good) => variant(good, connecting(good, (options) => ({ ...options, signal: new AbortController().signal }))),
  },
  'reports a dropped link as closed by the client': {
    caughtBy: 'a link the backend drops',
    make: (good) =>
      variant(
        good,
        connecting(good, (options) => options, (link) => ({ closed: link.closed.then(() => ({ reason: 'closed-by-client' as const })), close: () => link.close(), ping: () => link.ping?.() })),
      ),
  },
  'never resolves closed when closed by the client': {
    caughtBy: 'close() resolves closed',
    make: (good) =>
      variant(
        good,
        connecting(good, (options) => options, (link) => ({ closed: link.closed.then((closed) => (closed.reason === 'closed-by-client' ? never : closed)), close: () => link.close(), ping: () => link.ping?.() })),
      ),
  },
  'swallows incoming posts': {
    caughtBy: 'delivers incoming events',
    make: (good) => variant(good, connecting(good, (options) => ({ ...options, onIncoming: () => {} }))),
  },
  'calls a deadline sent': {
    caughtBy: 'a deadline on a send',
    make: (good) => variant(good, rewriting(good, (outcome) => (outcome.kind === 'unknown' ? { kind: 'sent', backendId: 'guess' } : outcome))),
  },
  'calls a lost connection a deadline': {
    caughtBy: 'a connection lost after the request was written',
    make: (good) => variant(good, rewriting(good, (outcome) => (outcome.kind === 'unknown' ? { ...outcome, reason: 'deadline' } : outcome))),
  },
  'writes after the deadline has passed': {
    caughtBy: 'send with an aborted signal',
    make: (good) => variant(good, { send: (message, options) => good.send(message, { ...options, signal: new AbortController().signal }) }),
  },
  'drops receipts': {
    caughtBy: 'receipts reach onReceipt',
    make: (good) => variant(good, connecting(good, ({ onReceipt: _ignored, ...rest }) => rest)),
  },
  'retries a refused token forever': {
    caughtBy: 'a connect the backend refuses',
    make: (good) =>
      variant(good, {
        connect: (options) =>
          good.connect(options).catch((error: unknown) => {
            throw new TransportError(`will retry: ${(error as Error).message}`);
          }),
      }),
  },
  'declares specificationVersion v1': {
    caughtBy: 'declares specificationVersion',
    make: (good) => variant(good, { specificationVersion: 'v1' }),
  },
};

describe('the v2 contract suite fails every broken variant of WsChatTransport', () => {
  it('has at least eleven variants', () => {
    expect(Object.keys(MUTANTS).length).toBeGreaterThanOrEqual(11);
  });

  for (const [flaw, { caughtBy, make }] of Object.entries(MUTANTS)) {
    it(`a transport that ${flaw}`, async () => {
      const failed: string[] = [];
      for (const check of transportContractV2(chatHarness(make), { ...FEATURES, waitMs: 500 })) {
        await check.run().catch((error: unknown) => failed.push(`${check.name} — ${(error as Error).message}`));
      }
      expect(failed.length, 'the suite passed a broken transport').toBeGreaterThan(0);
      expect(failed.some((failure) => failure.startsWith(caughtBy)), `not caught by "${caughtBy}":\n${failed.join('\n')}`).toBe(true);
    });
  }
});
