// The public face of a running emulator: what tests, benchmarks and the admin API drive.
import type { MessageInput, ReactionInput, ReceiptInput, TypingInput } from './envelope.js';
import type { Envelope, ReceiveFrame } from './envelope-types.js';
import type { FailNextOptions, HangOptions, RateLimitOptions } from './send-faults.js';
import type { BackendKind, SentRecord } from './sent-log.js';
import type { SignalCliState, SubmittedChallenge } from './signal-cli.js';

export type InjectOptions = Omit<MessageInput, 'serverTimestamp'>;
export type InjectReceiptOptions = Omit<ReceiptInput, 'serverTimestamp'>;
export type InjectReactionOptions = Omit<ReactionInput, 'serverTimestamp'>;
export type InjectTypingOptions = Omit<TypingInput, 'serverTimestamp'>;

export interface DroppedRecord {
  /** `envelope.timestamp` of the lost message (0 for a raw frame without an envelope). */
  timestamp: number;
  /** Emulator clock time of the drop. */
  at: number;
  backend: BackendKind;
}

export interface EmulatorStats {
  /** Open receive WebSockets on the REST backend. */
  restClients: number;
  /** Open JSON-RPC connections (TCP and Unix). */
  jsonRpcClients: number;
  /** Active JSON-RPC receive subscriptions (on-start: one per connection; plus explicit ones). */
  subscriptions: number;
  /** REST requests and JSON-RPC requests handled (the admin API is not counted). */
  requests: number;
}

export interface Emulator extends AsyncDisposable {
  readonly account: string;
  /** `http://127.0.0.1:PORT`, or undefined when the REST backend is disabled. */
  readonly restUrl: string | undefined;
  /** `tcp://127.0.0.1:PORT` (preferred) or `unix:/path`, or undefined when disabled. */
  readonly jsonRpcUrl: string | undefined;
  readonly jsonRpcUrls: readonly string[];
  /** The separate admin server, when `admin` was given. */
  readonly adminUrl: string | undefined;

  /** Delivers an incoming message per each backend's semantics and returns its envelope. */
  inject(message?: InjectOptions): Envelope;
  injectReceipt(receipt: InjectReceiptOptions): Envelope;
  injectReaction(reaction: InjectReactionOptions): Envelope;
  injectTyping(typing?: InjectTypingOptions): Envelope;
  /** Delivers a raw frame (`{ envelope?, account, exception? }` or anything else) unchanged. */
  injectFrame(frame: ReceiveFrame | Record<string, unknown>): void;
  /** Delivers an already injected envelope again: a duplicate, as after a signal-cli restart. */
  redeliver(envelopeTimestamp: number): Envelope;

  sent(): SentRecord[];
  dropped(): DroppedRecord[];
  stats(): EmulatorStats;
  submittedChallenges(): SubmittedChallenge[];

  /** Resets every open socket (TCP RST, no close frame); listeners stay up. */
  dropConnections(): void;
  /** Stops listening and drops every connection; sent() history and queued messages are kept. */
  stop(): Promise<void>;
  /** Stops if needed, then listens again on the same ports and paths. */
  restart(): Promise<void>;
  freeze(): void;
  unfreeze(): void;
  failNextSends(count: number, options: FailNextOptions): void;
  rateLimitNextSends(count: number, options?: RateLimitOptions): void;
  hangNextSends(count: number, options?: HangOptions): void;
  setLatency(ms: number): void;
  setSignalCli(state: SignalCliState): void;
  /** Removes queued send faults and latency, unfreezes and sets signal-cli 'up'. */
  clearFaults(): void;
  close(): Promise<void>;
}
