// Runs the fault schedule while messages flow: a pause before each fault, then the fault and its
// undoing. A fault queued for the next send waits until the previous one has been met (sends
// have gone through since it was queued), so that no message meets three retriable failures.
import type { EventWatch } from './event-watch.js';
import { SEND_FAULTS, type FaultKind } from './fault-schedule.js';
import { applyFault, type FaultContext } from './faults.js';
import { delay } from './http.js';

export interface RunnerProgress {
  applied: number;
}

export async function runFaults(options: {
  readonly schedule: readonly FaultKind[];
  readonly context: FaultContext;
  readonly watch: EventWatch;
  readonly spacingMs: number;
  readonly progress: RunnerProgress;
  readonly log: (line: string) => void;
  readonly status: () => string;
  /** Every message was accepted and sent: a fault queued for the next send can no longer be met. */
  readonly noMoreSends: () => boolean;
}): Promise<void> {
  const { schedule, context, watch, progress, log } = options;
  let pendingSince: number | undefined;
  const settle = async (): Promise<void> => {
    if (pendingSince === undefined) return;
    // A plain rate limit on REST pauses sending up to 30 s: wait past that.
    const met = await watch.until(() => watch.sent >= pendingSince! + 3 || options.noMoreSends(), 60_000);
    if (!met) log('the previous send fault was not met within 60 s; going on');
    else if (watch.sent < pendingSince + 3) log('every message is sent: the previous send fault may stay unmet');
    pendingSince = undefined;
  };
  for (const [index, kind] of schedule.entries()) {
    await delay(context.random.between(Math.round(options.spacingMs / 4), Math.round((options.spacingMs * 3) / 4)));
    if (SEND_FAULTS.has(kind)) await settle();
    const description = await applyFault(kind, index, context);
    // Counted once the emulator has the fault queued. Then at most one send is in flight and one
    // event of an earlier send on its way to us: the third `sent` after this started later, and
    // so met every queued fault first (one per send, in order).
    if (SEND_FAULTS.has(kind)) pendingSince = watch.sent;
    progress.applied++;
    log(`fault ${index + 1}/${schedule.length}: ${description} | ${options.status()}`);
  }
  await settle();
}
