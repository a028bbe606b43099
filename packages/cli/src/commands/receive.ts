// `tether receive [--since ID|all]`: prints incoming events as they arrive, first replaying the
// daemon's spool when asked. Follows until Ctrl-C (exit 0); the client resumes after the last
// event id whenever the stream breaks, so a daemon restart loses nothing for the reader.
import type { CommandContext } from '../command-context.js';
import { renderIncoming } from '../output/incoming-view.js';
import { streamNotices } from './stream-notices.js';

export async function receive(context: CommandContext, since: string | undefined): Promise<undefined> {
  const events = context.client().incoming({ since, signal: context.signal, ...streamNotices(context) });
  // Registered with tetherd before saying so: whatever arrives from here on is printed.
  await events.ready();
  context.notice(`${since === undefined ? 'listening' : `replaying from ${since === 'all' ? 'the start of the spool' : `after event ${since}`}, then listening`} for incoming messages (Ctrl-C to stop)`);
  for await (const { id, data } of events) {
    context.emit({ human: renderIncoming(id, data, context.style), json: { id: Number(id), event: data } });
  }
  return undefined;
}
