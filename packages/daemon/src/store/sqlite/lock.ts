// One daemon per state directory. The lock is an exclusive SQLite lock on
// <state-dir>/tetherd.lock, held for the life of the process: the operating system releases it
// when the process dies, even by SIGKILL, so a stale lock can never keep tetherd down.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface Lock {
  release(): void;
}

export type LockResult = { readonly ok: true; readonly lock: Lock } | { readonly ok: false; readonly holder: string };

export function acquireLock(stateDir: string, details: { readonly socket: string }): LockResult {
  const file = path.join(stateDir, 'tetherd.lock');
  const infoFile = path.join(stateDir, 'tetherd.pid');
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    return { ok: false, holder: describeHolder(infoFile) };
  }
  writeFileSync(infoFile, JSON.stringify({ pid: process.pid, socket: details.socket, startedAt: new Date().toISOString() }) + '\n');
  return {
    ok: true,
    lock: {
      release: () => {
        if (!db.open) return;
        db.exec('ROLLBACK');
        db.close();
      },
    },
  };
}

function describeHolder(infoFile: string): string {
  try {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { pid?: number; socket?: string; startedAt?: string };
    return `tetherd pid ${info.pid ?? '?'} (socket ${info.socket ?? '?'}, started ${info.startedAt ?? '?'})`;
  } catch {
    return 'another tetherd';
  }
}
