// Attachment bytes beside the SQLite database: each chunk (about 1 MiB) is a file of its own in
// `blobs/` next to `tether.db`, and the `blobs` table says which message (if any) names a blob and
// how many chunks it has. The bytes go through the file system's own calls on libuv's threads, so
// the event loop never waits on the disk for them, and they never pass through the WAL (written
// there and again by the checkpoint, and a WAL grown by hundreds of megabytes costs the thread
// that truncates it). A chunk is counted before its file is written: a crash in between leaves a
// count without a file, which reading reports and the sweep ignores, never a file nobody counts.
import { chmodSync, constants, mkdirSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../app/ports.js';
import { blobMissing } from '../records.js';
import type { Db } from './database.js';

/** Blob ids are ours (intake makes them), but a file name is never built from anything else. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class SqliteBlobStore implements BlobStore {
  readonly #dir: string;
  readonly #statements;

  /** `dir`: where the chunk files live (created private if missing). */
  constructor(db: Db, dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.#statements = {
      create: db.prepare('INSERT INTO blobs (id, created_at, chunks) VALUES (?, ?, 1)'),
      count: db.prepare('UPDATE blobs SET chunks = ? + 1 WHERE id = ? AND chunks = ?'),
      chunks: db.prepare('SELECT chunks FROM blobs WHERE id = ?'),
      unlinked: db.prepare('SELECT chunks FROM blobs WHERE id = ? AND message_id IS NULL'),
      orphan: db.prepare('SELECT id, chunks FROM blobs WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT 1'),
      // a blob partly deleted can never be linked (intake links only blobs with created_at > 0)
      shrink: db.prepare('UPDATE blobs SET chunks = ?, created_at = 0 WHERE id = ? AND message_id IS NULL'),
      drop: db.prepare('DELETE FROM blobs WHERE id = ? AND message_id IS NULL'),
    };
  }

  async append(id: string, seq: number, bytes: Uint8Array, now: number): Promise<void> {
    if (seq === 0) this.#statements.create.run(id, now);
    else if (this.#statements.count.run(seq, id, seq).changes === 0) throw blobMissing(id);
    // O_EXCL: never through a file (or a link) that is there already
    const file = await open(this.#file(id, seq), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await file.writeFile(bytes);
    } finally {
      await file.close();
    }
  }

  async *read(id: string): AsyncIterable<Uint8Array> {
    const row = this.#statements.chunks.get(id) as { chunks: number } | undefined;
    if (row === undefined) throw blobMissing(id);
    for (let seq = 0; seq < row.chunks; seq++) {
      try {
        yield await readFile(this.#file(id, seq), { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobMissing(id);
        throw error;
      }
    }
  }

  async discard(id: string): Promise<void> {
    const row = this.#statements.unlinked.get(id) as { chunks: number } | undefined;
    if (row !== undefined) await this.#drop(id, row.chunks, row.chunks);
  }

  async purge(unlinkedBefore: number, limit: number): Promise<number> {
    let removed = 0;
    while (removed < limit) {
      const orphan = this.#statements.orphan.get(unlinkedBefore) as { id: string; chunks: number } | undefined;
      if (orphan === undefined) break;
      removed += await this.#drop(orphan.id, orphan.chunks, limit - removed);
    }
    return removed;
  }

  /** Deletes up to `limit` of an unlinked blob's last chunks, and the blob once it has none; returns how many (the blob row counts as one when it had none). */
  async #drop(id: string, chunks: number, limit: number): Promise<number> {
    const kept = Math.max(0, chunks - limit);
    this.#statements.shrink.run(kept, id);
    for (let seq = chunks - 1; seq >= kept; seq--) {
      await unlink(this.#file(id, seq)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    if (kept > 0) return chunks - kept;
    return chunks + this.#statements.drop.run(id).changes;
  }

  #file(id: string, seq: number): string {
    if (!SAFE_ID.test(id)) throw blobMissing(id);
    return path.join(this.#dir, `${id}.${seq}`);
  }
}
