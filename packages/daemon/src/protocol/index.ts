// The control API's protocol: the JSON shapes tetherd serves and `tether` and @tether/client read
// (DECISIONS.md §8). Each vocabulary is one `as const` array and every type derives from it.
// Types, vocabularies and pure helpers only (and core's vocabularies), so a client can bundle this
// without the daemon.

// Core owns the link, message-state and gate vocabularies; the protocol serves them as they are.
export { GATE_REASONS, LINK_STATES, MESSAGE_STATES, type GateReason, type LinkStateKind, type MessageState } from '@tether/core';
import type { GateReason, LinkStateKind, MessageState } from '@tether/core';

/** States a message does not leave by itself (delivered and read may still follow sent). */
export const TERMINAL_STATES: readonly MessageState[] = ['sent', 'delivered', 'read', 'failed', 'unknown'];

/** What the event stream carries (`GET /v1/events`, server-sent events). */
export const EVENT_NAMES = ['state', 'gate', 'message', 'incoming'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Several tetherds on one PostgreSQL database: one leads the account's link, the others stand by. */
export const ROLES = ['leader', 'standby'] as const;
export type Role = (typeof ROLES)[number];

/** How incoming messages reach tetherd: `lossless` only for signal-cli in manual receive mode. */
export const RECEIVE_GUARANTEES = ['lossless', 'best-effort'] as const;
export type ReceiveGuarantee = (typeof RECEIVE_GUARANTEES)[number];

export const RECEIVE_MODES = ['manual', 'on-start'] as const;
export type ReceiveMode = (typeof RECEIVE_MODES)[number];

/** Every `error.code` the control API answers with. */
export const ERROR_CODES = [
  'invalid-body',
  'invalid-json',
  'invalid-recipient',
  'invalid-message',
  'invalid-attachments',
  'empty-message',
  'invalid-expires-at',
  'invalid-batch',
  'invalid-state',
  'invalid-limit',
  'invalid-cursor',
  'invalid-since',
  'invalid-kinds',
  'invalid-token',
  'invalid-captcha',
  'invalid-idempotency-key',
  'too-large',
  'not-found',
  'method-not-allowed',
  'conflict',
  'idempotency-conflict',
  'unauthorized',
  'outbox-full',
  'shutting-down',
  'busy',
  'challenge-failed',
  'storage-failed',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AttachmentInput {
  readonly filename: string;
  readonly contentType: string;
  /** The file's bytes, base64. */
  readonly data: string;
}

/** Body of `POST /v1/messages`. */
export interface SendRequest {
  readonly recipients: readonly string[];
  readonly message?: string;
  readonly attachments?: readonly AttachmentInput[];
  /** ISO-8601. */
  readonly expiresAt?: string;
}

/** Body of `POST /v1/messages` for a batch: all or nothing, in one transaction (at most 1,000). */
export interface SendBatchRequest {
  readonly messages: readonly SendRequest[];
}

/** Answer to a batch: every message, in the order given. */
export interface SendBatchResponse {
  readonly messages: readonly Message[];
}

export const MAX_BATCH = 1_000;

export interface Message {
  readonly id: string;
  readonly state: MessageState;
  readonly recipients: readonly string[];
  /** ISO-8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly ambiguous: boolean;
  readonly signalTimestamp?: number;
  readonly error?: string;
  readonly expiresAt?: string;
  /** Only from `GET /v1/messages/{id}`. */
  readonly message?: string;
  readonly attachments?: readonly { readonly filename: string; readonly contentType: string; readonly size: number }[];
}

export interface LeaderInfo {
  /** The leading instance's id (`TETHER_INSTANCE_ID`, else host and pid). */
  readonly instance: string;
  readonly host: string;
  /** ISO-8601: when it took the lead. */
  readonly since: string;
  /** ISO-8601: when its lease lapses unless renewed. */
  readonly leaseUntil: string;
}

export interface Status {
  readonly state: LinkStateKind;
  readonly since: string;
  readonly attempt: number;
  readonly nextAttemptAt?: string;
  readonly lastError?: string;
  readonly backend: {
    readonly kind: 'rest' | 'jsonrpc';
    readonly url: string;
    readonly mode?: string;
    readonly version?: string;
    /** `lossless` only for signal-cli in manual receive mode; REST and on-start lose what arrives while nobody listens. */
    readonly receive: ReceiveGuarantee;
    /** JSON-RPC: the mode detected from what signal-cli sent, not what was configured. */
    readonly receiveMode?: ReceiveMode;
  };
  readonly gate: { readonly state: 'open' | 'paused'; readonly reason?: GateReason; readonly until?: string; readonly challengeToken?: string; readonly error?: string };
  readonly outbox: { readonly queued: number; readonly sending: number; readonly failed: number; readonly unknown: number; readonly oldestQueuedAt?: string };
  readonly lossWindows: readonly { readonly from: string; readonly to?: string }[];
  readonly lastFrameAt?: string;
  readonly account: string;
  readonly pid: number;
  readonly startedAt: string;
  /** Present with a shared PostgreSQL store (TETHER_DATABASE_URL). */
  readonly role?: Role;
  /** Present with a shared PostgreSQL store: who leads the account's link now. */
  readonly leader?: LeaderInfo;
  /** Present when TETHER_WEBHOOK_URL is set. */
  readonly webhook?: {
    readonly url: string;
    readonly state: 'idle' | 'delivering' | 'retrying';
    readonly delivered: number;
    readonly pending: number;
    readonly deadLetters: number;
    readonly lastError?: string;
  };
}

export interface ApiError {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly field?: string };
}

/** `state` event data: one change of the receive link. */
export interface StateEvent {
  readonly from: LinkStateKind;
  readonly to: LinkStateKind;
  readonly attempt: number;
  readonly delayMs?: number;
  readonly cause?: string;
  readonly at: string;
}

/** `gate` event data: one change of the send gate. */
export interface GateEvent {
  readonly state: 'open' | 'paused';
  readonly reason?: GateReason;
  readonly until?: string;
  readonly challengeToken?: string;
  readonly cause: string;
}

/**
 * Where tetherd's control socket is when TETHER_SOCKET is not set: `$XDG_RUNTIME_DIR/tether.sock`,
 * else `<state dir>/tether.sock` with the state dir from TETHER_STATE_DIR, `$XDG_STATE_HOME/tether`
 * or `~/.local/state/tether`. Daemon and CLI share this one rule.
 */
export function defaultSocketPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env['TETHER_SOCKET']) return env['TETHER_SOCKET'];
  if (env['XDG_RUNTIME_DIR']) return `${env['XDG_RUNTIME_DIR']}/tether.sock`;
  return `${defaultStateDir(env, home)}/tether.sock`;
}

export function defaultStateDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env['TETHER_STATE_DIR']) return env['TETHER_STATE_DIR'];
  return env['XDG_STATE_HOME'] ? `${env['XDG_STATE_HOME']}/tether` : `${home}/.local/state/tether`;
}
