// Turns internal records into the protocol's JSON shapes (DECISIONS.md §8): ISO times, bodies
// only where asked for, masked texts.
import type { ChannelStatus, OutboxCounts } from '@tether/core';
import type { LossWindow } from '@tether/signal-transport';
import type { Message, Role, Status } from '../protocol/index.js';
import type { LeaderRecord, MessageRecord, MessageSummary } from './ports.js';

/** ISO time of `ms`; the last one is remembered, as a batch presents many records of one instant. */
let lastMs = Number.NaN;
let lastIso = '';
function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function presentRecord(record: MessageRecord, withBody = false): Message {
  // built field by field (no spread of the record): every send and every batch item comes here twice
  const message = presentFields(record.id, record.state, record.payload.recipients, record, record.backendId === undefined ? undefined : Number(record.backendId));
  if (withBody && record.payload.message !== undefined) message.message = record.payload.message;
  if (withBody && record.payload.attachments) {
    message.attachments = record.payload.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.blob ? a.blob.size : Buffer.byteLength(a.data ?? '', 'base64') }));
  }
  return message;
}

export function presentSummary(summary: MessageSummary): Message {
  return presentFields(summary.id, summary.state, summary.recipients, summary, summary.signalTimestamp);
}

function presentFields(
  id: string,
  state: Message['state'],
  recipients: readonly string[],
  fields: Pick<MessageSummary, 'createdAt' | 'updatedAt' | 'attempts' | 'ambiguous' | 'error' | 'expiresAt'>,
  signalTimestamp: number | undefined,
): Mutable<Message> {
  const message: Mutable<Message> = {
    id,
    state,
    recipients: recipients as Message['recipients'],
    createdAt: iso(fields.createdAt),
    updatedAt: iso(fields.updatedAt),
    attempts: fields.attempts,
    ambiguous: fields.ambiguous,
  };
  if (signalTimestamp !== undefined) message.signalTimestamp = signalTimestamp;
  if (fields.error !== undefined) message.error = fields.error;
  if (fields.expiresAt !== undefined) message.expiresAt = iso(fields.expiresAt);
  return message;
}

/** With a shared database: this instance's role and who leads. */
export interface RoleInput {
  readonly role?: Role;
  readonly leader?: LeaderRecord;
}

export function presentStatus(
  input: {
    readonly channel: ChannelStatus;
    readonly backend: Status['backend'];
    readonly lossWindows: readonly LossWindow[];
    readonly account: string;
    readonly pid: number;
    readonly startedAt: number;
  } & RoleInput,
): Status {
  const { link, gate, outbox, lastError, lastActivityAt } = input.channel;
  return {
    state: link.kind,
    since: iso(link.since),
    attempt: link.attempt,
    ...(link.kind === 'disconnected' ? { nextAttemptAt: iso(link.nextAttemptAt) } : {}),
    ...(lastError === undefined ? {} : { lastError }),
    backend: input.backend,
    gate:
      gate.state === 'open'
        ? { state: 'open' }
        : {
            state: 'paused',
            reason: gate.reason,
            ...(gate.until === undefined ? {} : { until: iso(gate.until) }),
            ...(gate.challengeToken === undefined ? {} : { challengeToken: gate.challengeToken }),
            ...(gate.error === undefined ? {} : { error: gate.error }),
          },
    outbox: presentOutbox(outbox),
    lossWindows: input.lossWindows.map(presentLossWindow),
    ...(lastActivityAt === undefined ? {} : { lastFrameAt: iso(lastActivityAt) }),
    account: input.account,
    pid: input.pid,
    startedAt: iso(input.startedAt),
    ...presentRole(input),
  };
}

/** What the leader publishes about the link for its standbys: status without this instance's parts. */
export type LinkSnapshot = Pick<Status, 'state' | 'since' | 'attempt' | 'nextAttemptAt' | 'lastError' | 'backend' | 'gate' | 'lastFrameAt'> & {
  /** Loss windows still open on the leader. */
  readonly openLossWindows: readonly { readonly from: string }[];
};

export function linkSnapshot(status: Status, open: readonly { readonly from: number }[]): LinkSnapshot {
  const { state, since, attempt, nextAttemptAt, lastError, backend, gate, lastFrameAt } = status;
  return {
    state,
    since,
    attempt,
    ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
    ...(lastError === undefined ? {} : { lastError }),
    backend,
    gate,
    ...(lastFrameAt === undefined ? {} : { lastFrameAt }),
    openLossWindows: open.map((window) => ({ from: iso(window.from) })),
  };
}

/**
 * A standby's status: the link as the leader last published it, with this instance's outbox
 * counts and stored loss windows. Without a live leader (its lease lapsed) the link reads
 * `disconnected`: nobody holds it.
 */
export function standbyStatus(
  input: {
    readonly snapshot: LinkSnapshot | undefined;
    readonly outbox: OutboxCounts;
    readonly lossWindows: readonly LossWindow[];
    readonly account: string;
    readonly pid: number;
    readonly startedAt: number;
    readonly now: number;
  } & RoleInput,
): Status {
  const led = input.leader !== undefined && input.leader.expiresAt > input.now;
  const snapshot = input.snapshot;
  const base = led && snapshot
    ? { ...snapshot }
    : {
        state: 'disconnected' as const,
        since: iso(input.leader?.expiresAt ?? input.startedAt),
        attempt: 0,
        lastError: input.leader ? `no tetherd leads the account: the lease of ${input.leader.instance} lapsed` : 'no tetherd leads the account yet',
        backend: snapshot?.backend ?? { kind: 'rest' as const, url: '', receive: 'best-effort' as const },
        gate: snapshot?.gate ?? { state: 'open' as const },
      };
  const { openLossWindows, ...link } = { openLossWindows: [] as readonly { readonly from: string }[], ...base };
  const { outbox } = input;
  return {
    ...link,
    outbox: presentOutbox(outbox),
    lossWindows: [...input.lossWindows.map(presentLossWindow), ...openLossWindows],
    account: input.account,
    pid: input.pid,
    startedAt: iso(input.startedAt),
    ...presentRole(input),
  };
}

function presentOutbox(outbox: OutboxCounts): Status['outbox'] {
  return {
    queued: outbox.queued,
    sending: outbox.sending,
    failed: outbox.failed,
    unknown: outbox.unknown,
    ...(outbox.oldestQueuedAt === undefined ? {} : { oldestQueuedAt: iso(outbox.oldestQueuedAt) }),
  };
}

function presentLossWindow(window: LossWindow): Status['lossWindows'][number] {
  return { from: iso(window.from), ...(window.to === undefined ? {} : { to: iso(window.to) }) };
}

function presentRole(input: RoleInput): Pick<Status, 'role' | 'leader'> {
  return {
    ...(input.role === undefined ? {} : { role: input.role }),
    ...(input.leader === undefined
      ? {}
      : { leader: { instance: input.leader.instance, host: input.leader.host, since: iso(input.leader.since), leaseUntil: iso(input.leader.expiresAt) } }),
  };
}
