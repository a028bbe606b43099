import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { noopLogger, systemClock } from '@tether/core';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import { Housekeeping } from './housekeeping.js';

const HOUR = 3_600_000;

describe('retention purge', () => {
  it('removes a million finished messages in chunks, never holding the event loop for 20 ms', async () => {
    const store = openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'tether-purge-')), 'tether.db'), { maxQueued: 10 });
    const old = Date.now() - 400 * HOUR;
    // filled inside SQLite (positions below the store's, so its own next position stays free)
    store.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
         INSERT INTO messages (id, position, state, payload, recipients, created_at, updated_at) SELECT 'm' || i, -i, 'sent', '{}', '[]', ?, ? FROM n`,
      )
      .run(old, old);
    const keep = store.messages.submit([{ messages: [{ message: { recipients: ['+4915100000001'], message: 'kept' } }], requestHash: 'h' }], Date.now());
    const housekeeping = new Housekeeping({
      messages: store.messages,
      events: store.events,
      expire: async () => undefined,
      clock: systemClock,
      logger: noopLogger,
      sentRetentionHours: 168,
      inboundRetentionHours: 168,
    });
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    await housekeeping.purge();
    delay.disable();
    expect(store.messages.counts()).toMatchObject({ queued: 1, sending: 0 });
    expect(store.messages.list({ limit: 10 }).map((message) => message.id)).toEqual([keep[0]!.ok ? keep[0]!.records[0]!.id : '']);
    expect(delay.max / 1e6, `longest event-loop delay ${(delay.max / 1e6).toFixed(1)} ms`).toBeLessThan(20);
    await store.close();
  }, 120_000);
});
