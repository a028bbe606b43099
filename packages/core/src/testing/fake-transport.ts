// A scriptable v2 transport for tests of anything built on core: fail, refuse or hang the next
// connect, drop or silence the link, push incoming events and receipts, and choose each send's
// outcome (including a hang that answers late, and a connection lost after the write).
import { AbortedError } from '../errors.js';
import type { ConnectOptions, Link, LinkClosed } from '../transport.js';
import type { SendOptionsV2, SendOutcomeV2, TransportV2 } from '../transport-v2.js';
import type { ReceiptType } from '../vocabulary.js';

/** `hang`: no answer until the deadline (then a late answer may come); `lose`: written, then the link drops. */
export type FakeOutcomeScript<Out> = SendOutcomeV2 | 'hang' | 'lose' | ((message: Out) => SendOutcomeV2 | 'hang' | 'lose');

export class FakeLink implements Link {
  readonly closed: Promise<LinkClosed>;
  pings = 0;
  /** While true, pings get no answer (a half-open peer). */
  silent = false;
  #resolve!: (closed: LinkClosed) => void;
  #open = true;
  readonly #options: ConnectOptions<unknown>;

  constructor(options: ConnectOptions<unknown>) {
    this.#options = options;
    this.closed = new Promise((resolve) => (this.#resolve = resolve));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  ping(): void {
    this.pings++;
    if (!this.silent) queueMicrotask(() => this.#open && this.#options.onActivity?.());
  }

  close(): void {
    this.end({ reason: 'closed-by-client' });
  }

  /** Ends the link from the peer's side. */
  end(closed: LinkClosed): void {
    if (!this.#open) return;
    this.#open = false;
    this.#resolve(closed);
  }

  emit(event: unknown): void {
    if (this.#open) this.#options.onIncoming(event);
  }

  receipt(type: ReceiptType, backendIds: readonly string[]): void {
    if (this.#open) this.#options.onReceipt?.({ type, backendIds });
  }
}

export interface FakeTransportOptions {
  /** Give the transport a readiness probe answering `ready`. @default false */
  readonly probe?: boolean;
}

export class FakeTransport<Out = unknown, In = unknown> implements TransportV2<Out, In> {
  readonly specificationVersion = 'v2' as const;
  readonly kind = 'fake';
  readonly probe?: (signal: AbortSignal) => Promise<boolean>;
  /** Every connect call. */
  connects = 0;
  /** Every message whose send was started, in order. */
  readonly sent: Out[] = [];
  /** The idempotency key of each send in `sent`. */
  readonly keys: string[] = [];
  /** Whether the probe says the backend is ready. */
  ready = true;
  link: FakeLink | undefined;
  #connectScript: (Error | 'hang')[] = [];
  #outcomes: FakeOutcomeScript<Out>[] = [];
  #defaultOutcome: FakeOutcomeScript<Out> = { kind: 'sent' };
  #nextId = 1_000;
  #lateAnswers = new Map<number, (outcome: SendOutcomeV2) => void>();

  constructor(options: FakeTransportOptions = {}) {
    if (options.probe) this.probe = async () => this.ready;
  }

  /** The next `times` connects reject with `error` (a `TransportError` with `retriable: false` refuses for good). */
  failNextConnect(error: Error = new Error('connection refused'), times = 1): void {
    for (let i = 0; i < times; i++) this.#connectScript.push(error);
  }

  hangNextConnect(): void {
    this.#connectScript.push('hang');
  }

  /** Outcomes for the next sends, in order; after them, the default (sent). */
  queueOutcomes(...outcomes: FakeOutcomeScript<Out>[]): void {
    this.#outcomes.push(...outcomes);
  }

  setDefaultOutcome(outcome: FakeOutcomeScript<Out>): void {
    this.#defaultOutcome = outcome;
  }

  /** Answers a send that ended `unknown` late (send index in `sent`). */
  answerLate(index: number, outcome: SendOutcomeV2): void {
    this.#lateAnswers.get(index)?.(outcome);
    this.#lateAnswers.delete(index);
  }

  /** Answers every send that ended `unknown` on its deadline, late, as accepted. */
  answerAllLate(): void {
    for (const index of [...this.#lateAnswers.keys()]) this.answerLate(index, { kind: 'sent', backendId: String(this.#nextId++) });
  }

  /** The peer drops the link. */
  drop(reason: LinkClosed['reason'] = 'closed-by-peer'): void {
    this.link?.end({ reason, error: new Error('dropped by the fake peer') });
  }

  emit(event: In): void {
    this.link?.emit(event);
  }

  /** The backend reports receipts for these backend ids on the open link. */
  receipt(type: ReceiptType, backendIds: readonly string[]): void {
    this.link?.receipt(type, backendIds);
  }

  connect(options: ConnectOptions<In>): Promise<Link> {
    this.connects++;
    const script = this.#connectScript.shift();
    return new Promise<Link>((resolve, reject) => {
      const abort = (): void => reject(new AbortedError('connect aborted', { cause: options.signal.reason }));
      if (options.signal.aborted) return abort();
      options.signal.addEventListener('abort', abort, { once: true });
      if (script === 'hang') return;
      queueMicrotask(() => {
        options.signal.removeEventListener('abort', abort);
        if (options.signal.aborted) return;
        if (script instanceof Error) return reject(script);
        const link = new FakeLink(options as ConnectOptions<unknown>);
        this.link = link;
        resolve(link);
      });
    });
  }

  send(message: Out, options: SendOptionsV2): Promise<SendOutcomeV2> {
    if (options.signal.aborted) return Promise.resolve({ kind: 'not-sent', error: 'aborted before the request was written' });
    const index = this.sent.push(message) - 1;
    this.keys.push(options.idempotencyKey);
    const script = this.#outcomes.shift() ?? this.#defaultOutcome;
    const outcome = typeof script === 'function' ? script(message) : script;
    if (outcome === 'lose') {
      this.drop('error');
      return Promise.resolve({ kind: 'unknown', reason: 'link-lost', error: 'connection lost after the request was written' });
    }
    if (outcome !== 'hang') return Promise.resolve(outcome.kind === 'sent' && outcome.backendId === undefined ? { ...outcome, backendId: String(this.#nextId++) } : outcome);
    return new Promise<SendOutcomeV2>((resolve) => {
      options.signal.addEventListener(
        'abort',
        () => {
          if (options.onLateOutcome) this.#lateAnswers.set(index, options.onLateOutcome);
          resolve({ kind: 'unknown', reason: 'deadline', error: 'no answer before the deadline' });
        },
        { once: true },
      );
    });
  }
}
