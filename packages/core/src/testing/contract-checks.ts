// The checks of the transport contract, written once for both versions against a Subject. Each
// opens what it needs on a fresh harness, states the promise it checks, and fails with what was
// expected and what happened instead. Waits are real time: transports run on real sockets.
import { TransportError } from '../errors.js';
import type { ConnectOptions, Link, LinkClosed, SendOutcome } from '../transport.js';
import type { SendOutcomeV2 } from '../transport-v2.js';
import type { ReceiptType } from '../vocabulary.js';
import { ContractViolation, describeError, describeOutcome, realTimers, signalOf, within } from './contract-kit.js';
import type { Subject, SubjectSendOptions } from './contract-subject.js';

export interface CheckTools<Out, In> {
  readonly subject: Subject<Out, In>;
  readonly waitMs: number;
  /** Throws a violation unless `condition`. */
  expect(condition: boolean, what: string, expected: string, actual: string): void;
  /** Waits for `promise` (at most waitMs); a timeout is a violation naming `what`. */
  settle<T>(promise: Promise<T>, what: string, expected: string): Promise<T>;
  /** Opens a link with the harness's backend; `extra` overrides the callbacks. */
  open(extra?: Partial<ConnectOptions<In>>): Promise<Link>;
  /** Sends message `n` (fresh key, no deadline unless given); a throw or a hang is a violation. */
  send(n: number, options?: Partial<SubjectSendOptions>): Promise<{ readonly outcome: SendOutcomeV2; readonly raw: SendOutcome | SendOutcomeV2 }>;
}

export interface CheckSpec {
  readonly name: string;
  readonly body: <Out, In>(tools: CheckTools<Out, In>) => Promise<void>;
}

const never = (): AbortSignal => new AbortController().signal;
let keys = 0;
const freshKey = (): string => `contract-${Date.now().toString(36)}-${++keys}`;

export function tools<Out, In>(subject: Subject<Out, In>, waitMs: number): CheckTools<Out, In> {
  const expect = (condition: boolean, what: string, expected: string, actual: string): void => {
    if (!condition) throw new ContractViolation(subject.suite, what, expected, actual);
  };
  const settle = async <T>(promise: Promise<T>, what: string, expected: string): Promise<T> => {
    const result = await within(promise, waitMs);
    if (!result.settled) throw new ContractViolation(subject.suite, what, expected, `nothing within ${waitMs} ms`);
    return result.value;
  };
  return {
    subject,
    waitMs,
    expect,
    settle,
    open: (extra = {}) =>
      settle(
        subject.connect({ signal: never(), onIncoming: () => {}, ...extra }).catch((error: unknown) => {
          throw new ContractViolation(subject.suite, 'connect', 'connect to resolve a Link while the backend is up', `it rejected with ${describeError(error)}`, { cause: error });
        }),
        'connect',
        'connect to resolve a Link while the backend is up',
      ),
    send: (n, options = {}) =>
      settle(subject.send(subject.harness.message(n), { signal: never(), idempotencyKey: freshKey(), ...options }), `send of message ${n}`, 'send to settle'),
  };
}

/** Aborts a deadline after a short real-time delay (the backend must have read the request by then). */
function deadlineSoon(waitMs: number): { readonly signal: AbortSignal; readonly clear: () => void } {
  const controller = new AbortController();
  const handle = realTimers.setTimeout(() => controller.abort(), Math.min(200, waitMs / 4));
  return { signal: controller.signal, clear: () => realTimers.clearTimeout(handle) };
}

const closeQuietly = (link: Link | undefined): void => {
  try {
    link?.close();
  } catch {
    // the check already has its finding
  }
};

