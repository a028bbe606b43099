// `tether receive [--since ID|all]`: prints incoming events as they arrive, first replaying the
// daemon's spool when asked. Follows until Ctrl-C (exit 0), resuming after the last event id
// whenever the stream breaks, so a daemon restart loses nothing for the reader.
import { followEvents } from '../client/follow-events.js';
import type { CommandContext } from '../command-context.js';
import { renderIncoming, type IncomingData } from '../output/incoming-view.js';

export async function receive(context: CommandContext, since: string | undefined): Promise<undefined> {
  const events = await followEvents(context.client(), {
    kinds: ['incoming'],
    ...(since === undefined ? {} : { since }),
    signal: context.signal,
    onNotice: (notice) => context.notice(notice),
  });
  context.notice(`${since === undefined ? 'listening' : `replaying from ${since === 'all' ? 'the start of the spool' : `after event ${since}`}, then listening`} for incoming messages (Ctrl-C to stop)`);
  for await (const event of events) {
    if (event.event !== 'incoming') continue;
    const data = JSON.parse(event.data) as IncomingData;
    const id = event.id ?? '?';
    context.emit({ human: renderIncoming(id, data, context.style), json: { id: Number(id), event: data } });
  }
  return undefined;
}
