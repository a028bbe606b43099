// `tether send`: checks the input locally (exit 2 before the daemon is contacted), queues the
// message, and with --wait waits for it to be sent, failed or unknown. The client's settled() wait
// reads the message only after its event stream is live, so no state change can slip between.
import { AbortedError, isTerminal, type Message } from '@tether/client';
import type { CommandContext, Result } from '../command-context.js';
import { EXIT } from '../exit-error.js';
import { summariseMessage } from '../output/message-view.js';
import { prepareSend } from '../send-input.js';

const SUCCESS = new Set(['sent', 'delivered', 'read']);

export interface SendFlags {
  readonly message?: string;
  readonly group?: string;
  readonly attach?: readonly string[];
  readonly wait?: boolean;
  readonly timeout: number;
  readonly idempotencyKey?: string;
}

export async function send(context: CommandContext, recipients: readonly string[], flags: SendFlags): Promise<Result> {
  const request = await prepareSend({ recipients, group: flags.group, message: flags.message, attach: flags.attach ?? [] }, context);
  const client = context.client();
  if (!flags.wait) {
    const message = await client.send(request, { idempotencyKey: flags.idempotencyKey });
    return { human: message.id, json: message };
  }
  // The timeout counts from before the message is posted, as the user reads it.
  const deadline = AbortSignal.timeout(flags.timeout * 1000);
  const committed = await client.send(request, { idempotencyKey: flags.idempotencyKey });
  let message: Message = committed;
  if (!isTerminal(message)) {
    context.notice(`${message.id} queued; waiting up to ${flags.timeout} s for Signal to take it`);
    try {
      message = await committed.settled({ signal: AbortSignal.any([deadline, context.signal]) });
    } catch (error) {
      if (!AbortedError.isInstance(error)) throw error;
    }
  }
  if (isTerminal(message)) {
    return { human: summariseMessage(message, context.style), json: message, code: SUCCESS.has(message.state) ? EXIT.ok : EXIT.failed };
  }
  // Timed out or interrupted: say where the message stands, and that it is not lost.
  message = await client.message(message.id).catch(() => message);
  const why = deadline.aborted ? `after ${flags.timeout} s` : 'when interrupted';
  context.notice(
    `${message.id} is still ${message.state} ${why}. It is not lost: tetherd keeps it and sends it when it can. ` +
      `Follow it with \`tether status ${message.id} --watch\`.`,
  );
  return { human: summariseMessage(message, context.style), json: message, code: EXIT.failed };
}
