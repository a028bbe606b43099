// The WAL checkpointer backs off while nothing is committed (an idle daemon is not woken every
// second) and returns to its interval at the first new frame.
import { createRequire } from 'node:module';
import { tempDir } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type CheckpointReport, type Checkpointer } from './checkpointer.js';
import { openDatabase, type Db } from './database.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');
const open: { db?: Db; checkpointer?: Checkpointer } = {};
afterEach(async () => {
  await open.checkpointer?.stop();
  open.db?.close();
});

describe('startCheckpointer', () => {
  it('doubles its wait while nothing is committed, up to the idle limit, and is back to its interval after a commit', async () => {
    const file = tempDir().join('tether.db');
    const db = (open.db = openDatabase(file));
    db.pragma('wal_autocheckpoint = 0');
    db.exec("INSERT INTO meta (key, value) VALUES ('a', '1')");
    const reports: CheckpointReport[] = [];
    const errors: string[] = [];
    let wanted: { test: (report: CheckpointReport) => boolean; resolve: () => void } | undefined;
    const next = (test: (report: CheckpointReport) => boolean): Promise<void> =>
      new Promise((resolve) => {
        wanted = { test, resolve };
      });
    const idle = next((report) => report.nextMs === 40);
    open.checkpointer = startCheckpointer(file, {
      intervalMs: 5,
      idleMaxMs: 40,
      driver,
      onError: (message) => errors.push(message),
      onCheckpoint: (report) => {
        reports.push(report);
        if (wanted?.test(report)) wanted.resolve();
      },
    });
    await idle;
    expect(reports.map((report) => report.nextMs)).toEqual([5, 10, 20, 40]);
    const written = next((report) => report.nextMs === 5);
    db.exec("INSERT INTO meta (key, value) VALUES ('b', '2')");
    await written;
    // the write restarted the checkpointed WAL: another frame count, seen as new
    expect(reports.at(-1)!.frames).not.toBe(reports.at(-2)!.frames);
    expect(errors).toEqual([]);
  });
});
