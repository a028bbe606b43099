// Turns internal records into the protocol's JSON shapes (DECISIONS.md §8): ISO times, bodies
// only where asked for, masked texts.
import type { ChannelStatus } from '@tether/core';
import type { LossWindow } from '@tether/signal-transport';
import type { Message, Status } from '../protocol/index.js';
import type { MessageRecord, MessageSummary } from './ports.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function presentRecord(record: MessageRecord, withBody = false): Message {
  return {
    ...presentSummary({
      ...record,
      recipients: record.payload.recipients,
      ...(record.backendId === undefined ? {} : { signalTimestamp: Number(record.backendId) }),
    }),
    ...(withBody && record.payload.message !== undefined ? { message: record.payload.message } : {}),
    ...(withBody && record.payload.attachments
      ? { attachments: record.payload.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: Buffer.byteLength(a.data, 'base64') })) }
      : {}),
  };
}

export function presentSummary(summary: MessageSummary): Message {
  return {
    id: summary.id,
    state: summary.state,
    recipients: summary.recipients,
    createdAt: iso(summary.createdAt),
    updatedAt: iso(summary.updatedAt),
    attempts: summary.attempts,
    ambiguous: summary.ambiguous,
    ...(summary.signalTimestamp === undefined ? {} : { signalTimestamp: summary.signalTimestamp }),
    ...(summary.error === undefined ? {} : { error: summary.error }),
    ...(summary.expiresAt === undefined ? {} : { expiresAt: iso(summary.expiresAt) }),
  };
}

export function presentStatus(input: {
  readonly channel: ChannelStatus;
  readonly backend: Status['backend'];
  readonly lossWindows: readonly LossWindow[];
  readonly account: string;
  readonly pid: number;
  readonly startedAt: number;
}): Status {
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
    outbox: {
      queued: outbox.queued,
      sending: outbox.sending,
      failed: outbox.failed,
      unknown: outbox.unknown,
      ...(outbox.oldestQueuedAt === undefined ? {} : { oldestQueuedAt: iso(outbox.oldestQueuedAt) }),
    },
    lossWindows: input.lossWindows.map((window) => ({ from: iso(window.from), ...(window.to === undefined ? {} : { to: iso(window.to) }) })),
    ...(lastActivityAt === undefined ? {} : { lastFrameAt: iso(lastActivityAt) }),
    account: input.account,
    pid: input.pid,
    startedAt: iso(input.startedAt),
  };
}
