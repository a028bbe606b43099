// Opening the database and the state directory's lock: every failure is one line naming the
// file, the cause and the fix; a schema newer than this tetherd is refused; the lock names the
// daemon that holds it and is free again once released.
import { writeFileSync } from 'node:fs';
import { tempDir } from '@tether/test-helpers';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, migrate, openDatabase, openFailure, SCHEMA_VERSION } from './database.js';
import { openSqliteStore } from './index.js';
import { acquireLock } from './lock.js';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('openFailure', () => {
  it('names the cause and the fix for each way a database cannot be used', () => {
    expect(openFailure('/s/tether.db', coded('SQLITE_CORRUPT', 'database disk image is malformed'))).toBe(
      'the database /s/tether.db is damaged (database disk image is malformed); tetherd will not run on it. Recover what it holds with: sqlite3 /s/tether.db ".recover" | sqlite3 /s/tether.db.recovered, then move /s/tether.db.recovered to /s/tether.db',
    );
    expect(openFailure('/s/tether.db', coded('SQLITE_NOTADB', 'file is not a database'))).toMatch(/is damaged/);
    expect(openFailure('/s/tether.db', coded('SQLITE_READONLY', 'attempt to write a readonly database'))).toMatch(/cannot be written .*writable state directory \(TETHER_STATE_DIR\) on a read-write file system$/);
    expect(openFailure('/s/tether.db', new Error('EROFS: read-only file system'))).toMatch(/cannot be written/);
    expect(openFailure('/s/tether.db', coded('SQLITE_FULL', 'database or disk is full'))).toBe('the database /s/tether.db cannot be written: the disk is full; free space on its file system');
    expect(openFailure('/s/tether.db', new Error('something\nelse'))).toBe('cannot open the database /s/tether.db: something; else');
  });
});

describe('openDatabase', () => {
  it('migrates a new database to the current schema, and refuses one newer than it understands', () => {
    const directory = tempDir();
    const db = openDatabase(directory.join('tether.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(`the database schema is version ${SCHEMA_VERSION + 1}, newer than this tetherd understands (${SCHEMA_VERSION}); upgrade tetherd`);
    db.close();
    expect(() => openDatabase(directory.join('tether.db'))).toThrow(DatabaseOpenError);
  });

  it('refuses a file that is not a database, with the command that recovers one', () => {
    const directory = tempDir();
    writeFileSync(directory.join('tether.db'), 'not sqlite at all'.repeat(100));
    expect(() => openDatabase(directory.join('tether.db'))).toThrow(/is damaged .*\.recover/);
  });
});

describe('acquireLock', () => {
  it('is held by one daemon at a time, names the holder, and is free once released', () => {
    const directory = tempDir();
    const first = acquireLock(directory.path, { socket: '/run/tether.sock' });
    if (!first.ok) throw new Error('the first lock was refused');
    const second = acquireLock(directory.path, { socket: '/elsewhere.sock' });
    expect(second).toEqual({ ok: false, holder: expect.stringMatching(new RegExp(`^tetherd pid ${process.pid} \\(socket /run/tether\\.sock, started \\d{4}-`)) });
    first.lock.release();
    first.lock.release();
    const third = acquireLock(directory.path, { socket: '/run/tether.sock' });
    expect(third.ok).toBe(true);
    if (third.ok) third.lock.release();
  });

  it('says "another tetherd" when the holder left no readable note, and refuses a garbage lock file', () => {
    const directory = tempDir();
    const holder = new Database(directory.join('tetherd.lock'));
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    expect(acquireLock(directory.path, { socket: 's' })).toEqual({ ok: false, holder: 'another tetherd' });
    holder.exec('ROLLBACK');
    holder.close();
    const garbage = tempDir();
    writeFileSync(garbage.join('tetherd.lock'), 'garbage'.repeat(200));
    expect(() => acquireLock(garbage.path, { socket: 's' })).toThrow(/the lock file .*tetherd\.lock cannot be used .*remove it and start again/);
  });
});

describe('writable (what /healthz reports)', () => {
  it('is false once the database cannot grow, though rewriting the heartbeat in place still works', async () => {
    const store = openSqliteStore(tempDir().join('tether.db'), { maxQueued: 10 });
    expect(store.writable(1)).toBe(true);
    store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
    expect(store.writable(2)).toBe(false);
    expect(store.meta.get('health')).toBe('2');
    store.db.pragma('max_page_count = 1073741823');
    expect(store.writable(3)).toBe(true);
    // the space it takes to prove there is some is given back
    expect(store.meta.get('health-room')).toBeUndefined();
    await store.close();
    expect(store.writable(4)).toBe(false);
  });
});
