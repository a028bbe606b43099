// The public face of a running emulator: what tests, benchmarks and the admin API drive.
import type { MessageInput, ReactionInput, ReceiptInput, TypingInput } from './envelope.js';
import type { Envelope, ReceiveFrame } from './envelope-types.js';
import type { PartInput } from './parts.js';
import type { FailNextOptions, HangOptions, RateLimitOptions } from './send-faults.js';
import type { BackendKind, SentRecord } from './sent-log.js';
import type { SignalCliState, SubmittedChallenge, UnauthorizedStatus } from './signal-cli.js';

/** Which served account an injection is for. @default the default account */
interface ForAccount {
  account?: string;
}

export type InjectOptions = Omit<MessageInput, 'serverTimestamp'> & ForAccount;
export type InjectReceiptOptions = Omit<ReceiptInput, 'serverTimestamp'> & ForAccount;
export type InjectReactionOptions = Omit<ReactionInput, 'serverTimestamp'> & ForAccount;
export type InjectTypingOptions = Omit<TypingInput, 'serverTimestamp'> & ForAccount;
/** Each part's own fields (distributed over the union, so `part` still tells them apart). */
export type InjectPartOptions = PartInput extends infer Part ? (Part extends unknown ? Omit<Part, 'serverTimestamp'> & ForAccount : never) : never;

/**
 * Why an incoming message was lost: `no-client` (nobody attached: REST, or JSON-RPC on-start),
 * `busy` (REST drop-on-busy: the socket was still writing), `signal-cli-restart` (pulled while
 * the REST server was redialing a restarted signal-cli).
 */
export type DropReason = 'no-client' | 'busy' | 'signal-cli-restart';

export interface DroppedRecord {
  /** `envelope.timestamp` of the lost message (0 for a raw frame without an envelope). */
  timestamp: number;
  /** Emulator clock time of the drop. */
  at: number;
  backend: BackendKind;
  /** The account the message was for. */
  account: string;
  reason: DropReason;
}

export interface EmulatorStats {
  /** Open receive WebSockets on the REST backend. */
  restClients: number;
  /** Open JSON-RPC connections (TCP and Unix). */
  jsonRpcClients: number;
  /** Active JSON-RPC receive subscriptions (auto-subscriptions of on-start and on-connection included). */
  subscriptions: number;
  /** REST requests and JSON-RPC requests handled (the admin API is not counted). */
  requests: number;
}

export interface DeauthorizeOptions {
  /** What Signal answers the account. @default 401 */
  status?: UnauthorizedStatus;
  /** @default the default account */
  account?: string;
}

/** Every fault the emulator injects; each is also an admin route (README, "Faults"). */
export interface EmulatorFaults {
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
  /** Answers every hung send as accepted (recording it if it was not yet): a slow send that ends after all. Returns how many. */
  answerHungSends(): number;
  setLatency(ms: number): void;
  /** A hung (`down`) or loading (`starting`) signal-cli; `up` ends either. */
  setSignalCli(state: SignalCliState): void;
  /**
   * signal-cli dies and comes back after `ms`. REST keeps its WebSockets open and silent, fails
   * what upstream fails, drops what arrives until it has redialed (or exits after 15 attempts);
   * the JSON-RPC daemon closes its connections and refuses new ones meanwhile. Resolves once
   * REST has reconnected (or exited) and the daemon listens again.
   */
  restartSignalCli(ms: number): Promise<void>;
  /** REST drop-on-busy: each WebSocket frame takes `ms` to write, frames meeting a busy socket are lost; 0 ends it. */
  slowSocketWrites(ms: number): void;
  /** Signal refuses the account (401/403): every send fails as signal-cli fails it, until `reauthorize`. */
  deauthorize(options?: DeauthorizeOptions): void;
  reauthorize(account?: string): void;
  /** Removes queued send faults, latency, slow writes and de-authorisations, unfreezes, ends a signal-cli restart and sets signal-cli 'up'. */
  clearFaults(): void;
}

export interface Emulator extends EmulatorFaults, AsyncDisposable {
  /** The default account. */
  readonly account: string;
  /** Every account served. */
  readonly accounts: readonly string[];
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
  /** A data message that carries one newer part (a poll, a pin, a remote or admin delete …). */
  injectPart(part: InjectPartOptions): Envelope;
  /** Delivers a raw frame (`{ envelope?, account, exception? }` or anything else) unchanged. */
  injectFrame(frame: ReceiveFrame | Record<string, unknown>): void;
  /** Delivers an already injected envelope again: a duplicate, as after a signal-cli restart. */
  redeliver(envelopeTimestamp: number): Envelope;

  sent(): SentRecord[];
  dropped(): DroppedRecord[];
  stats(): EmulatorStats;
  submittedChallenges(): SubmittedChallenge[];
  close(): Promise<void>;
}
