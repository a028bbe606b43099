// One line per incoming event for `tether receive`, showing the sender as signal-cli does
// (number and profile name). These are the user's own messages, printed only to their terminal.
import type { AttachmentInfo, IncomingEvent } from '@tether/signal-transport/wire';
import { formatBytes, formatTime } from './format.js';
import type { Style } from './style.js';

/** What the event stream carries: the typed event without signal-cli's raw envelope. */
export type IncomingData = IncomingEvent extends infer Event ? (Event extends unknown ? Omit<Event, 'raw'> : never) : never;

export function renderIncoming(id: string, event: IncomingData, style: Style): string {
  const { number, uuid, name } = event.source;
  const who = `${number ?? uuid ?? 'unknown sender'}${name ? ` (${name})` : ''}`;
  const head = `${style.dim(`#${id}`)} ${formatTime(event.timestamp)} ${style.bold(who)}`;
  const group = 'group' in event && event.group ? ` in ${event.group.name === null ? 'group' : `"${event.group.name}"`} ${style.dim(`[${event.group.restId}]`)}` : '';
  return `${head}${group}${describe(event, style)}${event.exception ? style.red(` (signal-cli: ${event.exception.message})`) : ''}`;
}

function describe(event: IncomingData, style: Style): string {
  switch (event.kind) {
    case 'message':
      return `: ${content(event)}`;
    case 'edit':
      return ` edited ${event.targetSentTimestamp}: ${content(event)}`;
    case 'sync-sent': {
      const to = event.destination ? ` to ${event.destination.number ?? event.destination.uuid ?? '?'}` : '';
      return ` sent from another device${to}: ${content(event)}`;
    }
    case 'reaction':
      return event.isRemove ? ` removed reaction ${event.emoji} from ${event.targetSentTimestamp}` : ` reacted ${event.emoji} to ${event.targetSentTimestamp}`;
    case 'receipt':
      return style.dim(` ${event.receiptType} receipt for ${event.timestamps.join(', ')}`);
    case 'typing':
      return style.dim(event.action === 'started' ? ' is typing' : ' stopped typing');
    case 'other':
      return style.dim(` (${event.what})`);
  }
}

function content(event: { readonly text: string | null; readonly attachments: readonly AttachmentInfo[] }): string {
  const attachments = event.attachments.map(
    (attachment) => `[${[attachment.contentType ?? 'attachment', attachment.filename, attachment.size === null ? null : formatBytes(attachment.size)].filter(Boolean).join(' ')}]`,
  );
  return [event.text ?? '', ...attachments].filter((part) => part !== '').join(' ');
}
