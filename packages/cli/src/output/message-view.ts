// Human views of outbox messages: one message in detail (`status ID`) and the outbox as a table.
import type { Message, MessageState } from '@tether/daemon/protocol';
import { fields, formatBytes, formatRelative, formatTime, table } from './format.js';
import type { Style } from './style.js';

export function stateColour(state: MessageState, style: Style): (text: string) => string {
  if (state === 'sent' || state === 'delivered' || state === 'read') return style.green;
  if (state === 'failed') return style.red;
  if (state === 'unknown') return style.yellow;
  return style.cyan;
}

export function renderMessage(message: Message, now: number, style: Style): string[] {
  const attachments = message.attachments?.map((attachment) => `${attachment.filename} (${attachment.contentType}, ${formatBytes(attachment.size)})`).join('\n');
  return fields([
    ['message', message.id],
    ['state', stateColour(message.state, style)(style.bold(message.state))],
    ['recipients', message.recipients.join(', ')],
    ['created', `${formatTime(message.createdAt)} (${formatRelative(message.createdAt, now)})`],
    ['updated', `${formatTime(message.updatedAt)} (${formatRelative(message.updatedAt, now)})`],
    ['attempts', String(message.attempts)],
    ['ambiguous', message.ambiguous ? style.yellow('yes: Signal may have it already, so a recipient may see it twice') : 'no'],
    message.signalTimestamp === undefined ? undefined : ['signal timestamp', String(message.signalTimestamp)],
    message.error === undefined ? undefined : ['error', message.state === 'failed' ? style.red(message.error) : message.error],
    message.expiresAt === undefined ? undefined : ['expires', formatTime(message.expiresAt)],
    message.message === undefined ? undefined : ['text', message.message],
    attachments === undefined || attachments === '' ? undefined : ['attachments', attachments],
  ]);
}

export function renderMessageTable(messages: readonly Message[], now: number, style: Style): string[] {
  if (messages.length === 0) return ['no messages'];
  const header = ['ID', 'STATE', 'TRIES', 'UPDATED', 'RECIPIENTS', 'NOTE'].map((title) => style.dim(title));
  const rows = messages.map((message) => [
    message.id,
    stateColour(message.state, style)(message.state),
    String(message.attempts),
    formatRelative(message.updatedAt, now),
    summariseRecipients(message.recipients),
    [message.ambiguous ? style.yellow('ambiguous') : '', message.error ?? ''].filter(Boolean).join('; '),
  ]);
  return table([header, ...rows]);
}

function summariseRecipients(recipients: readonly string[]): string {
  const [first] = recipients;
  if (first === undefined) return '';
  return recipients.length === 1 ? first : `${first} +${recipients.length - 1}`;
}

/** One line for `send --wait`, `outbox retry|cancel` and the demo. */
export function summariseMessage(message: Message, style: Style): string {
  const state = stateColour(message.state, style)(message.state);
  const detail = [
    message.signalTimestamp === undefined ? undefined : `Signal timestamp ${message.signalTimestamp}`,
    message.ambiguous ? 'ambiguous' : undefined,
    message.error,
  ].filter(Boolean);
  return `${message.id} ${state}${detail.length > 0 ? ` (${detail.join('; ')})` : ''}`;
}
