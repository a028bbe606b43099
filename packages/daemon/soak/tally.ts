// Counts the outgoing side from the emulator's own record, not from the daemon's word: every
// accepted message must be in the record at least once, unless tetherd itself reports it failed
// or unknown; every extra copy is a duplicate, and it must belong to a message marked ambiguous.
import { messageIndex } from './submitters.js';

export interface DaemonMessage {
  readonly id: string;
  readonly state: string;
  readonly ambiguous: boolean;
  readonly attempts: number;
  readonly error?: string;
  readonly signalTimestamp?: number;
}

/** One send the emulator accepted: its text and the Signal timestamp it answered with. */
export interface SentCopy {
  readonly message: string | null;
  readonly timestamp: number;
}

/** bench-results/soak.json (DECISIONS.md §10, plus the incoming keys; see the soak's README). */
export interface SoakResult {
  readonly messages: number;
  readonly faults: number;
  readonly daemonKills: number;
  /** Incoming envelopes lost inside loss windows tetherd reported. */
  readonly lost: number;
  readonly duplicates: number;
  readonly duplicatesReported: number;
  /** Incoming messages injected. */
  readonly incoming: number;
  /** Incoming envelopes the REST server dropped for a busy WebSocket (invisible to any client). */
  readonly busyDrops: number;
  /** Losses nobody reported: incoming outside every window, and accepted messages Signal never got. */
  readonly lostOutsideWindows: number;
}

/** The outgoing half of the figures. */
export type OutgoingResult = Pick<SoakResult, 'messages' | 'faults' | 'daemonKills' | 'duplicates' | 'duplicatesReported'> & { readonly lostOutgoing: number };

export interface Diagnostics {
  /** Reported failed or unknown by tetherd and absent from the record: not lost, but listed. */
  readonly reportedUndelivered: DaemonMessage[];
  /** Absent from the record although tetherd does not say failed or unknown. */
  readonly lostMessages: { readonly id: string; readonly state: string }[];
  /** Copies of a message tetherd never marked ambiguous. */
  readonly silentDuplicates: { readonly id: string; readonly copies: number }[];
  /** Delivered although tetherd says failed. */
  readonly failedButDelivered: DaemonMessage[];
  /** Records whose text is no accepted message of this run. */
  readonly strangers: number;
  readonly ambiguousMessages: number;
  /** Said `sent` with a Signal timestamp that no copy of that message was given. */
  readonly wrongTimestamps: string[];
  /** tetherd's final state of each accepted message, counted. */
  readonly states: Record<string, number>;
}

export function tally(input: {
  readonly accepted: ReadonlyMap<number, string>;
  readonly records: readonly SentCopy[];
  readonly daemonMessages: ReadonlyMap<string, DaemonMessage>;
  readonly faults: number;
  readonly daemonKills: number;
}): { result: OutgoingResult; diagnostics: Diagnostics } {
  const copies = new Map<number, number>();
  const timestamps = new Map<number, Set<number>>();
  let strangers = 0;
  for (const record of input.records) {
    const index = messageIndex(record.message);
    if (index === undefined || !input.accepted.has(index)) {
      strangers++;
      continue;
    }
    copies.set(index, (copies.get(index) ?? 0) + 1);
    timestamps.set(index, (timestamps.get(index) ?? new Set()).add(record.timestamp));
  }
  const diagnostics = {
    reportedUndelivered: [] as DaemonMessage[],
    lostMessages: [] as { id: string; state: string }[],
    silentDuplicates: [] as { id: string; copies: number }[],
    failedButDelivered: [] as DaemonMessage[],
    strangers,
    ambiguousMessages: 0,
    wrongTimestamps: [] as string[],
    states: {} as Record<string, number>,
  };
  let duplicates = 0;
  let duplicatesReported = 0;
  for (const [index, id] of input.accepted) {
    const message = input.daemonMessages.get(id);
    const count = copies.get(index) ?? 0;
    const state = message?.state ?? 'missing from tetherd';
    diagnostics.states[state] = (diagnostics.states[state] ?? 0) + 1;
    if (message?.ambiguous) diagnostics.ambiguousMessages++;
    if (count === 0) {
      if (message && (message.state === 'failed' || message.state === 'unknown')) diagnostics.reportedUndelivered.push(message);
      else diagnostics.lostMessages.push({ id, state });
      continue;
    }
    if (message?.state === 'sent' && message.signalTimestamp !== undefined && !timestamps.get(index)!.has(message.signalTimestamp)) diagnostics.wrongTimestamps.push(id);
    if (message?.state === 'failed') diagnostics.failedButDelivered.push(message);
    if (count > 1) {
      duplicates += count - 1;
      if (message?.ambiguous) duplicatesReported += count - 1;
      else diagnostics.silentDuplicates.push({ id, copies: count });
    }
  }
  return {
    result: { messages: input.accepted.size, faults: input.faults, daemonKills: input.daemonKills, lostOutgoing: diagnostics.lostMessages.length, duplicates, duplicatesReported },
    diagnostics,
  };
}
