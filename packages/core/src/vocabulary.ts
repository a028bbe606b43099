// Core's vocabularies, each one `as const` array; every type and every other list derives from
// these (STYLE habit 16). The daemon's protocol re-exports them rather than keeping its own copy.

/**
 * The receive link. `syncing` means the link is up and the outbox is still draining the backlog
 * that built up while it was down (it is not a protocol's `/sync`). `failed` is terminal until
 * `reconnect()`: the backend refused in a way that only a change of configuration can fix.
 */
export const LINK_STATES = ['connecting', 'syncing', 'connected', 'disconnected', 'reconnecting', 'failed', 'closed'] as const;
export type LinkStateKind = (typeof LINK_STATES)[number];

/** The link states in which the outbox may send. */
export const UP_LINK_STATES = ['syncing', 'connected'] as const satisfies readonly LinkStateKind[];

export const MESSAGE_STATES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** Why the send gate is paused. */
export const GATE_REASONS = ['rate-limited', 'captcha-required', 'backend-not-ready', 'send-timeout', 'unauthorized'] as const;
export type GateReason = (typeof GATE_REASONS)[number];

/** Every class of send outcome (DECISIONS.md §2, plus `unauthorized`). */
export const SEND_OUTCOME_KINDS = [
  'sent',
  'not-sent',
  'backend-not-ready',
  'rate-limited',
  'captcha-required',
  'unauthorized',
  'failed',
  'retriable',
  'unknown',
] as const;
export type SendOutcomeKind = (typeof SEND_OUTCOME_KINDS)[number];

/** Why an outcome is unknown: our deadline passed, or the connection was lost after the write. */
export const UNKNOWN_REASONS = ['deadline', 'link-lost'] as const;
export type UnknownReason = (typeof UNKNOWN_REASONS)[number];

/** What a receipt says about sent messages; a message only moves forward: sent → delivered → read. */
export const RECEIPT_TYPES = ['delivered', 'read'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

export function isLinkUp(kind: LinkStateKind): boolean {
  return (UP_LINK_STATES as readonly LinkStateKind[]).includes(kind);
}
