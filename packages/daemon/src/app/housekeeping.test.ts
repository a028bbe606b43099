// Upkeep on the fake clock: queued messages expire on time even while the link is down (one timer,
// re-armed for the next expiry, never longer than an hour), and the hourly retention purge removes
// finished messages, old events and, much later, the Signal timestamps receipts are matched by.
import { TransportError } from '@tether/core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../protocol/index.js';
import { CHUNK_BYTES, ORPHAN_AFTER_MS, StoredData, Uploads } from './attachment-upload.js';
import { CHUNK, Housekeeping } from './housekeeping.js';
import { harnessStarter, FRIEND, incomingMessage, START, type Harness } from './testing/harness.js';

const HOUR = 3_600_000;
const started = harnessStarter();

/** The link drops and its reconnect is refused for good (the `failed` state: no timers run meanwhile). */
async function offline(harness: Harness): Promise<void> {
  harness.transport.failNextConnect(new TransportError('the backend is in the wrong mode', { retriable: false }));
  harness.transport.drop();
  await harness.clock.advanceAsync(100);
  await harness.until(() => harness.channel.connection.state.kind === 'failed', 'the link to fail');
}

const expiring = (text: string, at: number) => ({ recipients: [FRIEND], message: text, expiresAt: new Date(at).toISOString() });
const state = async (harness: Harness, id: string): Promise<Pick<Message, 'state' | 'error'>> => {
  const { state, error } = await harness.service.message(id);
  return { state, ...(error === undefined ? {} : { error }) };
};

describe('expiry', () => {
  it('fails a queued message on time while the link is down, then the next one at its own time', async () => {
    const harness = await started();
    await offline(harness);
    const now = harness.clock.now();
    const soon = (await harness.service.submit(expiring('soon', now + 60_000))).messages[0]!.id;
    const later = (await harness.service.submit(expiring('later', now + 3 * HOUR))).messages[0]!.id;
    const never = (await harness.service.submit({ recipients: [FRIEND], message: 'no expiry' })).messages[0]!.id;
    await harness.clock.advanceAsync(59_999);
    expect(await state(harness, soon)).toEqual({ state: 'queued' });
    await harness.clock.advanceAsync(1);
    await harness.until(async () => (await state(harness, soon)).state === 'failed', 'the first expiry');
    expect(await state(harness, soon)).toEqual({ state: 'failed', error: 'expired' });
    // the timer for the next expiry is at most an hour long, and re-armed until it is due
    await harness.clock.advanceAsync(3 * HOUR - 60_001);
    expect(await state(harness, later)).toEqual({ state: 'queued' });
    await harness.clock.advanceAsync(1);
    await harness.until(async () => (await state(harness, later)).state === 'failed', 'the second expiry');
    expect(await state(harness, never)).toEqual({ state: 'queued' });
    expect(harness.transport.sent).toEqual([]);
  });

  it('expires more than one chunk of due messages in one pass', async () => {
    const harness = await started({ maxQueued: CHUNK * 3 });
    await offline(harness);
    const batch = Array.from({ length: CHUNK + 10 }, (_, index) => expiring(`m${index}`, harness.clock.now() + 1_000));
    const chunks = [batch.slice(0, 200), batch.slice(200)];
    for (const messages of chunks) await harness.service.submit({ messages });
    await harness.clock.advanceAsync(1_000);
    await harness.until(async () => (await harness.service.messages({ state: 'failed', limit: 1_000 })).length === CHUNK + 10, 'every expiry');
  });
});

