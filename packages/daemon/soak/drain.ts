// The end of a soak: wait, driven by tetherd's event stream and bounded by a deadline, until its
// outbox (shared, with several tetherds: any live one answers) holds nothing queued or sending;
// then read both sides of the story.
import type { Cluster } from './cluster.js';
import type { EmulatorProcess } from './emulator-process.js';
import type { EventWatch } from './event-watch.js';
import type { DaemonMessage, SentCopy } from './tally.js';

interface Outbox {
  readonly queued: number;
  readonly sending: number;
}

/** Resolves with the last outbox counts seen: drained, or whatever was left at the deadline. */
export function waitForDrain(daemon: Pick<Cluster, 'request'>, watch: EventWatch, deadlineMs: number): Promise<Outbox & { drained: boolean }> {
  return new Promise((resolve) => {
    let outbox: Outbox = { queued: Number.NaN, sending: Number.NaN };
    let checking = false;
    let again = false;
    let done = false;
    const finish = (drained: boolean): void => {
      if (done) return;
      done = true;
      stopEvents();
      clearInterval(slowTimer);
      clearTimeout(deadline);
      resolve({ ...outbox, drained });
    };
    const check = async (): Promise<void> => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        outbox = (await daemon.request<{ outbox: Outbox }>('GET', '/v1/status')).body.outbox;
        if (outbox.queued === 0 && outbox.sending === 0) return finish(true);
      } catch {
        // down for a moment; the stream reopens and we check again
      } finally {
        checking = false;
      }
      if (again) {
        again = false;
        void check();
      }
    };
    // Events drive the checks; the slow timer only covers an event lost to a stream reset.
    const stopEvents = watch.on(() => void check());
    const slowTimer = setInterval(() => void check(), 2_000);
    const deadline = setTimeout(() => finish(false), deadlineMs);
    void check();
  });
}

/** Every message tetherd still holds, by id (the list first, single reads for any beyond it). */
export async function daemonMessages(daemon: Pick<Cluster, 'request'>, ids: Iterable<string>): Promise<Map<string, DaemonMessage>> {
  const listed = await daemon.request<DaemonMessage[]>('GET', '/v1/messages?limit=10000', { timeoutMs: 60_000 });
  if (listed.status !== 200) throw new Error(`GET /v1/messages answered ${listed.status}`);
  const messages = new Map(listed.body.map((message) => [message.id, message]));
  for (const id of ids) {
    if (messages.has(id)) continue;
    const single = await daemon.request<DaemonMessage>('GET', `/v1/messages/${id}`);
    if (single.status === 200) messages.set(id, single.body);
  }
  return messages;
}

/** Every send the emulator accepted, across all its restarts (it reloads its record file). */
export async function sentCopies(emulator: EmulatorProcess): Promise<SentCopy[]> {
  const sent = await emulator.admin<SentCopy[]>('GET', '/_emulator/sent');
  return sent.map((record) => ({ message: record.message, timestamp: record.timestamp }));
}
