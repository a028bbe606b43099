// Waits until every soak message injected so far has an ending: spooled by tetherd, or dropped by
// the emulator (in its `dropped()` list). Some never get one (frames held for a connection that
// died are lost without a record), so it also stops once nothing has moved for two seconds, and
// at the deadline. Returns how many had no ending then.
import type { EmulatorProcess } from './emulator-process.js';
import type { EventWatch } from './event-watch.js';
import { delay } from './http.js';
import { incomingIndex, type IncomingInjector } from './incoming.js';

const STILL_MS = 2_000;

export async function settleIncoming(incoming: IncomingInjector, watch: EventWatch, emulator: EmulatorProcess, deadlineMs: number): Promise<number> {
  const until = Date.now() + deadlineMs;
  let last = Number.NaN;
  let movedAt = Date.now();
  for (;;) {
    const dropped = new Set((await emulator.dropped().catch(() => [])).map((record) => record.timestamp));
    const open = incoming.injected.filter((message) => !watch.received.has(incomingIndex(message.text)!) && !dropped.has(message.timestamp)).length;
    if (open !== last) {
      last = open;
      movedAt = Date.now();
    }
    if (open === 0 || Date.now() >= until || Date.now() - movedAt >= STILL_MS) return open;
    await delay(100);
  }
}
