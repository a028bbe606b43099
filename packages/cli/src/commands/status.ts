// `tether status [ID] [--watch]`: the daemon's status, or one message. --watch redraws whenever
// the event stream reports a change (never on a timer), coalescing bursts into one redraw.
import type { Message, Status } from '@tether/client';
import type { CommandContext, Output, Result } from '../command-context.js';
import { renderMessage } from '../output/message-view.js';
import { renderStatus } from '../output/status-view.js';
import { streamNotices } from './stream-notices.js';

export async function status(context: CommandContext, id: string | undefined, options: { readonly watch: boolean }): Promise<Result | undefined> {
  const view = async (): Promise<Output> => {
    if (id !== undefined) {
      const message: Message = await context.client().message(id);
      return { human: renderMessage(message, context.now(), context.style), json: message };
    }
    const current: Status = await context.client().status();
    return { human: renderStatus(current, context.now(), context.style), json: current };
  };
  if (!options.watch) return view();
  await watch(context, id, view);
  return undefined;
}

async function watch(context: CommandContext, id: string | undefined, view: () => Promise<Output>): Promise<void> {
  // Subscribe first, then draw: a change between the two still arrives as an event. After a
  // reconnect the view is drawn again (the daemon may have restarted with another pid).
  const events = context.client().events({ kinds: id === undefined ? ['state', 'gate', 'message'] : ['message'], signal: context.signal, ...streamNotices(context, () => redraw()) });
  await events.ready();
  let dirty = false;
  let drawing: Promise<void> | undefined;
  const footer = (): string => context.style.dim(`watching tetherd: redrawn on every change, Ctrl-C to stop`);
  function redraw(): void {
    dirty = true;
    drawing ??= (async () => {
      while (dirty && !context.signal.aborted) {
        dirty = false;
        try {
          const output = await view();
          const lines = typeof output.human === 'string' ? [output.human] : output.human;
          context.emit({ human: [...lines, '', footer()], json: output.json, redraw: true });
        } catch (error) {
          // The daemon went away between the event and the fetch: the stream will say when it is back.
          context.notice(`cannot read the status: ${(error as Error).message}`);
        }
      }
      drawing = undefined;
    })();
  }
  redraw();
  for await (const event of events) {
    if (id !== undefined && event.kind === 'message' && event.data.id !== id) continue;
    redraw();
  }
  await drawing;
}
