// The echo bot: every incoming Signal message is answered with its own text, in the chat it came
// from. The incoming event's id is the reply's idempotency key, so a reply is never sent twice, not
// even when the bot or tetherd restarts in between; the event stream resumes by itself.
import { replyRecipients, type EventCursor, type Message, type TetherClient } from '@tether/client';

export interface EchoBotOptions {
  /** Answer what came after this event id (saved from `onReplied`); absent: from now on. @default undefined */
  readonly since?: EventCursor | undefined;
  /** Stops the bot: it returns once the reply in flight, if any, is settled with tetherd. @default none */
  readonly signal?: AbortSignal | undefined;
  /** The bot's subscription is registered with tetherd: from here on nothing is missed. @default none */
  readonly onListening?: (() => void) | undefined;
  /** A reply was committed to tetherd's outbox; save `eventId` to resume there after a restart. @default none */
  readonly onReplied?: ((eventId: string, reply: Message) => void) | undefined;
}

export async function runEchoBot(client: TetherClient, options: EchoBotOptions = {}): Promise<void> {
  const incoming = client.incoming({ since: options.since, signal: options.signal, waitForDaemon: true });
  await incoming.ready();
  options.onListening?.();
  for await (const { id, data } of incoming) {
    // Only messages with text; never our own (sent from another device), or the bot talks to itself.
    if (data.kind !== 'message' || data.text === null || data.text === '') continue;
    const recipients = replyRecipients(data);
    if (recipients.length === 0) continue;
    const reply = await client.send({ recipients, message: data.text }, { idempotencyKey: `echo-${id}`, waitForDaemon: true, signal: options.signal });
    options.onReplied?.(id, reply);
  }
}