export const BASE_CHECKS: readonly CheckSpec[] = [
  {
    name: 'delivers incoming events through onIncoming, with the link left open',
    body: async ({ subject, open, settle, expect }) => {
      const arrived = signalOf<unknown>();
      const link = await open({ onIncoming: arrived.fire });
      let closed: LinkClosed | undefined;
      void link.closed.then((value) => (closed = value));
      await subject.harness.deliverIncoming();
      await settle(arrived.next, 'an incoming event', 'onIncoming to be called with the event the backend delivered');
      expect(closed === undefined, 'after an incoming event', 'the link to stay open', `it closed (${closed?.reason})`);
      link.close();
    },
  },
  {
    name: 'rejects connect when the signal is already aborted',
    body: async ({ subject, settle, expect }) => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      const result = await settle(
        subject.connect({ signal: controller.signal, onIncoming: () => {} }).then(
          (link) => ({ link }),
          () => ({ link: undefined }),
        ),
        'connect with an aborted signal',
        'connect to reject',
      );
      closeQuietly(result.link);
      expect(result.link === undefined, 'connect with an aborted signal', 'a rejection, with nothing left open', 'a Link');
    },
  },
  {
    name: 'close() resolves closed with closed-by-client, and closing again is harmless',
    body: async ({ open, settle, expect }) => {
      const link = await open();
      link.close();
      const closed = await settle(link.closed, 'closed after close()', 'closed to resolve');
      expect(closed.reason === 'closed-by-client', 'closed after close()', 'reason closed-by-client', `reason ${closed.reason}`);
      link.close();
    },
  },
  {
    name: 'a link the backend drops resolves closed with a reason other than closed-by-client',
    body: async ({ subject, open, settle, expect }) => {
      const link = await open();
      await subject.harness.dropLinks();
      const closed = await settle(link.closed, 'closed after the backend dropped the link', 'closed to resolve');
      expect(closed.reason !== 'closed-by-client', 'closed after the backend dropped the link', 'closed-by-peer, error or heartbeat-timeout', 'closed-by-client');
    },
  },
  {
    name: 'a link proves the peer alive: ping() is answered through onActivity',
    body: async ({ subject, open, settle, expect }) => {
      const activity = signalOf();
      const link = await open({ onActivity: () => activity.fire() });
      try {
        if (!link.ping) {
          expect(
            subject.harness.ownLiveness === true,
            'liveness',
            'a link with ping() (or a harness that declares ownLiveness: the link notices a dead peer by itself)',
            'a link without ping(): a half-open peer would never be noticed',
          );
          return;
        }
        const answered = activity.after();
        link.ping();
        await settle(answered, 'ping()', 'onActivity once the peer answers the ping');
      } finally {
        link.close();
      }
    },
  },
  {
    name: "send resolves sent, with the backend's id, for an accepted message",
    body: async ({ subject, open, send, expect }) => {
      const link = await open();
      try {
        const { outcome, raw } = await send(1);
        const idField = subject.version === 'v1' ? 'timestamp' : 'backendId';
        const hasId = subject.version === 'v1' ? raw.kind === 'sent' && Number.isFinite((raw as { timestamp?: unknown }).timestamp) : outcome.kind === 'sent' && typeof outcome.backendId === 'string' && outcome.backendId.length > 0;
        expect(outcome.kind === 'sent', 'send of an accepted message', 'sent', describeOutcome(raw));
        expect(hasId, 'send of an accepted message', `sent with the backend's id in ${idField}`, describeOutcome(raw));
      } finally {
        link.close();
      }
    },
  },
  {
    name: 'send with an aborted signal resolves not-sent, never throws',
    body: async ({ open, send, expect }) => {
      const link = await open();
      try {
        const controller = new AbortController();
        controller.abort();
        const { outcome } = await send(2, { signal: controller.signal });
        expect(outcome.kind === 'not-sent', 'send with an aborted signal', 'not-sent (nothing may be written once the deadline has passed)', describeOutcome(outcome));
      } finally {
        link.close();
      }
    },
  },
  {
    name: 'a deadline on a send the backend never answers resolves unknown',
    body: async ({ subject, open, send, expect, waitMs }) => {
      const link = await open();
      try {
        await subject.harness.hangNextSend();
        const deadline = deadlineSoon(waitMs);
        const { outcome } = await send(3, { signal: deadline.signal }).finally(deadline.clear);
        const expected = subject.version === 'v1' ? 'unknown' : 'unknown with reason deadline';
        const ok = outcome.kind === 'unknown' && (subject.version === 'v1' || outcome.reason === 'deadline');
        expect(ok, 'send whose deadline passed without an answer', `${expected} (the request was written: it may have been delivered)`, describeOutcome(outcome));
      } finally {
        link.close();
      }
    },
  },
  {
    name: 'send without an open link settles by itself, without waiting for its deadline',
    body: async ({ open, settle, subject }) => {
      const what = 'send with no open link';
      const expected = 'send to settle by itself (not-sent when it needs the link), not to wait for the deadline';
      await settle(subject.send(subject.harness.message(4), { signal: never(), idempotencyKey: freshKey() }), `${what} (before any connect)`, expected);
      const link = await open();
      link.close();
      await settle(link.closed, 'closed after close()', 'closed to resolve');
      await settle(subject.send(subject.harness.message(5), { signal: never(), idempotencyKey: freshKey() }), `${what} (after the link was closed)`, expected);
    },
  },
];

