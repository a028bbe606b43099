// Issue 14, item 6, end to end for the daemon: the disk fills up while a message is being sent, so
// the store cannot take its `sent` outcome. The queue holds its order (nothing overtakes it), the
// message is never sent twice, it is not stuck (cancel answers 409 while it is `sending`, and it
// becomes `sent` once the write lands, without a restart), /healthz is 503 while writes fail and
// 200 again after. The disk is real SQLite that cannot grow: PRAGMA max_page_count at the current
// size, and the event log's last page filled, so the next row anywhere needs a page there is none for.
import { request, type HttpReply } from '@tether/test-helpers';
import { BodyBudget } from '../src/http/body.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../src/api/routes.js';
import { createHarness, FRIEND, type Harness } from '../src/app/testing/harness.js';
import { listenUnix, type Listener } from '../src/http/server.js';
import type { Message } from '../src/protocol/index.js';

let harness: Harness;
let api: Listener;

beforeAll(async () => {
  harness = createHarness();
  await harness.start();
  api = await listenUnix(harness.store.db.name.replace(/tether\.db$/, 'tether.sock'), createApiHandler({ service: harness.service, metrics: () => Promise.reject(new Error('unused')), logger: harness.logger, budget: new BodyBudget(64 * 1024 * 1024) }));
});
afterAll(async () => {
  await api.close();
  await harness.close();
});

const call = <T = unknown>(method: string, path: string, json?: unknown): Promise<HttpReply<T>> =>
  request<T>(`http://tetherd${path}`, { method, socketPath: (api.address as { socketPath: string }).socketPath, ...(json === undefined ? {} : { json }) });

/** The file system is full: the database cannot grow, and no page has room for another event. */
function fillTheDisk(): void {
  const { db } = harness.store;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const filler = db.prepare("INSERT INTO events (kind, at, data) VALUES ('filler', 0, 'x')");
  for (;;) {
    try {
      filler.run();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_FULL') return;
      throw error;
    }
  }
}

function freeTheDisk(): void {
  const { db } = harness.store;
  db.prepare("DELETE FROM events WHERE kind = 'filler'").run();
  db.pragma('max_page_count = 1073741823');
}

const state = async (id: string): Promise<string> => (await harness.service.message(id)).state;

describe('a full disk in the middle of a drain', () => {
  it('keeps order, never sends twice, keeps the message sendable, and reports unhealthy until writes land', async () => {
    harness.transport.queueOutcomes((message) => {
      // Signal accepts the first message; by the time its outcome is written, the disk is full
      if (message.message === 'first') fillTheDisk();
      return { kind: 'sent', backendId: '1750000000001' };
    });
    // one batch, so all three are queued before the first is sent
    const batch = await call<{ messages: Message[] }>('POST', '/v1/messages', { messages: ['first', 'second', 'third'].map((message) => ({ recipients: [FRIEND], message })) });
    const [first, second, third] = batch.json.messages.map((message) => message.id) as [string, string, string];
    await harness.until(() => harness.logger.messages('error').includes('outbox drain failed; retrying'), 'the failed write of the outcome');
    expect(harness.transport.sent.map((message) => message.message)).toEqual(['first']);

    // while writes fail: unhealthy, the message still `sending` and not cancellable, nothing overtakes it
    expect(await call('GET', '/healthz')).toMatchObject({ status: 503, json: { ok: false } });
    expect(await state(first)).toBe('sending');
    expect(await call('POST', `/v1/messages/${first}/cancel`)).toMatchObject({ status: 409, json: { error: { code: 'conflict', message: `message ${first} is sending; only queued or unknown messages can be cancelled` } } });
    const refused = await call('POST', '/v1/messages', { recipients: [FRIEND], message: 'while full' });
    expect(refused).toMatchObject({ status: 503, json: { error: { code: 'storage-failed' } } });
    expect(refused.headers.get('retry-after')).toBe('5');
    for (let retry = 0; retry < 3; retry++) await harness.clock.advanceAsync(30_000);
    expect(harness.transport.sent.map((message) => message.message)).toEqual(['first']);
    expect([await state(second), await state(third)]).toEqual(['queued', 'queued']);

    // space again: the kept outcome lands first, then the queue goes on in order
    freeTheDisk();
    await harness.clock.advanceAsync(30_000);
    await harness.until(async () => (await state(third)) === 'sent', 'the rest of the queue');
    expect(harness.transport.sent.map((message) => message.message)).toEqual(['first', 'second', 'third']);
    expect(await harness.service.message(first)).toMatchObject({ state: 'sent', attempts: 1, ambiguous: false, signalTimestamp: 1750000000001 });
    expect(await call('POST', `/v1/messages/${first}/cancel`)).toMatchObject({ status: 409, json: { error: { message: `message ${first} is sent; only queued or unknown messages can be cancelled` } } });
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, json: { ok: true } });
    const told = (await harness.events.after(0, 100, 'message')).map((event) => JSON.parse(event.data) as Message).filter((message) => message.id === first).map((message) => message.state);
    expect(told).toEqual(['queued', 'sending', 'sent']);
  });
});
