import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { outboxStoreContract } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import { getMeta, migrate, openDatabase, SCHEMA_VERSION, setMeta } from './database.js';
import { EventLog } from './event-log.js';
import { SqliteOutboxStore } from './sqlite-outbox-store.js';

const fresh = () => openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'tether-db-')), 'tether.db'));

describe('SqliteOutboxStore keeps the store contract', () => {
  const make = () => new SqliteOutboxStore(fresh(), { maxQueued: 3 });
  for (const check of outboxStoreContract(make, (text) => ({ recipients: ['+4915100000001'], message: text }))) it(check.name, check.run);
});

describe('SqliteOutboxStore', () => {
  it('survives reopening: order, fields and positions after a restart', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tether-db-')), 'tether.db');
    let db = openDatabase(file);
    let store = new SqliteOutboxStore(db, { maxQueued: 10 });
    const a = store.add({ recipients: ['+4915100000001'], message: 'a' }, { now: 1, expiresAt: 99, idempotencyKey: 'k1', requestHash: 'h1' });
    const b = store.add({ recipients: ['+4915100000002'], message: 'b' }, { now: 2 });
    store.update(a.id, { state: 'sending', attempts: 1 }, 3);
    db.close();
    db = openDatabase(file);
    store = new SqliteOutboxStore(db, { maxQueued: 10 });
    expect(store.inState('sending').map((record) => record.id)).toEqual([a.id]);
    expect(store.get(a.id)).toMatchObject({ expiresAt: 99, attempts: 1 });
    expect(store.findByIdempotencyKey('k1')).toEqual({ id: a.id, requestHash: 'h1' });
    const c = store.add({ recipients: ['+4915100000003'], message: 'c' }, { now: 4 });
    store.update(a.id, { state: 'queued' }, 5);
    expect(store.head()?.id).toBe(a.id);
    store.update(a.id, { state: 'sent', backendId: '777' }, 6);
    expect(store.head()?.id).toBe(b.id);
    expect(store.idsBySignalTimestamp(777)).toEqual([a.id]);
    expect(store.list({ limit: 10 }).map((summary) => summary.id)).toEqual([c.id, b.id, a.id]);
    expect(store.list({ limit: 10, state: 'sent' })).toEqual([expect.objectContaining({ id: a.id, signalTimestamp: 777, recipients: ['+4915100000001'] })]);
    expect(store.purgeFinished(7)).toBe(1);
    expect(store.get(a.id)).toBeUndefined();
  });
});

describe('database', () => {
  it('migrates to the current schema once and refuses a newer one', () => {
    const db = fresh();
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    migrate(db);
    setMeta(db, 'a', '1');
    setMeta(db, 'a', '2');
    expect(getMeta(db, 'a')).toBe('2');
    expect(getMeta(db, 'b')).toBeUndefined();
    const newer = new Database(':memory:');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(newer)).toThrow(/newer than this tetherd/);
  });
});

describe('EventLog', () => {
  it('gives monotonic ids, refuses duplicate keys, replays after an id and purges by age', () => {
    const log = new EventLog(fresh());
    const first = log.append('incoming', 10, { text: 'a' }, 'key-1');
    expect(log.append('incoming', 11, { text: 'a again' }, 'key-1')).toBeUndefined();
    const second = log.append('state', 12, { to: 'connected' });
    const third = log.append('incoming', 13, { text: 'b' }, 'key-2');
    const ids = [first!.id, second!.id, third!.id];
    expect(ids[0]).toBeLessThan(ids[1]!);
    expect(ids[1]).toBeLessThan(ids[2]!);
    expect(log.lastId()).toBe(ids[2]);
    expect(log.after(ids[0]!, 10).map((event) => event.id)).toEqual([ids[1], ids[2]]);
    expect(log.after(0, 10, 'incoming').map((event) => JSON.parse(event.data))).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(log.purge(12, 13)).toBe(2); // incoming before 12 (the first), others before 13 (the state event)
    expect(log.after(0, 10).map((event) => event.id)).toEqual([ids[2]]);
    // the dedupe key of a purged event is free again only after retention: documented
    expect(log.append('incoming', 20, {}, 'key-2')).toBeUndefined();
  });
});
