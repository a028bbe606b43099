// `tether send`: checks the input locally (exit 2 before the daemon is contacted), queues the
// message, and with --wait follows its events until it is sent, failed or unknown. The wait
// subscribes before the message is posted, so no state change can slip between the two.
import { TERMINAL_STATES, type Message } from '@tether/daemon/protocol';
import type { ControlClient } from '../client/control-client.js';
import { followEvents } from '../client/follow-events.js';
import type { CommandContext, Result } from '../command-context.js';
import { EXIT } from '../exit-error.js';
import { summariseMessage } from '../output/message-view.js';
import type { SendFlags } from '../program.js';
import { prepareSend } from '../send-input.js';

const SUCCESS = new Set(['sent', 'delivered', 'read']);
const settledState = (message: Message): boolean => TERMINAL_STATES.includes(message.state);

export async function send(context: CommandContext, recipients: readonly string[], flags: SendFlags): Promise<Result> {
  const request = await prepareSend({ recipients, group: flags.group, message: flags.message, attach: flags.attach ?? [] }, context);
  const client = context.client();
  if (!flags.wait) {
    const message = await client.send(request, flags.idempotencyKey);
    return { human: message.id, json: message };
  }
  const deadline = AbortSignal.timeout(flags.timeout * 1000);
  const done = new AbortController();
  const latest: { message?: Message } = {};
  const events = await followEvents(client, {
    kinds: ['message'],
    signal: AbortSignal.any([deadline, context.signal, done.signal]),
    onNotice: (notice) => context.notice(notice),
    // After a reconnect without a known event id, events may have been missed: ask directly.
    onResumed: () => void recheck(client, latest, done),
  });
  try {
    latest.message = await client.send(request, flags.idempotencyKey);
  } finally {
    if (latest.message === undefined) done.abort();
  }
  if (!settledState(latest.message)) {
    context.notice(`${latest.message.id} queued; waiting up to ${flags.timeout} s for Signal to take it`);
    for await (const event of events) {
      const update = JSON.parse(event.data) as Message;
      if (update.id !== latest.message.id) continue;
      latest.message = update;
      if (settledState(update)) break;
    }
  }
  done.abort();
  let message = latest.message;
  if (settledState(message)) {
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

async function recheck(client: ControlClient, latest: { message?: Message }, done: AbortController): Promise<void> {
  if (latest.message === undefined) return;
  const current = await client.message(latest.message.id).catch(() => undefined);
  if (current === undefined) return;
  latest.message = current;
  if (settledState(current)) done.abort();
}
