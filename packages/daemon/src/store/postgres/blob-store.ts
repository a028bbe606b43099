// Attachment bytes on PostgreSQL: 1 MiB-ish chunks in `blob_chunks`, one `blobs` row each saying
// which message (if any) names it (migration 2). Every call is one statement: a read fetches one
// chunk per query, so memory holds one chunk however large the attachment. Blobs take no write
// lock (uploads do not wait for intake); intake links them under it, in the message's transaction.
import type { BlobStore } from '../../app/ports.js';
import { blobMissing } from '../records.js';
import type { Database } from './database.js';

/** Chunk 0 creates the blob; a later chunk of a blob that is gone breaks the foreign key. */
const APPEND = `WITH blob AS (INSERT INTO blobs (id, created_at) SELECT $1, $4::bigint WHERE $2::integer = 0)
  INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)`;

/** One chunk, and whether the blob is still there (no row: gone; a NULL chunk: past its end). */
const READ = 'SELECT blob_chunks.data FROM blobs LEFT JOIN blob_chunks ON blob_chunks.blob_id = blobs.id AND blob_chunks.seq = $2 WHERE blobs.id = $1';

/**
 * Orphans cost one unit per chunk (last first) and one for the row, taken in age order up to the
 * limit: a row goes only with its last chunk, and a blob left partly deleted is marked doomed
 * (created_at 0), so that intake never links it. Blobs that intake or another sweep holds are
 * skipped.
 */
const PURGE = `WITH orphans AS (
    SELECT id, created_at FROM blobs WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ), units AS (
    SELECT orphans.id, unit.seq FROM orphans
      CROSS JOIN LATERAL ((SELECT seq FROM blob_chunks WHERE blob_id = orphans.id ORDER BY seq DESC LIMIT $2) UNION ALL SELECT NULL) AS unit
    ORDER BY orphans.created_at, orphans.id, unit.seq DESC NULLS LAST LIMIT $2
  ), chunks AS (
    DELETE FROM blob_chunks USING units WHERE blob_chunks.blob_id = units.id AND blob_chunks.seq = units.seq RETURNING 1
  ), emptied AS (
    DELETE FROM blobs WHERE id IN (SELECT id FROM units WHERE seq IS NULL) RETURNING 1
  ), doomed AS (
    UPDATE blobs SET created_at = 0 WHERE created_at <> 0 AND id IN (SELECT id FROM units) AND id NOT IN (SELECT id FROM units WHERE seq IS NULL)
  )
  SELECT (SELECT count(*) FROM chunks) + (SELECT count(*) FROM emptied) AS removed`;

const FOREIGN_KEY_VIOLATION = '23503';

export class PostgresBlobStore implements BlobStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async append(id: string, seq: number, bytes: Uint8Array, now: number): Promise<void> {
    try {
      await this.#db.query(APPEND, [id, seq, bytes, now]);
    } catch (error) {
      throw (error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION ? blobMissing(id) : error;
    }
  }

  async *read(id: string): AsyncIterable<Uint8Array> {
    for (let seq = 0; ; seq++) {
      const { rows } = await this.#db.query<{ data: Buffer | null }>(READ, [id, seq]);
      if (rows[0] === undefined) throw blobMissing(id);
      if (rows[0].data === null) return;
      yield rows[0].data;
    }
  }

  async discard(id: string): Promise<void> {
    // the chunks go with the row (ON DELETE CASCADE)
    await this.#db.query('DELETE FROM blobs WHERE id = $1 AND message_id IS NULL', [id]);
  }

  async purge(unlinkedBefore: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const { rows } = await this.#db.query<{ removed: number }>(PURGE, [unlinkedBefore, limit]);
    return rows[0]!.removed;
  }
}
