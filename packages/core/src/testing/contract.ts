// The transport contract suite. Any transport passes it through a harness that can drive the
// backend; each check is a plain async function that throws on failure, so it runs under any
// test runner:  for (const check of transportContract(makeHarness)) it(check.name, check.run).
import type { ConnectOptions, Link, LinkClosed, SendOutcome, Transport } from '../transport.js';

export interface TransportHarness<Out, In> {
  readonly transport: Transport<Out, In>;
  /** A valid outgoing message; `n` makes each distinct. */
  message(n: number): Out;
  /** Makes the backend deliver one incoming event to open links. */
  deliverIncoming(): Promise<void>;
  /** Makes the backend drop every open link abruptly. */
  dropLinks(): Promise<void>;
  /** The backend reads the next send but never answers it. */
  hangNextSend(): Promise<void>;
  close(): Promise<void>;
}

export interface ContractCheck {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export interface ContractOptions {
  /** How long a check waits for something the contract promises. @default 5_000 */
  readonly waitMs?: number;
}

const host = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };

export function transportContract<Out, In>(
  makeHarness: () => Promise<TransportHarness<Out, In>>,
  options: ContractOptions = {},
): ContractCheck[] {
  const waitMs = options.waitMs ?? 5_000;
  const within = <T>(promise: Promise<T>, what: string): Promise<T> => {
    let handle: unknown;
    const timeout = new Promise<never>((_, reject) => {
      handle = host.setTimeout(() => reject(new Error(`contract: ${what} did not happen within ${waitMs} ms`)), waitMs);
    });
    return Promise.race([promise, timeout]).finally(() => host.clearTimeout(handle));
  };
  const check = (name: string, body: (harness: TransportHarness<Out, In>) => Promise<void>): ContractCheck => ({
    name,
    run: async () => {
      const harness = await makeHarness();
      try {
        await body(harness);
      } finally {
        await harness.close();
      }
    },
  });
  const open = (harness: TransportHarness<Out, In>, extra: Partial<ConnectOptions<In>> = {}): Promise<Link> =>
    within(harness.transport.connect({ signal: new AbortController().signal, onIncoming: () => {}, ...extra }), 'connect');

  return [
    check('declares specificationVersion v1 and a kind', async ({ transport }) => {
      assert(transport.specificationVersion === 'v1', `specificationVersion is ${String(transport.specificationVersion)}`);
      assert(typeof transport.kind === 'string' && transport.kind.length > 0, 'kind is empty');
    }),
    check('delivers incoming events through onIncoming, with the link left open', async (harness) => {
      let arrived!: (event: In) => void;
      const first = new Promise<In>((resolve) => (arrived = resolve));
      const link = await open(harness, { onIncoming: (event) => arrived(event) });
      let settled = false;
      void link.closed.then(() => (settled = true));
      await harness.deliverIncoming();
      await within(first, 'an incoming event');
      assert(!settled, 'the link closed by itself');
      link.close();
    }),
    check('rejects connect when the signal is already aborted', async ({ transport }) => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      const outcome = await within(transport.connect({ signal: controller.signal, onIncoming: () => {} }).then(() => 'resolved', () => 'rejected'), 'connect to settle');
      assert(outcome === 'rejected', 'connect resolved despite an aborted signal');
    }),
    check('close() resolves closed with closed-by-client', async (harness) => {
      const link = await open(harness);
      link.close();
      const closed = await within(link.closed, 'closed after close()');
      assert(closed.reason === 'closed-by-client', `reason was ${closed.reason}`);
      link.close(); // idempotent
    }),
    check('a link the backend drops resolves closed with another reason', async (harness) => {
      const link = await open(harness);
      await harness.dropLinks();
      const closed: LinkClosed = await within(link.closed, 'closed after the backend dropped the link');
      assert(closed.reason !== 'closed-by-client', 'a dropped link reported closed-by-client');
    }),
    check('send resolves sent, with a timestamp, for an accepted message', async (harness) => {
      const link = await open(harness);
      const outcome = await within(harness.transport.send(harness.message(1), { signal: new AbortController().signal }), 'send');
      assert(outcome.kind === 'sent', `outcome was ${outcome.kind}`);
      assert(outcome.timestamp === undefined || Number.isFinite(outcome.timestamp), 'timestamp is not a number');
      link.close();
    }),
    check('send with an aborted signal resolves not-sent, never throws', async (harness) => {
      const link = await open(harness);
      const controller = new AbortController();
      controller.abort();
      const outcome: SendOutcome = await within(harness.transport.send(harness.message(2), { signal: controller.signal }), 'send');
      assert(outcome.kind === 'not-sent', `outcome was ${outcome.kind}`);
      link.close();
    }),
    check('a deadline on a send the backend never answers resolves unknown', async (harness) => {
      const link = await open(harness);
      await harness.hangNextSend();
      const controller = new AbortController();
      const sending = harness.transport.send(harness.message(3), { signal: controller.signal });
      const handle = host.setTimeout(() => controller.abort(), Math.min(200, waitMs / 4));
      const outcome = await within(sending, 'send to settle after its deadline');
      host.clearTimeout(handle);
      assert(outcome.kind === 'unknown', `outcome was ${outcome.kind}`);
      link.close();
    }),
  ];
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`contract: ${message}`);
}
