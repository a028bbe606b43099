// The transport under test as the checks see it: either version, with its raw outcome kept beside
// the v2 reading, and a `send` that turns a throw (which the contract forbids) into a violation
// naming the throw. A v1 transport is read through the same adapter the Channel uses.
import type { ConnectOptions, Link, SendOutcome, Transport } from '../transport.js';
import { fromV1 } from '../transport-adapter.js';
import type { SendOutcomeV2, TransportV2 } from '../transport-v2.js';
import type { ReceiptType } from '../vocabulary.js';
import { ContractViolation, describeError } from './contract-kit.js';

/** What both harness versions offer; the checks need nothing else. */
export interface HarnessCore<Out> {
  /** A valid outgoing message; `n` makes each distinct. */
  message(n: number): Out;
  /** Makes the backend deliver one incoming event to open links. */
  deliverIncoming(): Promise<void>;
  /** Makes the backend drop every open link abruptly. */
  dropLinks(): Promise<void>;
  /** The backend reads the next send but never answers it (until `answerHungSends`). */
  hangNextSend(): Promise<void>;
  /** The backend reads the next send request, then drops the connection it came on without answering. */
  loseNextSend?(): Promise<void>;
  /**
   * Present when the transport reports late answers through `onLateOutcome`: makes the backend
   * answer, as accepted, every send it was holding. Its presence is the transport's claim.
   */
  answerHungSends?(): Promise<void>;
  /** Present when the backend can refuse us for good: the next connect meets a bad token, a revoked account… */
  refuseCredentials?(): Promise<void>;
  /** Present when the backend sends receipts: one for these backend ids, to open links (v2). */
  deliverReceipt?(type: ReceiptType, backendIds: readonly string[]): Promise<void>;
  /**
   * True when links have no `ping` because the link notices a dead peer by itself (a Unix socket
   * whose peer's death the kernel reports). @default false
   */
  readonly ownLiveness?: boolean;
  close(): Promise<void>;
}

export interface SubjectSendOptions {
  readonly signal: AbortSignal;
  readonly idempotencyKey: string;
  readonly onLateOutcome?: (outcome: SendOutcomeV2) => void;
}

export interface Subject<Out, In> {
  readonly version: 'v1' | 'v2';
  readonly suite: string;
  readonly specificationVersion: unknown;
  readonly kind: unknown;
  readonly harness: HarnessCore<Out>;
  connect(options: ConnectOptions<In>): Promise<Link>;
  /** Resolves the outcome as v2 and as the transport gave it; rejects with a violation if `send` threw. */
  send(message: Out, options: SubjectSendOptions): Promise<{ readonly outcome: SendOutcomeV2; readonly raw: SendOutcome | SendOutcomeV2 }>;
}

export function subjectOf<Out, In>(
  version: 'v1' | 'v2',
  transport: Transport<Out, In> | TransportV2<Out, In>,
  harness: HarnessCore<Out>,
): Subject<Out, In> {
  const suite = `transport contract ${version}`;
  const threw = (error: unknown): never => {
    throw new ContractViolation(suite, 'send', 'send to resolve a SendOutcome (a transport never throws or rejects from send)', `it threw ${describeError(error)}`, { cause: error });
  };
  return {
    version,
    suite,
    specificationVersion: transport.specificationVersion,
    kind: transport.kind,
    harness,
    connect: (options) => transport.connect(options),
    send: async (message, options) => {
      if (version === 'v2') {
        const v2 = transport as TransportV2<Out, In>;
        let outcome: SendOutcomeV2;
        try {
          outcome = await v2.send(message, options);
        } catch (error) {
          return threw(error);
        }
        return { outcome, raw: outcome };
      }
      const v1 = transport as Transport<Out, In>;
      const { signal, onLateOutcome } = options;
      let raw: SendOutcome;
      try {
        raw = await v1.send(message, { signal, ...(onLateOutcome ? { onLateOutcome: (late: SendOutcome) => onLateOutcome(fromV1(late, signal)) } : {}) });
      } catch (error) {
        return threw(error);
      }
      return { outcome: fromV1(raw, signal), raw };
    },
  };
}
