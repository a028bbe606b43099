// `tether outbox [--state S] [--limit N]`, `outbox retry ID`, `outbox cancel ID`: the outbox as
// the daemon reports it. A conflict (cancelling a message being sent) or an unknown id exits 1
// with the daemon's reason.
import type { MessageState } from '@tether/daemon/protocol';
import type { CommandContext, Result } from '../command-context.js';
import { renderMessageTable, summariseMessage } from '../output/message-view.js';

export async function listMessages(context: CommandContext, options: { readonly state?: MessageState; readonly limit: number }): Promise<Result> {
  const messages = await context.client().messages({ limit: options.limit, ...(options.state === undefined ? {} : { state: options.state }) });
  return { human: renderMessageTable(messages, context.now(), context.style), json: messages };
}

export async function retryMessage(context: CommandContext, id: string): Promise<Result> {
  const message = await context.client().retry(id);
  return { human: `${summariseMessage(message, context.style)}: queued again, at the back of the queue`, json: message };
}

export async function cancelMessage(context: CommandContext, id: string): Promise<Result> {
  const message = await context.client().cancel(id);
  return { human: `${summariseMessage(message, context.style)}: it will not be sent`, json: message };
}
