// Counts of incoming frames that were not passed on, by why. A malformed frame is counted and
// logged (never its content: it may hold a message body), never a crash.
import type { Logger } from '@tether/core';
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

/** Parses one frame (already JSON-decoded, or undefined when it was not JSON) and hands it on. */
export function handleFrame(
  value: unknown,
  account: string,
  counters: FrameCounters,
  logger: Logger,
  onIncoming: (event: IncomingEvent) => void,
): void {
  const result = value === undefined ? ({ ok: false, reason: 'malformed', detail: 'not JSON' } as const) : parseReceiveFrame(value, account);
  if (result.ok) {
    counters.received++;
    onIncoming(result.event);
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

export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
