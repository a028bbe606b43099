// Waits until every soak message injected so far has an ending: spooled by tetherd, or dropped by
// the emulator (in its `dropped()` list). Bounded: returns how many still had none at the end.
import type { EmulatorProcess } from './emulator-process.js';
import type { EventWatch } from './event-watch.js';
import { delay } from './http.js';
import { incomingIndex, type IncomingInjector } from './incoming.js';

export async function settleIncoming(incoming: IncomingInjector, watch: EventWatch, emulator: EmulatorProcess, deadlineMs: number): Promise<number> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const dropped = new Set((await emulator.dropped().catch(() => [])).map((record) => record.timestamp));
    const open = incoming.injected.filter((message) => !watch.received.has(incomingIndex(message.text)!) && !dropped.has(message.timestamp)).length;
    if (open === 0 || Date.now() >= until) return open;
    await delay(100);
  }
}
