// The second transport contract (specificationVersion 'v2'), beside v1: sends carry an
// idempotency key, outcomes carry the backend's id as a string, an unknown outcome says why, and
// receipts reach the outbox. Core runs on v2 inside; a v1 transport is adapted to it.
import type { ConnectOptions, Link, RecipientFailure } from './transport.js';
import type { UnknownReason } from './vocabulary.js';

/** What became of one send (v2). A transport never throws from `send`: every path ends in one of these. */
export type SendOutcomeV2 =
  /** The backend accepted the message. `backendId` is its id for it, as receipts will name it. */
  | { readonly kind: 'sent'; readonly backendId?: string; readonly partialFailures?: readonly RecipientFailure[] }
  /** Failed before the request was written: certainly not delivered. */
  | { readonly kind: 'not-sent'; readonly error: string }
  /** The backend is up but cannot send for this account yet. */
  | { readonly kind: 'backend-not-ready'; readonly error: string }
  /** Rate limited; the message may still have been delivered. */
  | { readonly kind: 'rate-limited'; readonly error: string; readonly retryAfterMs?: number }
  /** Sending needs a solved captcha for this challenge token; may still have been delivered. */
  | { readonly kind: 'captcha-required'; readonly error: string; readonly challengeToken: string }
  /** The backend no longer accepts our credentials (de-authorised account, revoked token). */
  | { readonly kind: 'unauthorized'; readonly error: string }
  /** Will never succeed as it is (bad recipient, untrusted identity …). */
  | { readonly kind: 'failed'; readonly error: string }
  /** Failed in a way that a retry may fix; retried a bounded number of times. */
  | { readonly kind: 'retriable'; readonly error: string }
  /**
   * The request was written but no answer came: it may have been delivered. `deadline` when our
   * deadline aborted the wait (the backend may still be working on it: the gate pauses briefly),
   * `link-lost` when the connection died first (the link's own reconnect handles that).
   */
  | { readonly kind: 'unknown'; readonly error: string; readonly reason: UnknownReason };

export interface SendOptionsV2 {
  /** The deadline. When it aborts after the request was written, the outcome is `unknown` (`deadline`). */
  readonly signal: AbortSignal;
  /**
   * The same for every resend of one outbox record (it is derived from the record's id). Give it
   * to the backend wherever it can drop duplicates, so resending an `unknown` cannot deliver twice.
   */
  readonly idempotencyKey: string;
  /**
   * Called at most once if an answer arrives after `send` settled as `unknown` (a response to the
   * original request id). Lets the outbox turn `unknown` into `sent`.
   */
  readonly onLateOutcome?: (outcome: SendOutcomeV2) => void;
}

export interface TransportV2<Out, In> {
  readonly specificationVersion: 'v2';
  /** A short name for logs and status: 'signal-rest', 'ws-chat', 'fake' … */
  readonly kind: string;
  /**
   * Opens the receive link; resolves once it is ready. Rejects with an Error when it cannot; a
   * `TransportError` with `retriable: false` (bad token, revoked account) stops reconnecting.
   */
  connect(options: ConnectOptions<In>): Promise<Link>;
  /** Sends one message. Never rejects; settles promptly (`not-sent`) when there is no connection. */
  send(message: Out, options: SendOptionsV2): Promise<SendOutcomeV2>;
  /** Optional readiness probe for the send gate: true when the backend can send now. */
  probe?(signal: AbortSignal): Promise<boolean>;
}
