// What people see on stderr while a command follows tetherd's event stream: one notice when the
// stream breaks (not one per retry) and one when it is back. The client does the reconnecting.
import type { SubscribeOptions } from '@tether/client';
import type { CommandContext } from '../command-context.js';

export function streamNotices(context: CommandContext, onResumed?: () => void): Pick<SubscribeOptions, 'onReconnecting' | 'onReconnected'> {
  let broken = false;
  return {
    onReconnecting: () => {
      if (broken) return;
      broken = true;
      context.notice('the event stream from tetherd ended; reconnecting…');
    },
    onReconnected: () => {
      broken = false;
      context.notice('reconnected to tetherd');
      onResumed?.();
    },
  };
}
