// Counts the incoming side of a soak from the emulator's word and tetherd's spool: an injected
// message tetherd never spooled is a loss, reported if it falls inside a loss window tetherd
// reported (status, log) and silent if it does not; the REST server's drops for a busy WebSocket
// are counted on their own (no client can see them, so no window can cover them).
import type { DroppedRecord } from './emulator-process.js';
import { incomingIndex, type Injected } from './incoming.js';

export interface LossWindow {
  readonly from: number;
  /** Infinity while still open. */
  readonly to: number;
}

export interface IncomingTally {
  /** Messages certainly injected. */
  readonly incoming: number;
  /** Not spooled, inside a reported loss window: a loss Tether told about. */
  readonly lost: number;
  /** Dropped by the REST server for a busy WebSocket (drop-on-busy). */
  readonly busyDrops: number;
  /** Not spooled, outside every reported window: a silent loss (fails the soak). */
  readonly outside: readonly { readonly text: string; readonly at: number; readonly reason: string }[];
  /** Spooled more than once (fails the soak: the spool dedupes). */
  readonly duplicated: readonly string[];
  /** Spooled but never (knowingly) injected (fails the soak). */
  readonly strangers: number;
}

export function tallyIncoming(input: {
  readonly injected: readonly Injected[];
  readonly uncertain: ReadonlySet<string>;
  readonly received: ReadonlyMap<number, number>;
  readonly dropped: readonly DroppedRecord[];
  readonly windows: readonly LossWindow[];
}): IncomingTally {
  const drops = new Map(input.dropped.map((record) => [record.timestamp, record]));
  const known = new Set(input.injected.map((message) => incomingIndex(message.text)!));
  for (const text of input.uncertain) known.add(incomingIndex(text)!);
  let lost = 0;
  let busyDrops = 0;
  const outside: { text: string; at: number; reason: string }[] = [];
  const duplicated: string[] = [];
  for (const message of input.injected) {
    const copies = input.received.get(incomingIndex(message.text)!) ?? 0;
    if (copies > 1) duplicated.push(message.text);
    if (copies > 0) continue;
    const drop = drops.get(message.timestamp);
    if (drop?.reason === 'busy') {
      busyDrops++;
      continue;
    }
    // When it was lost: the drop's moment if the emulator recorded one, else when it was pushed.
    const at = drop?.at ?? message.timestamp;
    if (input.windows.some((window) => window.from <= at && at <= window.to)) lost++;
    else outside.push({ text: message.text, at, reason: drop?.reason ?? 'not in dropped()' });
  }
  const strangers = [...input.received.keys()].filter((index) => !known.has(index)).length;
  return { incoming: input.injected.length, lost, busyDrops, outside, duplicated, strangers };
}
