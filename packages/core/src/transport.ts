// The first contract a transport implements (specificationVersion 'v1'), kept working beside v2
// (transport-v2.ts): a v1 transport is adapted (transport-adapter.ts) and runs on everything core
// offers. The link types are shared by both versions. `@tether/core/testing` checks either.
import type { ReceiptType } from './vocabulary.js';

/** Why a link ended. `closed-by-client` only when `Link.close()` was called. */
export interface LinkClosed {
  readonly reason: 'closed-by-client' | 'closed-by-peer' | 'error' | 'heartbeat-timeout';
  readonly error?: Error;
}

/** One open receive link. */
export interface Link {
  /** Resolves once, when the link is gone, for whatever reason. Never rejects. */
  readonly closed: Promise<LinkClosed>;
  /**
   * Asks the peer to prove it is alive (a WebSocket ping, a cheap request). The answer, like any
   * other traffic, is reported through `ConnectOptions.onActivity`. Absent only when the link
   * notices a dead peer by itself (then the heartbeat watchdog is not run).
   */
  ping?(): void;
  /** Closes the link; `closed` then resolves with `closed-by-client`. Idempotent. */
  close(): void;
}

/** The backend says messages it accepted were delivered or read; `backendIds` are `sent` outcomes' ids. */
export interface Receipt {
  readonly type: ReceiptType;
  readonly backendIds: readonly string[];
}

export interface ConnectOptions<In> {
  /** Aborting it abandons the attempt: `connect` rejects and leaves nothing open. */
  readonly signal: AbortSignal;
  /** Every incoming event, in the order read. Must not throw; the transport guards it anyway. */
  readonly onIncoming: (event: In) => void;
  /** Any sign of life from the peer (a frame, a pong). Feeds the heartbeat watchdog. */
  readonly onActivity?: () => void;
  /**
   * Delivery and read receipts, naming the backend ids that `sent` outcomes carried (v2). The
   * outbox moves those messages forward (sent → delivered → read) when its store can find
   * records by backend id.
   */
  readonly onReceipt?: (receipt: Receipt) => void;
}

export interface RecipientFailure {
  readonly recipient: string;
  readonly reason: string;
}

/**
 * What became of one send (v1). A transport never throws from `send`: every path ends in one of
 * these. The classes follow DECISIONS.md §2; the README's outcome table says what each does.
 */
export type SendOutcome =
  /** The backend accepted the message. `timestamp` is the backend's id for it (Signal's ms timestamp). */
  | { readonly kind: 'sent'; readonly timestamp?: number; readonly partialFailures?: readonly RecipientFailure[] }
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
  /** The request was written but no answer came (deadline, connection lost): it may have been delivered. */
  | { readonly kind: 'unknown'; readonly error: string };

export interface SendOptions {
  /** The deadline. When it aborts after the request was written, the outcome is `unknown`. */
  readonly signal: AbortSignal;
  /**
   * Called at most once if an answer arrives after `send` settled as `unknown` (a JSON-RPC
   * response to the original request id). Lets the outbox turn `unknown` into `sent`.
   */
  readonly onLateOutcome?: (outcome: SendOutcome) => void;
}

export interface Transport<Out, In> {
  readonly specificationVersion: 'v1';
  /** A short name for logs and status: 'signal-rest', 'signal-jsonrpc', 'fake' … */
  readonly kind: string;
  /** Opens the receive link; resolves once it is ready. Rejects with an Error when it cannot. */
  connect(options: ConnectOptions<In>): Promise<Link>;
  /** Sends one message. Never rejects. */
  send(message: Out, options: SendOptions): Promise<SendOutcome>;
  /**
   * Optional readiness probe for the send gate: true when the backend can send now. Used at
   * connect, periodically, and with backoff while the gate is paused `backend-not-ready`.
   */
  probe?(signal: AbortSignal): Promise<boolean>;
}

/** The v1 names, spelled with their version, for code that handles both. */
export type TransportV1<Out, In> = Transport<Out, In>;
export type SendOutcomeV1 = SendOutcome;
export type SendOptionsV1 = SendOptions;
