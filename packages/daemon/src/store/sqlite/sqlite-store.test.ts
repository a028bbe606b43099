import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { outboxStoreContract } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import type { Submission } from '../../app/ports.js';
import { migrate, openDatabase, SCHEMA_VERSION } from './database.js';
import { openSqliteStore } from './index.js';
import { SqliteEventStore } from './event-store.js';
import { SqliteMessageStore } from './message-store.js';
import { SqliteLossWindowStore, SqliteMetaStore } from './small-stores.js';

const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'tether-db-')), 'tether.db');
const one = (text: string, extra: Partial<Submission> = {}): Submission => ({ messages: [{ message: { recipients: ['+4915100000001'], message: text } }], requestHash: `h-${text}`, ...extra });

describe('SqliteMessageStore keeps the store contract', () => {
  const make = () => new SqliteMessageStore(openDatabase(file()), { maxQueued: 3 });
  for (const check of outboxStoreContract(make, (text) => ({ recipients: ['+4915100000001'], message: text }))) it(check.name, check.run);
});

describe('SqliteMessageStore', () => {
  it('survives reopening: order, fields and positions after a restart', async () => {
    const where = file();
    let store = openSqliteStore(where, { maxQueued: 10 });
    const [a] = store.messages.submit([one('a', { idempotencyKey: 'k1', messages: [{ message: { recipients: ['+4915100000001'], message: 'a' }, expiresAt: 99 }] })], 1);
    const [b] = store.messages.submit([one('b')], 2);
    const aId = a!.ok ? a!.records[0]!.id : '';
    const bId = b!.ok ? b!.records[0]!.id : '';
    store.messages.update(aId, { state: 'sending', attempts: 1 }, 3);
    await store.close();
    store = openSqliteStore(where, { maxQueued: 10 });
    expect(store.messages.inState('sending').map((record) => record.id)).toEqual([aId]);
    expect(store.messages.get(aId)).toMatchObject({ expiresAt: 99, attempts: 1 });
    const [again] = store.messages.submit([one('a', { idempotencyKey: 'k1', messages: [{ message: { recipients: ['+4915100000001'], message: 'a' }, expiresAt: 99 }] })], 4);
    expect(again).toMatchObject({ ok: true, created: false, records: [{ id: aId }] });
    const [c] = store.messages.submit([one('c')], 4);
    const cId = c!.ok ? c!.records[0]!.id : '';
    store.messages.update(aId, { state: 'queued' }, 5);
    expect(store.messages.head()?.id).toBe(aId);
    store.messages.update(aId, { state: 'sent', backendId: '777' }, 6);
    expect(store.messages.head()?.id).toBe(bId);
    expect(store.messages.idsForTimestamp(777)).toEqual([aId]);
    expect(store.messages.findByBackendId('777').map((record) => record.id)).toEqual([aId]);
    expect(store.messages.list({ limit: 10 }).map((summary) => summary.id)).toEqual([cId, bId, aId]);
    expect(store.messages.list({ limit: 10, before: cId }).map((summary) => summary.id)).toEqual([bId, aId]);
    expect(store.messages.list({ limit: 10, state: 'sent' })).toEqual([expect.objectContaining({ id: aId, signalTimestamp: 777, recipients: ['+4915100000001'] })]);
    expect(store.messages.counts()).toEqual({ queued: 2, sending: 0, failed: 0, unknown: 0, oldestQueuedAt: 2 });
    expect(store.messages.purgeFinished(7, 100)).toBe(1);
    expect(store.messages.get(aId)).toBeUndefined();
    expect(store.messages.idsForTimestamp(777)).toEqual([aId]);
    expect(store.messages.purgeTimestamps(7, 100)).toBe(1);
    await store.close();
  });

  it('commits a request all or nothing, refuses a reused key with another body, and a request the outbox has no room for', async () => {
    const store = openSqliteStore(file(), { maxQueued: 3 });
    const batch: Submission = {
      messages: [1, 2].map((n) => ({ message: { recipients: ['+4915100000001'], message: `b${n}` } })),
      requestHash: 'batch',
      idempotencyKey: 'k',
    };
    const results = store.messages.submit([batch, one('x', { idempotencyKey: 'k' }), one('y'), one('z')], 1);
    expect(results.map((result) => (result.ok ? result.records.length : result.error.code))).toEqual([2, 'idempotency-conflict', 1, 'outbox-full']);
    expect(store.messages.counts().queued).toBe(3);
    await store.close();
  });
});

