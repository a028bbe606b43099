// Today's v1 FakeTransport, kept verbatim (only its import paths and this header differ) as the fixture
// that proves a v1 transport written against the v1 API still compiles, passes the v1 contract
// suite and runs in a Channel through the adapter. Do not modernise it: that is its point.
import { AbortedError } from '../../errors.js';
import type { ConnectOptions, Link, LinkClosed, SendOptions, SendOutcome, Transport } from '../../transport.js';

type OutcomeScript<Out> = SendOutcome | 'hang' | ((message: Out) => SendOutcome | 'hang');

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
}

export interface FakeTransportOptions {
  /** Give the transport a readiness probe answering `ready`. */
  readonly probe?: boolean;
}

export class FakeTransport<Out = unknown, In = unknown> implements Transport<Out, In> {
  readonly specificationVersion = 'v1' as const;
  readonly kind = 'fake';
  readonly probe?: (signal: AbortSignal) => Promise<boolean>;
  /** Every connect call. */
  connects = 0;
  /** Every message whose send was started, in order. */
  readonly sent: Out[] = [];
  /** Whether the probe says the backend is ready. */
  ready = true;
  link: FakeLink | undefined;
  #connectScript: (Error | 'hang')[] = [];
  #outcomes: OutcomeScript<Out>[] = [];
  #defaultOutcome: OutcomeScript<Out> = { kind: 'sent' };
  #nextTimestamp = 1_000;
  #lateAnswers = new Map<number, (outcome: SendOutcome) => void>();

  constructor(options: FakeTransportOptions = {}) {
    if (options.probe) this.probe = async () => this.ready;
  }

  failNextConnect(error: Error = new Error('connection refused'), times = 1): void {
    for (let i = 0; i < times; i++) this.#connectScript.push(error);
  }

  hangNextConnect(): void {
    this.#connectScript.push('hang');
  }

  /** Outcomes for the next sends, in order; after them, the default (sent). */
  queueOutcomes(...outcomes: OutcomeScript<Out>[]): void {
    this.#outcomes.push(...outcomes);
  }

  setDefaultOutcome(outcome: OutcomeScript<Out>): void {
    this.#defaultOutcome = outcome;
  }

  /** Answers a send that ended `unknown` late (send index in `sent`). */
  answerLate(index: number, outcome: SendOutcome): void {
    this.#lateAnswers.get(index)?.(outcome);
    this.#lateAnswers.delete(index);
  }

  /** The peer drops the link. */
  drop(reason: LinkClosed['reason'] = 'closed-by-peer'): void {
    this.link?.end({ reason, error: new Error('dropped by the fake peer') });
  }

  emit(event: In): void {
    this.link?.emit(event);
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

  send(message: Out, options: SendOptions): Promise<SendOutcome> {
    if (options.signal.aborted) return Promise.resolve({ kind: 'not-sent', error: 'aborted before the request was written' });
    const index = this.sent.push(message) - 1;
    const script = this.#outcomes.shift() ?? this.#defaultOutcome;
    const outcome = typeof script === 'function' ? script(message) : script;
    if (outcome !== 'hang') {
      return Promise.resolve(outcome.kind === 'sent' && outcome.timestamp === undefined ? { ...outcome, timestamp: this.#nextTimestamp++ } : outcome);
    }
    return new Promise<SendOutcome>((resolve) => {
      options.signal.addEventListener(
        'abort',
        () => {
          if (options.onLateOutcome) this.#lateAnswers.set(index, options.onLateOutcome);
          resolve({ kind: 'unknown', error: 'no answer before the deadline' });
        },
        { once: true },
      );
    });
  }
}
