// Counts of incoming frames that were not passed on, by why, and the hand-over of those that are:
// every event to `onIncoming`, and a receipt also to `onReceipt` (Transport v2) so the outbox can
// move our messages forward. A malformed frame is counted and logged (never its content: it may
// hold a message body), never a crash.
import type { ConnectOptions, Logger, Receipt } from '@tether/core';
import { parseReceiveFrame, type IncomingEvent } from './wire/index.js';

export interface FrameCounters {
  /** Frames read and passed on. */
  received: number;
  /** Frames for another account of a multi-account backend. */
  foreignAccount: number;
  /** `{ "error": … }` frames the REST API sends for a failed notification. */
  errorFrames: number;
  /** Frames that were not valid JSON or not an envelope. */
  malformed: number;
}

export function newFrameCounters(): FrameCounters {
  return { received: 0, foreignAccount: 0, errorFrames: 0, malformed: 0 };
}

/** Where parsed frames go: the link's callbacks. */
export type FrameSink = Pick<ConnectOptions<IncomingEvent>, 'onIncoming' | 'onReceipt'>;

/** Parses one frame (already JSON-decoded, or undefined when it was not JSON) and hands it on. */
export function handleFrame(value: unknown, account: string, counters: FrameCounters, logger: Logger, sink: FrameSink): void {
  const result = value === undefined ? ({ ok: false, reason: 'malformed', detail: 'not JSON' } as const) : parseReceiveFrame(value, account);
  if (result.ok) {
    counters.received++;
    sink.onIncoming(result.event);
    const receipt = receiptOf(result.event);
    if (receipt !== undefined) sink.onReceipt?.(receipt);
    return;
  }
  switch (result.reason) {
    case 'foreign-account':
      counters.foreignAccount++;
      return;
    case 'error-frame':
      counters.errorFrames++;
      logger.warn({ reason: result.reason }, 'backend reported an error instead of an envelope');
      return;
    case 'malformed':
      counters.malformed++;
      logger.warn({ reason: result.reason, detail: result.detail }, 'malformed incoming frame dropped');
      return;
  }
}

/**
 * A receipt names our sent messages by the Signal timestamps their sends answered with, which are
 * their backend ids. Signal's "viewed" (a view-once or voice message was opened) implies read.
 */
export function receiptOf(event: IncomingEvent): Receipt | undefined {
  if (event.kind !== 'receipt' || event.timestamps.length === 0) return undefined;
  return { type: event.receiptType === 'delivery' ? 'delivered' : 'read', backendIds: event.timestamps.map(String) };
}

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
