// The typed events of `GET /v1/events`: one variant per event name, each with the id a consumer
// passes back as `since` to resume. Server events are turned into these here and nowhere else.
import { EVENT_NAMES, type EventName, type GateEvent, type Message, type StateEvent } from '@tether/daemon/protocol';
import type { IncomingEvent as WireIncomingEvent } from '@tether/signal-transport/wire';
import { ProtocolError } from './errors.js';
import type { ServerEvent } from './sse-parser.js';

/** An incoming Signal event as the stream carries it: the typed event without signal-cli's raw envelope. */
export type IncomingEvent = WireIncomingEvent extends infer Event ? (Event extends unknown ? Omit<Event, 'raw'> : never) : never;

interface EventData {
  readonly state: StateEvent;
  readonly gate: GateEvent;
  readonly message: Message;
  readonly incoming: IncomingEvent;
}

/** One event: `kind` says what `data` is; `id` is its position in tetherd's event log. */
export type TetherEvent = { [Kind in EventName]: { readonly id: string; readonly kind: Kind; readonly data: EventData[Kind] } }[EventName];

export type EventOf<Kind extends EventName> = Extract<TetherEvent, { readonly kind: Kind }>;

/**
 * Where a stream starts: `'all'` replays tetherd's whole event log, an event id replays what came
 * after it, and undefined starts with what happens from now on.
 */
export type EventCursor = 'all' | string | number;

const NAMES: ReadonlySet<string> = new Set(EVENT_NAMES);

/** The typed event, or undefined for an event name this client does not know (a newer daemon). */
export function toTetherEvent(event: ServerEvent): TetherEvent | undefined {
  if (!NAMES.has(event.event)) return undefined;
  if (event.id === undefined) throw new ProtocolError(`tetherd sent a ${event.event} event without an id`, 200);
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch (error) {
    throw new ProtocolError(`tetherd sent a ${event.event} event (id ${event.id}) whose data is not JSON`, 200, { cause: error });
  }
  if (typeof data !== 'object' || data === null) throw new ProtocolError(`tetherd sent a ${event.event} event (id ${event.id}) whose data is not an object`, 200);
  return { id: event.id, kind: event.event, data } as TetherEvent;
}

/** Whether event id `id` is at or before `cursor` (both whole numbers), so it was already delivered. */
export function isAtOrBefore(id: string, cursor: string | undefined): boolean {
  if (cursor === undefined || !/^\d+$/.test(id) || !/^\d+$/.test(cursor)) return false;
  return BigInt(id) <= BigInt(cursor);
}