export const LOSS_CHECK: CheckSpec = {
  name: 'a connection lost after the request was written resolves unknown, not not-sent',
  body: async ({ subject, open, send, expect }) => {
    const link = await open();
    try {
      await subject.harness.loseNextSend!();
      const { outcome } = await send(6);
      const ok = outcome.kind === 'unknown' && (subject.version === 'v1' || outcome.reason === 'link-lost');
      const expected = subject.version === 'v1' ? 'unknown' : 'unknown with reason link-lost';
      expect(ok, 'send whose connection was lost after the write', `${expected} (the backend read the request: it may have been delivered)`, describeOutcome(outcome));
    } finally {
      link.close();
    }
  },
};

export const LATE_CHECK: CheckSpec = {
  name: 'a late answer to a send that ended unknown reaches onLateOutcome',
  body: async ({ subject, open, send, settle, expect, waitMs }) => {
    const link = await open();
    try {
      await subject.harness.hangNextSend();
      const late = signalOf<SendOutcomeV2>();
      const deadline = deadlineSoon(waitMs);
      const { outcome } = await send(7, { signal: deadline.signal, onLateOutcome: late.fire }).finally(deadline.clear);
      expect(outcome.kind === 'unknown', 'send whose deadline passed without an answer', 'unknown', describeOutcome(outcome));
      await subject.harness.answerHungSends!();
      const answer = await settle(late.next, 'the late answer', 'onLateOutcome to be called once the backend answered the hung send');
      expect(answer.kind === 'sent', 'the late answer', 'sent', describeOutcome(answer));
      expect(late.count() === 1, 'the late answer', 'onLateOutcome called once', `${late.count()} calls`);
    } finally {
      link.close();
    }
  },
};

export const RECEIPT_CHECK: CheckSpec = {
  name: 'receipts reach onReceipt, naming the backend ids that sent outcomes carried',
  body: async ({ subject, open, send, settle, expect }) => {
    const receipts = signalOf<{ type: ReceiptType; backendIds: readonly string[] }>();
    const link = await open({ onReceipt: receipts.fire });
    try {
      const { outcome } = await send(8);
      const backendId = outcome.kind === 'sent' ? outcome.backendId : undefined;
      if (backendId === undefined) return expect(false, 'send of an accepted message', 'sent with a backendId', describeOutcome(outcome));
      await subject.harness.deliverReceipt!('delivered', [backendId]);
      const receipt = await settle(receipts.next, 'a delivery receipt', 'onReceipt to be called');
      expect(
        receipt.type === 'delivered' && receipt.backendIds.includes(backendId),
        'the delivery receipt',
        `{ type: 'delivered', backendIds: [${JSON.stringify(backendId)}] }`,
        JSON.stringify(receipt),
      );
    } finally {
      link.close();
    }
  },
};

export const REFUSAL_CHECK: CheckSpec = {
  name: 'a connect the backend refuses for good rejects with a TransportError whose retriable is false',
  body: async ({ subject, settle, expect }) => {
    await subject.harness.refuseCredentials!();
    const result = await settle(
      subject.connect({ signal: never(), onIncoming: () => {} }).then(
        (link) => ({ link, error: undefined as unknown }),
        (error: unknown) => ({ link: undefined, error }),
      ),
      'connect with refused credentials',
      'connect to reject',
    );
    closeQuietly(result.link);
    const { error } = result;
    const actual = result.link ? 'a Link' : TransportError.isInstance(error) ? `a TransportError with retriable ${String((error as TransportError).retriable)}` : `${describeError(error)}`;
    expect(
      !result.link && TransportError.isInstance(error) && (error as TransportError).retriable === false,
      'connect with refused credentials',
      'a rejection with a TransportError whose retriable is false (retrying cannot help; the link must stop in failed)',
      actual,
    );
  },
};
