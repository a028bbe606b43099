// The daemon's store contract: what any store behind the daemon's ports must do, written once and
// run against SQLite and PostgreSQL (issue 13): requests all or nothing with idempotency keys,
// every message change logged as an event, paging, expiry, retention in chunks, receipts by
// Signal timestamp, the event log with dedupe keys and `Last-Event-ID` replay, loss windows,
// named values (cursors), dead letters and attachment blobs. Core's outbox-store contract runs beside it on
// `messages`. Plain async checks that throw (node:assert), like core's suites:
//   for (const check of storeContract(open)) it(check.name, check.run);
// `open` gives a fresh, empty store with `maxQueued: CONTRACT_MAX_QUEUED` and `messageEvents`
// presenting records with `contractPresent`; each check closes it.
import assert from 'node:assert/strict';
import type { LoggedEvent, NewMessage, Store, Submission, SubmitResult } from '../app/ports.js';
import type { MessageRecord } from '../app/ports.js';

export const CONTRACT_MAX_QUEUED = 3;

/** How the contract's stores present a record as a `message` event. */
export const contractPresent = (record: MessageRecord): unknown => ({ id: record.id, state: record.state, attempts: record.attempts });

export interface StoreCheck {
  readonly name: string;
  readonly run: () => Promise<void>;
}

const message = (text: string, expiresAt?: number): NewMessage => ({ message: { recipients: ['+4915100000001'], message: text }, ...(expiresAt === undefined ? {} : { expiresAt }) });
const request = (texts: readonly string[], extra: Partial<Submission> = {}): Submission => ({ messages: texts.map((text) => message(text)), requestHash: `h-${texts.join()}`, ...extra });
const ids = (result: SubmitResult | undefined): string[] => (result?.ok ? result.records.map((record) => record.id) : []);
const outcome = (result: SubmitResult): string | number => (result.ok ? (result.created ? result.records.length : `replay ${result.records.length}`) : result.error.code);
const code = async (work: () => unknown): Promise<string> => {
  try {
    await work();
    return 'no error';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error as Error).message);
  }
};
const messageEvents = async (store: Store): Promise<{ id: string; state: string }[]> =>
  (await store.events.after(0, 100, 'message')).map((event) => JSON.parse(event.data) as { id: string; state: string });

