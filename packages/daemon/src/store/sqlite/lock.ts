// One daemon per state directory. The lock is an exclusive SQLite lock on
// <state-dir>/tetherd.lock, held for the life of the process: the operating system releases it
// when the process dies, even by SIGKILL, so a stale lock can never keep tetherd down.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { writePrivateFile } from '../../runtime/state-files.js';

export interface Lock {
  release(): void;
}

export type LockResult = { readonly ok: true; readonly lock: Lock } | { readonly ok: false; readonly holder: string };

export function acquireLock(stateDir: string, details: { readonly socket: string }): LockResult {
  const file = path.join(stateDir, 'tetherd.lock');
  const infoFile = path.join(stateDir, 'tetherd.pid');
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    if (db?.open) db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return { ok: false, holder: describeHolder(infoFile) };
    throw new Error(`the lock file ${file} cannot be used (${(error as Error).message}); if no tetherd runs on ${stateDir}, remove it and start again`);
  }
  const held = db;
  try {
    writePrivateFile(infoFile, JSON.stringify({ pid: process.pid, socket: details.socket, startedAt: new Date().toISOString() }) + '\n');
  } catch (error) {
    held.close();
    throw new Error(`cannot write ${infoFile} (${(error as Error).message}); remove whatever is at that path`);
  }
  return {
    ok: true,
    lock: {
      release: () => {
        if (!held.open) return;
        held.exec('ROLLBACK');
        held.close();
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
