// Prints the soak's outcome: the figures written to bench-results/soak.json (soak-postgres.json
// for the PostgreSQL run), then everything an engineer needs to judge them (message ids and states
// only, never bodies). Decides pass or fail.
import type { FaultTally } from './faults.js';
import type { IncomingTally } from './incoming-tally.js';
import type { LeaderTake } from './leader-changes.js';
import type { Diagnostics, SoakResult } from './tally.js';

export function report(input: {
  readonly result: SoakResult & { readonly failovers?: number };
  readonly diagnostics: Diagnostics;
  readonly incoming: IncomingTally & { readonly uncertain: number; readonly windows: number };
  readonly faultTally: FaultTally;
  readonly crashes: readonly string[];
  readonly challenges: number;
  readonly retried: number;
  readonly seconds: number;
  readonly drained: boolean;
  readonly resultFile: string;
  /** With several tetherds: who took the lead, in order, and which instance accepted how many. */
  readonly shared?: { readonly leaders: readonly LeaderTake[]; readonly byInstance: ReadonlyMap<string, number>; readonly streamOpened: number };
}): boolean {
  const { result, diagnostics, faultTally } = input;
  const lines = [
    '',
    `result (${input.resultFile}):`,
    JSON.stringify(result),
    '',
    `faults: ${result.faults} (tetherd SIGKILL ${faultTally.daemonKills}, SIGTERM ${faultTally.daemonTerms}, emulator SIGKILL ${faultTally.emulatorKills}); captchas solved ${input.challenges}; POSTs retried ${input.retried}; ${input.seconds.toFixed(0)} s`,
    ...(input.shared
      ? [
          `leader changes ${result.failovers ?? 0} (took the lead in turn: ${input.shared.leaders.map((take) => `${take.name} ${new Date(take.at).toISOString().slice(11, 23)}`).join(', ')}); leaders paused past the lease ${faultTally.leaderPauses}; accepted by ${[...input.shared.byInstance].sort().map(([name, count]) => `${name} ${count}`).join(', ')}; event stream opened ${input.shared.streamOpened} times (resumed with Last-Event-ID)`,
        ]
      : []),
    `tetherd's final states: ${Object.entries(diagnostics.states).map(([state, count]) => `${state} ${count}`).join(', ')}; ambiguous ${diagnostics.ambiguousMessages}`,
    `not delivered and reported so: failed ${diagnostics.reportedUndelivered.filter((message) => message.state === 'failed').length}, unknown ${diagnostics.reportedUndelivered.filter((message) => message.state === 'unknown').length}; delivered although failed ${diagnostics.failedButDelivered.length}; records of no accepted message ${diagnostics.strangers}; sent with a timestamp Signal never gave it ${diagnostics.wrongTimestamps.length}`,
  ];
  const { incoming } = input;
  lines.push(
    `incoming: ${incoming.incoming} injected (${incoming.uncertain} injections unanswered, not counted); lost inside ${incoming.windows} reported loss windows ${incoming.lost}; dropped by a busy WebSocket ${incoming.busyDrops}; lost outside every window ${incoming.outside.length}; spooled twice ${incoming.duplicated.length}; spooled but never injected ${incoming.strangers}`,
  );
  for (const loss of incoming.outside) lines.push(`  UNREPORTED INCOMING LOSS: ${loss.text} at ${new Date(loss.at).toISOString()} (${loss.reason})`);
  for (const text of incoming.duplicated) lines.push(`  INCOMING SPOOLED TWICE: ${text}`);
  for (const message of diagnostics.reportedUndelivered) lines.push(`  not delivered, tetherd says ${message.state}: ${message.id} after ${message.attempts} attempt(s): ${message.error ?? ''}`);
  for (const message of diagnostics.failedButDelivered) lines.push(`  delivered, tetherd says failed: ${message.id} (ambiguous ${message.ambiguous}): ${message.error ?? ''}`);
  for (const lost of diagnostics.lostMessages) lines.push(`  LOST: ${lost.id}, tetherd says ${lost.state}`);
  for (const duplicate of diagnostics.silentDuplicates) lines.push(`  UNREPORTED DUPLICATE: ${duplicate.id}, ${duplicate.copies} copies, not marked ambiguous`);
  for (const id of diagnostics.wrongTimestamps) lines.push(`  WRONG TIMESTAMP: ${id} says sent with a Signal timestamp the emulator never answered for it`);
  for (const crash of input.crashes) lines.push(`  DAEMON CRASH: ${crash}`);
  for (const term of faultTally.badTerms) lines.push(`  BAD SHUTDOWN: ${term}`);
  for (const pause of faultTally.badPauses) lines.push(`  BAD PAUSE: ${pause}`);
  if (!input.drained) lines.push('  DEADLINE: the outbox did not drain in time');
  const passed =
    result.lostOutsideWindows === 0 &&
    incoming.duplicated.length === 0 &&
    incoming.strangers === 0 &&
    result.duplicates === result.duplicatesReported && input.crashes.length === 0 && faultTally.badTerms.length === 0 && faultTally.badPauses.length === 0 && input.drained && diagnostics.strangers === 0 && diagnostics.wrongTimestamps.length === 0;
  lines.push('', passed ? 'soak passed: every loss inside a reported window, every duplicate reported' : 'soak FAILED', '');
  process.stdout.write(lines.join('\n'));
  return passed;
}
