// How the demo talks: a headline per step, indented detail lines, and the daemon's own events
// as they arrive. During the outage the link flaps between disconnected and reconnecting on every
// backoff step; the narrator shows the first of each and counts the rest.
import type { LinkStateKind } from '@tether/daemon/protocol';
import type { CommandContext } from '../command-context.js';
import { renderIncoming } from '../output/incoming-view.js';
import { summariseMessage } from '../output/message-view.js';
import { linkColour } from '../output/status-view.js';
import type { TrackedEvent } from './event-tracker.js';

const TERMINAL = new Set(['sent', 'delivered', 'read', 'failed', 'unknown']);

export interface Narrator {
  intro(): void;
  step(text: string, json: Record<string, unknown>): void;
  line(text: string, json: Record<string, unknown>): void;
  event(event: TrackedEvent, claims: readonly { readonly id: string }[]): void;
  /** Until the link is back up, each link state is shown once; repeats are only counted. */
  quietUntilUp(): void;
  /** Whether the link reached `state` since quietUntilUp() (or the start). */
  seen(state: LinkStateKind): boolean;
  suppressed(): number;
}

export function createNarrator(context: CommandContext): Narrator {
  const { style } = context;
  let quiet = false;
  let suppressed = 0;
  const shown = new Set<LinkStateKind>();
  const line = (text: string, json: Record<string, unknown>): void => context.emit({ human: `  ${text}`, json });
  return {
    intro: () =>
      context.emit({
        human: [style.bold('tether demo'), style.dim('the real tetherd against a local Signal emulator; nothing here talks to Signal itself'), ''],
        json: { event: 'intro' },
      }),
    step: (text, json) => context.emit({ human: `${style.bold('▸')} ${text}`, json }),
    line,
    event(event, claims) {
      if (event.kind === 'state') {
        const { from, to, cause, attempt } = event.data;
        // The outage is over once the link is back: from here every change is worth showing.
        if (to === 'syncing' || to === 'connected') quiet = false;
        if (quiet && shown.has(to)) {
          suppressed++;
          return;
        }
        shown.add(to);
        const detail = to === 'reconnecting' ? ` (attempt ${attempt})` : cause ? style.dim(` (${cause})`) : '';
        line(`link: ${from} → ${linkColour(to, style)(to)}${detail}`, { event: 'link', from, to, attempt, cause });
      } else if (event.kind === 'message') {
        if (!TERMINAL.has(event.data.state) || !claims.some((claim) => claim.id === event.data.id)) return;
        const mark = event.data.state === 'sent' ? style.green('✓') : style.red('✗');
        line(`${mark} ${summariseMessage(event.data, style)}`, { event: 'message', message: event.data });
      } else if (event.kind === 'incoming') {
        line(`received ${renderIncoming(event.id, event.data, style)}`, { event: 'incoming', id: Number(event.id), incoming: event.data });
      } else {
        const { state, reason } = event.data;
        line(`send gate: ${state}${reason ? ` (${reason})` : ''}`, { event: 'gate', state, reason });
      }
    },
    quietUntilUp() {
      quiet = true;
      shown.clear();
    },
    seen: (state) => shown.has(state),
    suppressed: () => suppressed,
  };
}
