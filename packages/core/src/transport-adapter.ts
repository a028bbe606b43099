// Runs a v1 transport as a v2 one, so that core works on v2 inside and v1 transports keep
// working unchanged. v1's numeric timestamp becomes the string backend id; a v1 `unknown` is a
// `deadline` when our deadline had fired, else the connection must have been lost first.
import type { SendOutcome, Transport } from './transport.js';
import type { SendOutcomeV2, TransportV2 } from './transport-v2.js';

/** Either version of the contract. */
export type AnyTransport<Out, In> = Transport<Out, In> | TransportV2<Out, In>;

/** The transport as v2: a v2 transport as it is, a v1 transport adapted. */
export function toTransportV2<Out, In>(transport: AnyTransport<Out, In>): TransportV2<Out, In> {
  if (transport.specificationVersion === 'v2') return transport;
  const v1 = transport;
  const probe = v1.probe;
  return {
    specificationVersion: 'v2',
    kind: v1.kind,
    connect: (options) => v1.connect(options),
    send: async (message, options) => {
      const { signal, onLateOutcome } = options;
      const outcome = await v1.send(message, {
        signal,
        ...(onLateOutcome ? { onLateOutcome: (late: SendOutcome) => onLateOutcome(fromV1(late, signal)) } : {}),
      });
      return fromV1(outcome, signal);
    },
    ...(probe ? { probe: (signal: AbortSignal) => probe.call(v1, signal) } : {}),
  };
}

/** One v1 outcome in v2 terms. `signal` is the deadline the send ran under. */
export function fromV1(outcome: SendOutcome, signal: AbortSignal): SendOutcomeV2 {
  switch (outcome.kind) {
    case 'sent': {
      const { timestamp, partialFailures } = outcome;
      return {
        kind: 'sent',
        ...(timestamp === undefined ? {} : { backendId: String(timestamp) }),
        ...(partialFailures === undefined ? {} : { partialFailures }),
      };
    }
    case 'unknown':
      return { kind: 'unknown', error: outcome.error, reason: signal.aborted ? 'deadline' : 'link-lost' };
    default:
      return outcome;
  }
}
