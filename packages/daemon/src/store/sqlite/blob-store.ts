// Attachment bytes on SQLite: 1 MiB-ish chunks in `blob_chunks`, one `blobs` row each saying which
// message (if any) names it. Every statement touches one chunk, so no call holds the event loop
// for long however large the attachment; deleting a large blob goes a few chunks per turn.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BlobStore } from '../../app/ports.js';
import { blobMissing } from '../records.js';
import type { Db } from './database.js';

/** Chunks deleted per turn of the event loop when a blob is discarded. */
const DISCARD_STEP = 8;

export class SqliteBlobStore implements BlobStore {
  readonly #statements;
  readonly #append;

  constructor(db: Db) {
    this.#statements = {
      create: db.prepare('INSERT INTO blobs (id, created_at) VALUES (?, ?)'),
      chunk: db.prepare('INSERT INTO blob_chunks (blob_id, seq, data) VALUES (?, ?, ?)'),
      exists: db.prepare('SELECT 1 FROM blobs WHERE id = ?'),
      read: db.prepare('SELECT data FROM blob_chunks WHERE blob_id = ? AND seq = ?'),
      unlinked: db.prepare('SELECT 1 FROM blobs WHERE id = ? AND message_id IS NULL'),
      orphan: db.prepare('SELECT id FROM blobs WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT 1'),
      dropChunks: db.prepare('DELETE FROM blob_chunks WHERE rowid IN (SELECT rowid FROM blob_chunks WHERE blob_id = ? ORDER BY seq DESC LIMIT ?)'),
      dropBlob: db.prepare('DELETE FROM blobs WHERE id = ? AND message_id IS NULL AND NOT EXISTS (SELECT 1 FROM blob_chunks WHERE blob_id = ?)'),
      // a blob partly deleted can never be linked (intake links only blobs with created_at > 0)
      spoil: db.prepare('UPDATE blobs SET created_at = 0 WHERE id = ?'),
    };
    this.#append = db.transaction((id: string, seq: number, bytes: Uint8Array, now: number) => {
      if (seq === 0) this.#statements.create.run(id, now);
      this.#statements.chunk.run(id, seq, bytes);
    });
  }

  append(id: string, seq: number, bytes: Uint8Array, now: number): void {
    this.#append(id, seq, bytes, now);
  }

  async *read(id: string): AsyncIterable<Uint8Array> {
    if (this.#statements.exists.get(id) === undefined) throw blobMissing(id);
    for (let seq = 0; ; seq++) {
      const row = this.#statements.read.get(id, seq) as { data: Buffer } | undefined;
      if (row === undefined) return;
      yield row.data;
    }
  }

  async discard(id: string): Promise<void> {
    while (this.#statements.unlinked.get(id) !== undefined) {
      if (this.#drop(id, DISCARD_STEP) < DISCARD_STEP) return;
      await nextTurn();
    }
  }

  purge(unlinkedBefore: number, limit: number): number {
    let removed = 0;
    while (removed < limit) {
      const orphan = this.#statements.orphan.get(unlinkedBefore) as { id: string } | undefined;
      if (orphan === undefined) break;
      const dropped = this.#drop(orphan.id, limit - removed);
      removed += dropped;
      if (dropped === 0) break;
    }
    return removed;
  }

  /** Deletes up to `limit` chunks of an unlinked blob, and the blob once it has none; returns how many chunks (the blob row counts as one when it had none). */
  #drop(id: string, limit: number): number {
    this.#statements.spoil.run(id);
    const chunks = this.#statements.dropChunks.run(id, limit).changes;
    if (chunks < limit) return chunks + this.#statements.dropBlob.run(id, id).changes;
    return chunks;
  }
}
