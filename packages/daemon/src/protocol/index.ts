// The control API's protocol: the JSON shapes tetherd serves and `tether` reads (DECISIONS.md §8).
// Types and pure helpers only, so a client can import this without loading the daemon's runtime.

export type MessageState = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown';
export type LinkStateKind = 'connecting' | 'syncing' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';
export type GateReason = 'rate-limited' | 'captcha-required' | 'backend-not-ready' | 'send-timeout';

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

export interface Status {
  readonly state: LinkStateKind;
  readonly since: string;
  readonly attempt: number;
  readonly nextAttemptAt?: string;
  readonly lastError?: string;
  readonly backend: { readonly kind: 'rest' | 'jsonrpc'; readonly url: string; readonly mode?: string; readonly version?: string };
  readonly gate: { readonly state: 'open' | 'paused'; readonly reason?: GateReason; readonly until?: string; readonly challengeToken?: string; readonly error?: string };
  readonly outbox: { readonly queued: number; readonly sending: number; readonly failed: number; readonly unknown: number; readonly oldestQueuedAt?: string };
  readonly lossWindows: readonly { readonly from: string; readonly to?: string }[];
  readonly lastFrameAt?: string;
  readonly account: string;
  readonly pid: number;
  readonly startedAt: string;
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
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

/** What the event stream carries (`GET /v1/events`, server-sent events). */
export type EventName = 'state' | 'gate' | 'message' | 'incoming';

export const TERMINAL_STATES: readonly MessageState[] = ['sent', 'delivered', 'read', 'failed', 'unknown'];

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