describe('database', () => {
  it('migrates to the current schema once and refuses a newer one', () => {
    const db = openDatabase(file());
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    migrate(db);
    const newer = new Database(':memory:');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(newer)).toThrow(/newer than this tetherd/);
  });

  it('keeps named values', async () => {
    const store = openSqliteStore(file(), { maxQueued: 3 });
    store.meta.set('a', '1');
    store.meta.set('a', '2');
    expect(store.meta.get('a')).toBe('2');
    expect(store.meta.get('b')).toBeUndefined();
    expect(store.writable(1)).toBe(true);
    await store.close();
    expect(store.writable(2)).toBe(false);
  });
});

describe('SqliteEventStore', () => {
  it('gives monotonic ids, refuses duplicate keys, replays after an id and purges by age', () => {
    const { events } = openSqliteStore(file(), { maxQueued: 3 });
    const [first, duplicate, second, third] = events.append([
      { kind: 'incoming', at: 10, data: { text: 'a' }, dedupeKey: 'key-1' },
      { kind: 'incoming', at: 11, data: { text: 'a again' }, dedupeKey: 'key-1' },
      { kind: 'state', at: 12, data: { to: 'connected' } },
      { kind: 'incoming', at: 13, data: { text: 'b' }, dedupeKey: 'key-2' },
    ]);
    expect(duplicate).toBeUndefined();
    const ids = [first!.id, second!.id, third!.id];
    expect(ids[0]).toBeLessThan(ids[1]!);
    expect(ids[1]).toBeLessThan(ids[2]!);
    expect(events.lastId()).toBe(ids[2]);
    expect(events.lastId('state')).toBe(ids[1]);
    expect(events.lastAt()).toBe(13);
    expect(events.countAfter(0, 'incoming')).toBe(2);
    expect(events.after(ids[0]!, 10).map((event) => event.id)).toEqual([ids[1], ids[2]]);
    expect(events.after(0, 10, 'incoming').map((event) => JSON.parse(event.data))).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(events.purge(12, 13, 100)).toBe(2); // incoming before 12 (the first), others before 13 (the state event)
    expect(events.after(0, 10).map((event) => event.id)).toEqual([ids[2]]);
    // the dedupe key of a purged event is free again only after retention: documented
    expect(events.append([{ kind: 'incoming', at: 20, data: {}, dedupeKey: 'key-2' }])).toEqual([undefined]);
  });
});

describe('query plans', () => {
  it('use an index for every query the stores prepare: nothing scans the backlog or sorts it', () => {
    const db = openDatabase(file());
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    const messages = new SqliteMessageStore(db, { maxQueued: 10 });
    messages.update(messages.add({ recipients: ['+4915100000001'], message: 'x' }, { now: 1 }).id, { state: 'sent', attempts: 1, error: 'e' }, 2);
    new SqliteEventStore(db);
    new SqliteMetaStore(db);
    new SqliteLossWindowStore(db);
    db.prepare = prepare;
    const reads = prepared.filter((sql) => /^\s*(SELECT|DELETE|UPDATE)/.test(sql));
    expect(reads.length).toBeGreaterThan(20);
    for (const sql of reads) {
      const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1]!))];
      const positional = (sql.match(/\?/g) ?? []).length;
      const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      const rows = (named.length > 0 ? explain.all(Object.fromEntries(named.map((name) => [name, null]))) : explain.all(...Array<null>(positional).fill(null))) as { detail: string }[];
      const detail = rows.map((row) => row.detail).join('; ');
      // walking the table in rowid order and stopping at LIMIT reads only the rows it returns
      if (/ORDER BY id (DESC )?LIMIT \?$/.test(sql.trim()) && /^SCAN \w+$/.test(detail)) continue;
      expect(detail, `${sql.replace(/\s+/g, ' ')} → ${detail}`).not.toMatch(/\bSCAN (messages|events|signal_timestamps|idempotency_keys|loss_windows)\b(?! USING)/);
      expect(detail, `${sql.replace(/\s+/g, ' ')} → ${detail}`).not.toMatch(/USE TEMP B-TREE/);
    }
  });
});
