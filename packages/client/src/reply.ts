// Who a reply to an incoming event goes to: the group it was sent in (its REST `group.…` id), else
// the sender (number, or ACI UUID when the number is hidden). Pure, for bots.
import type { IncomingEvent } from './events.js';

/** The recipients of a reply to `event`: `[group.restId]`, else `[number ?? uuid]`; empty when unknown. */
export function replyRecipients(event: IncomingEvent): string[] {
  if ('group' in event && event.group !== null) return [event.group.restId];
  const sender = event.source.number ?? event.source.uuid;
  return sender === null ? [] : [sender];
}
