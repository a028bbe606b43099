// `tether send --batch FILE|-`: NDJSON send requests, checked locally (exit 2 naming the line),
// then committed in batches of at most 1,000 (each all or nothing; the idempotency key, when
// given, covers each batch as `<key>:<n>`). With --wait, waits for every message and exits 1 if
// any ended failed or unknown.
import { AbortedError, isTerminal, type Message, type SentMessage } from '@tether/client';
import { MAX_BATCH } from '@tether/daemon/protocol';
import { readBatch } from '../batch-input.js';
import type { CommandContext, Result } from '../command-context.js';
import { EXIT } from '../exit-error.js';
import { summariseMessage } from '../output/message-view.js';

const SUCCESS = new Set(['sent', 'delivered', 'read']);

export interface BatchFlags {
  readonly batch: string;
  readonly wait?: boolean;
  readonly timeout: number;
  readonly idempotencyKey?: string;
}

export async function sendBatch(context: CommandContext, flags: BatchFlags): Promise<Result> {
  const requests = await readBatch(flags.batch, context);
  const client = context.client();
  const deadline = AbortSignal.timeout(flags.timeout * 1000);
  const sent: SentMessage[] = [];
  for (let start = 0, part = 0; start < requests.length; start += MAX_BATCH, part++) {
    const key = flags.idempotencyKey === undefined ? undefined : `${flags.idempotencyKey}:${part}`;
    sent.push(...(await client.sendBatch(requests.slice(start, start + MAX_BATCH), key === undefined ? {} : { idempotencyKey: key })));
  }
  if (!flags.wait) return { human: sent.map((message) => message.id), json: sent.map((message) => ({ ...message })) };
  context.notice(`${sent.length} messages queued; waiting up to ${flags.timeout} s for Signal to take them`);
  const signal = AbortSignal.any([deadline, context.signal]);
  const settled: Message[] = await Promise.all(
    sent.map((message) => (isTerminal(message) ? message : message.settled({ signal }).catch((error: unknown) => (AbortedError.isInstance(error) ? message : Promise.reject(error))))),
  );
  const ok = settled.every((message) => SUCCESS.has(message.state));
  if (!ok && settled.some((message) => !isTerminal(message))) {
    context.notice(`some messages are still waiting ${deadline.aborted ? `after ${flags.timeout} s` : 'now'}; they are not lost: tetherd keeps them and sends them when it can`);
  }
  return { human: settled.map((message) => summariseMessage(message, context.style)), json: settled, code: ok ? EXIT.ok : EXIT.failed };
}