describe('retention', () => {
  it('purges finished messages and old events', async () => {
    const harness = await started({ sentRetentionHours: 1, inboundRetentionHours: 2 });
    const { messages } = await harness.service.submit({ recipients: [FRIEND], message: 'goes out' });
    const id = messages[0]!.id;
    await harness.until(async () => (await state(harness, id)).state === 'sent', 'the send');
    harness.transport.emit(incomingMessage({ text: 'kept two hours' }));
    await harness.incoming.settled();
    // hourly passes from the start: the one at two hours finds the message older than one hour
    await harness.clock.advanceAsync(HOUR);
    expect(await harness.service.messages({ limit: 10 })).toHaveLength(1);
    await harness.clock.advanceAsync(HOUR);
    await harness.until(async () => (await harness.service.messages({ limit: 10 })).length === 0, 'the sent message to be purged');
    expect(await harness.events.countAfter(0, 'incoming')).toBe(1);
    await harness.clock.advanceAsync(HOUR);
    await harness.until(async () => (await harness.events.countAfter(0, 'incoming')) === 0, 'the old event to be purged');
    expect(harness.logger.lines.find((line) => line.message === 'retention purge')?.fields).toMatchObject({ messages: 1 });
  });

  it('purges in chunks, and forgets Signal timestamps only after four times the retention, at least 30 days', async () => {
    const harness = await started({ maxQueued: 1_000 });
    const { store, clock } = harness;
    const ids = store.messages
      .submit([{ messages: Array.from({ length: CHUNK * 2 + 5 }, () => ({ message: { recipients: [FRIEND], message: 'old' } })), requestHash: 'h' }], START - 200 * HOUR)
      .flatMap((result) => (result.ok ? result.records.map((record) => record.id) : []));
    ids.forEach((id, index) => store.messages.update(id, { state: 'sent', backendId: String(1_000 + index) }, START - 200 * HOUR));
    await harness.housekeeping.purge();
    expect(store.messages.counts()).toMatchObject({ queued: 0 });
    expect(await harness.service.messages({ limit: 1_000 })).toEqual([]);
    expect(store.messages.idsForTimestamp(1_000)).toEqual([ids[0]]);
    clock.advance(30 * 24 * HOUR);
    await harness.housekeeping.purge();
    expect(store.messages.idsForTimestamp(1_000)).toEqual([]);
  });

  it("sweeps attachment bytes a dead request left after an hour, and a purged message's with it", async () => {
    const harness = await started({ sentRetentionHours: 1 });
    const { store, clock } = harness;
    const orphan = new Uploads(store.blobs, { now: () => clock.now(), maxBytes: 1e9 }).writer();
    await orphan.write(Buffer.alloc(CHUNK_BYTES * 2 + 1, 1)); // a request whose process died mid-body
    const kept = new Uploads(store.blobs, { now: () => clock.now(), maxBytes: 1e9 }).writer();
    await kept.write(Buffer.from('bytes'));
    const blob = await kept.end();
    const { id } = (await harness.service.submit({ recipients: [FRIEND], attachments: [{ filename: 'a', contentType: 'text/plain', data: new StoredData(blob) }] })).messages[0]!;
    await harness.until(async () => (await state(harness, id)).state === 'sent', 'the send');
    const stored = async (blobId: string): Promise<string> => {
      try {
        for await (const _chunk of store.blobs.read(blobId)) return 'stored';
        return 'empty';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    // the hourly passes: the one an hour on finds nothing old enough yet, the next sweeps both
    await clock.advanceAsync(ORPHAN_AFTER_MS);
    expect([await stored(orphan.id), await stored(blob.id)]).toEqual(['stored', 'stored']);
    await clock.advanceAsync(ORPHAN_AFTER_MS);
    const swept = (): number[] => harness.logger.lines.filter((line) => line.message === 'retention purge').map((line) => (line.fields as { attachmentChunks: number }).attachmentChunks);
    await harness.until(() => swept().length > 0, 'the sweep');
    expect([await stored(orphan.id), await stored(blob.id)]).toEqual(['blob-missing', 'blob-missing']);
    expect(swept()).toEqual([5]); // 2 + 1 chunks, and the 2 blob rows
  });

  it('logs a failing pass and runs again on the next timer; close stops both timers', async () => {
    const harness = await started();
    let fail = true;
    const housekeeping = new Housekeeping({
      messages: new Proxy(harness.store.messages, {
        get: (target, key, receiver) => (key === 'purgeFinished' && fail ? () => Promise.reject(new Error('disk I/O error')) : Reflect.get(target, key, receiver)),
      }),
      events: harness.store.events,
      blobs: harness.store.blobs,
      expire: (id) => harness.channel.outbox.expire(id),
      clock: harness.clock,
      logger: harness.logger,
      sentRetentionHours: 1,
      inboundRetentionHours: 1,
    });
    housekeeping.start();
    await harness.clock.advanceAsync(0);
    await harness.until(() => harness.logger.messages('error').includes('housekeeping failed; it runs again on its next timer'), 'the failure to be logged');
    fail = false;
    const purges = harness.logger.lines.length;
    await housekeeping.close();
    await harness.clock.advanceAsync(2 * HOUR);
    expect(harness.logger.lines.slice(purges).filter((line) => line.message === 'housekeeping failed; it runs again on its next timer')).toEqual([]);
  });
});