export function storeContract(open: () => Promise<Store>): StoreCheck[] {
  const check = (name: string, body: (store: Store) => Promise<void>): StoreCheck => ({
    name,
    run: async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    },
  });
  const submitOne = async (store: Store, text: string, now = 1, expiresAt?: number): Promise<MessageRecord> => {
    const [result] = await store.messages.submit([{ messages: [message(text, expiresAt)], requestHash: `h-${text}` }], now);
    assert.ok(result?.ok, `submit of ${text}`);
    return result.records[0]!;
  };

  return [
    check('submit commits each request all or nothing and refuses only the request without room', async (store) => {
      const results = await store.messages.submit([request(['b1', 'b2'], { idempotencyKey: 'k' }), request(['x'], { idempotencyKey: 'k' }), request(['y']), request(['z'])], 1);
      assert.deepEqual(results.map(outcome), [2, 'idempotency-conflict', 1, 'outbox-full']);
      assert.equal((await store.messages.counts()).queued, 3);
      const batch = (await store.messages.inState('queued')).map((record) => record.payload.message);
      assert.deepEqual(batch, ['b1', 'b2', 'y']);
    }),
    check('an idempotency key replays its request (across calls and within one group) and names the whole request', async (store) => {
      const [first, again] = await store.messages.submit([request(['a', 'b'], { idempotencyKey: 'k1' }), request(['a', 'b'], { idempotencyKey: 'k1' })], 1);
      assert.equal(first?.ok && first.created, true);
      assert.deepEqual(again && outcome(again), 'replay 2');
      assert.deepEqual(ids(again), ids(first));
      const [later] = await store.messages.submit([request(['a', 'b'], { idempotencyKey: 'k1' })], 2);
      assert.deepEqual(later && outcome(later), 'replay 2');
      assert.deepEqual(ids(later), ids(first));
      const [other] = await store.messages.submit([request(['c'], { idempotencyKey: 'k1' })], 3);
      assert.equal(other && outcome(other), 'idempotency-conflict');
      assert.equal((await store.messages.counts()).queued, 2);
    }),
    check('a group of distinct keys mixes replays, conflicts, refusals and new requests, logging only what it created', async (store) => {
      const [earlier] = await store.messages.submit([request(['a'], { idempotencyKey: 'seen' }), request(['j'], { idempotencyKey: 'other' })], 1);
      const before = (await messageEvents(store)).length;
      const results = await store.messages.submit(
        [request(['a'], { idempotencyKey: 'seen' }), request(['not j'], { idempotencyKey: 'other' }), request(['m'], { idempotencyKey: 'new' }), request(['too', 'many'])],
        2,
      );
      assert.deepEqual(results.map(outcome), ['replay 1', 'idempotency-conflict', 1, 'outbox-full']);
      assert.deepEqual(ids(results[0]), ids(earlier));
      assert.deepEqual((await store.messages.inState('queued')).map((record) => record.payload.message), ['a', 'j', 'm']);
      const logged = (await messageEvents(store)).slice(before);
      assert.deepEqual(logged.map((event) => event.id), ids(results[2]));
      const [again] = await store.messages.submit([request(['m'], { idempotencyKey: 'new' })], 3);
      assert.deepEqual(ids(again), ids(results[2]));
    }),
    check('every message change is logged as a message event with the change, in order', async (store) => {
      const a = await submitOne(store, 'a');
      const b = await submitOne(store, 'b');
      await store.messages.update(a.id, { state: 'sending', attempts: 1 }, 2);
      const sending = (await store.messages.get(a.id))!;
      const next = (await store.messages.get(b.id))!;
      await store.messages.updateMany!(
        [
          { record: sending, patch: { state: 'sent', backendId: '900' }, expect: 'sending' },
          { record: next, patch: { state: 'sending', attempts: 1 }, expect: 'queued' },
        ],
        3,
      );
      await store.messages.update(b.id, { state: 'failed', error: 'x' }, 4);
      await store.messages.requeue(b.id, 5);
      const logged = await messageEvents(store);
      assert.deepEqual(
        logged.map((event) => `${event.id === a.id ? 'a' : 'b'}:${event.state}`),
        ['a:queued', 'b:queued', 'a:sending', 'a:sent', 'b:sending', 'b:failed', 'b:queued'],
      );
      const events = await store.events.after(0, 100);
      assert.deepEqual(events.map((event) => event.kind), Array(7).fill('message'));
      assert.ok(events.every((event, index) => index === 0 || event.id > events[index - 1]!.id), 'ids grow');
    }),
    check('updateMany refuses the whole batch when one expectation no longer holds, changing and logging nothing', async (store) => {
      const a = await submitOne(store, 'a');
      const b = await submitOne(store, 'b');
      const before = await store.events.lastId();
      const refused = await code(() =>
        store.messages.updateMany!(
          [
            { record: a, patch: { state: 'sending' }, expect: 'queued' },
            { record: b, patch: { state: 'sent' }, expect: 'sending' },
          ],
          2,
        ),
      );
      assert.equal(refused, 'conflict');
      assert.equal((await store.messages.get(a.id))?.state, 'queued');
      assert.equal(await store.events.lastId(), before);
      assert.deepEqual(await store.messages.counts(), { queued: 2, sending: 0, failed: 0, unknown: 0, oldestQueuedAt: 1 });
      assert.equal(await code(() => store.messages.update('no-such-id', { state: 'sent' }, 3)), 'conflict');
    }),
    check('list pages newest first, by state, with `before`, and refuses an unknown cursor', async (store) => {
      const a = await submitOne(store, 'a', 1);
      const b = await submitOne(store, 'b', 2);
      const c = await submitOne(store, 'c', 3);
      await store.messages.update(a.id, { state: 'failed', error: 'no' }, 4);
      assert.deepEqual((await store.messages.list({ limit: 10 })).map((summary) => summary.id), [c.id, b.id, a.id]);
      assert.deepEqual((await store.messages.list({ limit: 1, before: c.id })).map((summary) => summary.id), [b.id]);
      assert.deepEqual((await store.messages.list({ limit: 10, state: 'queued', before: c.id })).map((summary) => summary.id), [b.id]);
      const [failed] = await store.messages.list({ limit: 10, state: 'failed' });
      assert.deepEqual(failed, { id: a.id, state: 'failed', recipients: ['+4915100000001'], createdAt: 1, updatedAt: 4, attempts: 0, ambiguous: false, error: 'no' });
      await store.messages.requeue(a.id, 5);
      assert.equal((await store.messages.list({ limit: 1 }))[0]?.id, a.id, 'a retried message is the newest');
      assert.equal(await code(() => store.messages.list({ limit: 10, before: 'no-such-id' })), 'invalid-cursor');
    }),
    check('expiry: queued messages past their time, earliest first, at most the limit', async (store) => {
      assert.equal(await store.messages.nextExpiry(), undefined);
      const late = await submitOne(store, 'late', 1, 50);
      const early = await submitOne(store, 'early', 1, 20);
      const sent = await submitOne(store, 'sent', 1, 10);
      await store.messages.update(sent.id, { state: 'sent' }, 2);
      assert.equal(await store.messages.nextExpiry(), 20);
      assert.deepEqual(await store.messages.dueToExpire(60, 10), [early.id, late.id]);
      assert.deepEqual(await store.messages.dueToExpire(60, 1), [early.id]);
      assert.deepEqual(await store.messages.dueToExpire(30, 10), [early.id]);
      assert.equal((await store.messages.get(late.id))?.expiresAt, 50);
    }),
    check('purgeFinished deletes finished messages changed before the cutoff, in chunks, and their keys', async (store) => {
      const records = [];
      for (const text of ['a', 'b', 'c']) records.push(await submitOne(store, text));
      await store.messages.update(records[0]!.id, { state: 'sent' }, 5);
      await store.messages.update(records[1]!.id, { state: 'failed', error: 'x' }, 6);
      await store.messages.update(records[2]!.id, { state: 'sending' }, 7);
      await store.messages.submit([request(['keyed'], { idempotencyKey: 'old' })], 1);
      assert.equal(await store.messages.purgeFinished(10, 1), 1);
      assert.equal(await store.messages.purgeFinished(10, 10), 1);
      assert.equal(await store.messages.purgeFinished(10, 10), 0);
      assert.equal(await store.messages.get(records[0]!.id), undefined);
      assert.equal((await store.messages.get(records[2]!.id))?.state, 'sending', 'a message in flight is never purged');
      assert.deepEqual(await store.messages.counts(), { queued: 1, sending: 1, failed: 0, unknown: 0, oldestQueuedAt: 1 });
      const [fresh] = await store.messages.submit([request(['other'], { idempotencyKey: 'old' })], 11);
      assert.equal(fresh?.ok && fresh.created, true, 'the purged key is free again');
    }),
    check('a Signal timestamp finds its messages, also after they are purged, until it is forgotten', async (store) => {
      const a = await submitOne(store, 'a');
      const b = await submitOne(store, 'b');
      await store.messages.update(a.id, { state: 'sent', backendId: '1700000000123' }, 2);
      await store.messages.updateMany!([{ record: b, patch: { state: 'sent', backendId: '1700000000123' }, expect: 'queued' }], 3);
      assert.deepEqual((await store.messages.idsForTimestamp(1700000000123)).sort(), [a.id, b.id].sort());
      assert.deepEqual((await store.messages.findByBackendId!('1700000000123')).map((record) => record.id).sort(), [a.id, b.id].sort());
      assert.equal((await store.messages.get(a.id))?.backendId, '1700000000123');
      assert.equal(await store.messages.purgeFinished(10, 10), 2);
      assert.deepEqual((await store.messages.idsForTimestamp(1700000000123)).sort(), [a.id, b.id].sort());
      assert.deepEqual(await store.messages.findByBackendId!('1700000000123'), []);
      assert.equal(await store.messages.purgeTimestamps(3, 10), 1);
      assert.equal(await store.messages.purgeTimestamps(10, 10), 1);
      assert.deepEqual(await store.messages.idsForTimestamp(1700000000123), []);
    }),
    check('the event log gives growing ids, refuses seen dedupe keys and replays after an id (Last-Event-ID)', async (store) => {
      const appended = await store.events.append([
        { kind: 'incoming', at: 10, data: { text: 'a' }, dedupeKey: 'key-1' },
        { kind: 'incoming', at: 11, data: { text: 'a again' }, dedupeKey: 'key-1' },
        { kind: 'state', at: 12, data: { to: 'connected' } },
        { kind: 'incoming', at: 13, data: { text: 'b' }, dedupeKey: 'key-2' },
      ]);
      assert.equal(appended[1], undefined);
      const [first, , second, third] = appended as LoggedEvent[];
      assert.ok(first!.id < second!.id && second!.id < third!.id);
      assert.deepEqual(first, { id: first!.id, kind: 'incoming', at: 10, data: '{"text":"a"}' });
      assert.deepEqual(await store.events.append([{ kind: 'incoming', at: 14, data: {}, dedupeKey: 'key-2' }]), [undefined]);
      assert.equal(await store.events.lastId(), third!.id);
      assert.equal(await store.events.lastId('state'), second!.id);
      assert.equal(await store.events.lastId('message'), 0);
      assert.equal(await store.events.lastAt(), 13);
      assert.equal(await store.events.countAfter(0, 'incoming'), 2);
      assert.equal(await store.events.countAfter(first!.id, 'incoming'), 1);
      assert.deepEqual((await store.events.after(first!.id, 10)).map((event) => event.id), [second!.id, third!.id]);
      assert.deepEqual((await store.events.after(first!.id, 1)).map((event) => event.id), [second!.id]);
      assert.deepEqual((await store.events.after(0, 10, 'incoming')).map((event) => JSON.parse(event.data) as unknown), [{ text: 'a' }, { text: 'b' }]);
      assert.deepEqual(await store.events.after(third!.id, 10), []);
    }),
    check('the event log purges by age, incoming and other kinds apart, in chunks; a purged dedupe key stays refused', async (store) => {
      const appended = (await store.events.append([
        { kind: 'incoming', at: 10, data: 1, dedupeKey: 'key-1' },
        { kind: 'state', at: 11, data: 2 },
        { kind: 'gate', at: 12, data: 3 },
        { kind: 'incoming', at: 20, data: 4, dedupeKey: 'key-2' },
      ])) as LoggedEvent[];
      assert.equal(await store.events.purge(15, 13, 1), 1);
      assert.equal(await store.events.purge(15, 13, 10), 2);
      assert.deepEqual((await store.events.after(0, 10)).map((event) => event.id), [appended[3]!.id]);
      assert.equal(await store.events.lastAt(), 20);
      assert.deepEqual(await store.events.append([{ kind: 'incoming', at: 30, data: 5, dedupeKey: 'key-2' }]), [undefined]);
    }),
    check('loss windows: the newest ones, oldest first', async (store) => {
      for (const from of [1, 2, 3]) await store.lossWindows.add({ from, to: from + 10 });
      assert.deepEqual(await store.lossWindows.recent(2), [
        { from: 2, to: 12 },
        { from: 3, to: 13 },
      ]);
      assert.deepEqual(await store.lossWindows.recent(10), [
        { from: 1, to: 11 },
        { from: 2, to: 12 },
        { from: 3, to: 13 },
      ]);
    }),
    check('named values (cursors, the gate) are kept and replaced; the store says it is writable', async (store) => {
      assert.equal(await store.meta.get('webhook.cursor'), undefined);
      await store.meta.set('webhook.cursor', '1');
      await store.meta.set('webhook.cursor', '2');
      await store.meta.set('gate', '{"state":"open"}');
      assert.equal(await store.meta.get('webhook.cursor'), '2');
      assert.equal(await store.meta.get('gate'), '{"state":"open"}');
      assert.equal(await store.writable(5), true);
    }),
    check('dead letters: one per event, replaced when the event dies again, counted', async (store) => {
      assert.equal(await store.deadLetters.count(), 0);
      await store.deadLetters.add({ eventId: 7, at: 1, status: 400, error: 'bad' });
      await store.deadLetters.add({ eventId: 7, at: 2, error: 'worse' });
      await store.deadLetters.add({ eventId: 8, at: 3, error: 'bad' });
      assert.equal(await store.deadLetters.count(), 2);
    }),
    check('counts stay equal to the messages in each state through every kind of change', async (store) => {
      const a = await submitOne(store, 'a', 1);
      const b = await submitOne(store, 'b', 2);
      const c = await submitOne(store, 'c', 3);
      await store.messages.update(a.id, { state: 'sending' }, 4);
      await store.messages.updateMany!(
        [
          { record: a, patch: { state: 'unknown', ambiguous: true }, expect: 'sending' },
          { record: b, patch: { state: 'sending' }, expect: 'queued' },
        ],
        5,
      );
      await store.messages.update(b.id, { state: 'failed', error: 'x' }, 6);
      await store.messages.requeue(a.id, 7);
      await store.messages.update(c.id, { state: 'sent' }, 8);
      await store.messages.purgeFinished(9, 10);
      const counts = await store.messages.counts();
      const actual = { queued: 0, sending: 0, failed: 0, unknown: 0 };
      for (const state of Object.keys(actual) as (keyof typeof actual)[]) actual[state] = (await store.messages.inState(state)).length;
      assert.deepEqual(counts, { ...actual, oldestQueuedAt: 1 });
      assert.deepEqual(counts, { queued: 1, sending: 0, failed: 0, unknown: 0, oldestQueuedAt: 1 });
      assert.equal((await store.messages.head())?.id, a.id);
      assert.equal((await store.messages.get(a.id))?.ambiguous, true);
    }),
    check('a blob reads back chunk by chunk in order; an unknown one is blob-missing', async (store) => {
      await store.blobs.append('b1', 0, Buffer.from('hello '), 1);
      await store.blobs.append('b1', 1, Buffer.from('world'), 1);
      await store.blobs.append('b1', 2, Buffer.from([0, 255]), 1);
      assert.deepEqual(await readBlob(store, 'b1'), Buffer.concat([Buffer.from('hello world'), Buffer.from([0, 255])]));
      assert.equal(await code(() => readBlob(store, 'nope')), 'blob-missing');
    }),
    check('submit links the blobs a message names; a blob gone or named already refuses the whole request', async (store) => {
      await store.blobs.append('b1', 0, Buffer.from('one'), 1);
      const [linked] = await store.messages.submit([{ messages: [withBlob('a', 'b1')], requestHash: 'h' }], 2);
      assert.equal(linked?.ok && linked.created, true);
      assert.deepEqual((await store.messages.get(ids(linked)[0]!))?.payload.attachments?.[0]?.blob, { id: 'b1', size: 3, sha256: 'x' });
      const before = (await messageEvents(store)).length;
      const refused = await store.messages.submit(
        [
          { messages: [message('fine'), withBlob('gone', 'nope')], requestHash: 'h2' },
          { messages: [withBlob('again', 'b1')], requestHash: 'h3' },
        ],
        3,
      );
      assert.deepEqual(refused.map(outcome), ['storage-failed', 'storage-failed']);
      assert.equal((await store.messages.counts()).queued, 1, 'nothing of a refused request is kept');
      assert.equal((await messageEvents(store)).length, before);
      await store.blobs.discard('b1');
      assert.deepEqual(await readBlob(store, 'b1'), Buffer.from('one'), 'discard leaves a linked blob alone');
    }),
    check('discard drops an unlinked blob; purge sweeps old unlinked blobs and those of purged messages, in chunks', async (store) => {
      for (const id of ['dropped', 'old', 'young', 'kept']) for (let seq = 0; seq < 3; seq++) await store.blobs.append(id, seq, Buffer.from([seq]), id === 'young' ? 50 : 10);
      await store.blobs.discard('dropped');
      assert.equal(await code(() => readBlob(store, 'dropped')), 'blob-missing');
      const [result] = await store.messages.submit([{ messages: [withBlob('with a blob', 'kept')], requestHash: 'h' }], 20);
      assert.equal(await store.blobs.purge(30, 2), 2, 'at most the limit of chunks at once');
      const [late] = await store.messages.submit([{ messages: [withBlob('too late', 'old')], requestHash: 'h2' }], 21);
      assert.equal(late && outcome(late), 'storage-failed', 'a blob partly swept is never linked');
      assert.ok((await store.blobs.purge(30, 10)) >= 1);
      assert.equal(await store.blobs.purge(30, 10), 0);
      assert.equal(await code(() => readBlob(store, 'old')), 'blob-missing');
      assert.deepEqual(await readBlob(store, 'young'), Buffer.from([0, 1, 2]), 'an upload still in progress is kept');
      assert.deepEqual(await readBlob(store, 'kept'), Buffer.from([0, 1, 2]), 'a blob a message names is kept');
      await store.messages.update(ids(result)[0]!, { state: 'sent' }, 21);
      assert.equal(await store.messages.purgeFinished(30, 10), 1);
      let swept = 0;
      for (let round = 0; round < 5; round++) swept += await store.blobs.purge(30, 10);
      assert.ok(swept >= 3);
      assert.equal(await code(() => readBlob(store, 'kept')), 'blob-missing', "a purged message's blob goes with it");
    }),
  ];
}

const withBlob = (text: string, blob: string): NewMessage => ({
  message: { recipients: ['+4915100000001'], message: text, attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', blob: { id: blob, size: 3, sha256: 'x' } }] },
});

async function readBlob(store: Store, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.blobs.read(id)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
