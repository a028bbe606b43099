// Follows the daemon's event stream across interruptions: when the stream ends or breaks, it
// reconnects with a small backoff and resumes after the last event id it saw, so nothing is
// missed or repeated. Only the first connection's failure is final (daemon unreachable).
import { setTimeout as delay } from 'node:timers/promises';
import type { EventName } from '@tether/daemon/protocol';
import { EXIT, ExitError } from '../exit-error.js';
import type { ControlClient, EventStream } from './control-client.js';
import type { ServerEvent } from './sse-parser.js';

const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 2_000;

export interface FollowOptions {
  readonly kinds?: readonly EventName[];
  /** Replay after this id, or `all`; absent = live events from now. */
  readonly since?: string;
  readonly signal: AbortSignal;
  /** A notice for people (stderr) when the stream broke and when it resumed. */
  readonly onNotice?: (notice: string) => void;
  /** Called after a reconnect; events missed while no id was known can be re-checked here. */
  readonly onResumed?: () => void;
}

/**
 * Subscribes (resolving once the daemon has registered the subscription, so callers can act
 * race-free right after) and returns the events. Iteration ends only when `signal` aborts.
 */
export async function followEvents(client: ControlClient, options: FollowOptions): Promise<AsyncIterable<ServerEvent>> {
  const open = (since: string | undefined): Promise<EventStream> =>
    client.events({ ...(options.kinds ? { kinds: options.kinds } : {}), ...(since === undefined ? {} : { since }), signal: options.signal });
  let stream: EventStream | undefined = await open(options.since);
  let lastId = options.since;
  // Closing on abort (not only while iterating) means an unread subscription never lingers.
  options.signal.addEventListener('abort', () => stream?.close(), { once: true });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        while (!options.signal.aborted) {
          if (stream === undefined) {
            stream = await reopen(() => open(lastId), options);
            if (stream === undefined) return;
          }
          try {
            for await (const event of stream) {
              if (event.id !== undefined) lastId = event.id;
              yield event;
            }
          } catch {
            // the connection broke: reconnect below
          }
          lastId = stream.lastEventId ?? lastId;
          stream = undefined;
          if (!options.signal.aborted) options.onNotice?.('the event stream from tetherd ended; reconnecting…');
        }
      } finally {
        stream?.close();
      }
    },
  };
}

/** Retries until the daemon answers again; undefined once aborted. Input errors are final. */
async function reopen(open: () => Promise<EventStream>, options: FollowOptions): Promise<EventStream | undefined> {
  let wait = RETRY_INITIAL_MS;
  for (;;) {
    try {
      await delay(wait, undefined, { signal: options.signal });
    } catch {
      return undefined;
    }
    try {
      const stream = await open();
      options.onNotice?.('reconnected to tetherd');
      options.onResumed?.();
      return stream;
    } catch (error) {
      if (options.signal.aborted) return undefined;
      if (ExitError.isInstance(error) && error.code !== EXIT.unreachable && error.reason !== 'connection-lost') throw error;
      wait = Math.min(RETRY_MAX_MS, wait * 2);
    }
  }
}
