// Delivery and read receipts: Signal names our sent messages by their timestamps. The map from
// timestamp to message id outlives the sent rows themselves, so a late receipt is still
// attributed. A message only moves forward: sent → delivered → read.
import type { MessageState } from '@tether/core';
import type { Db } from './database.js';

const RANK: Partial<Record<MessageState, number>> = { sent: 0, delivered: 1, read: 2 };

export type ReceiptType = 'delivery' | 'read' | 'viewed';

export class ReceiptMap {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      remember: db.prepare('INSERT INTO signal_timestamps (timestamp, message_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      lookup: db.prepare('SELECT message_id FROM signal_timestamps WHERE timestamp = ?'),
      state: db.prepare('SELECT state FROM messages WHERE id = ?'),
      advance: db.prepare('UPDATE messages SET state = ?, updated_at = ? WHERE id = ?'),
      purge: db.prepare('DELETE FROM signal_timestamps WHERE at < ?'),
    };
  }

  remember(timestamp: number, messageId: string, now: number): void {
    this.#statements.remember.run(timestamp, messageId, now);
  }

  /**
   * Applies a receipt. Returns the ids of messages whose state moved forward, and the ids the
   * receipt named whose rows were already purged.
   */
  apply(type: ReceiptType, timestamps: readonly number[], now: number): { readonly advanced: string[]; readonly purged: string[] } {
    const target: MessageState = type === 'delivery' ? 'delivered' : 'read';
    const advanced: string[] = [];
    const purged: string[] = [];
    for (const timestamp of timestamps) {
      for (const { message_id: id } of this.#statements.lookup.all(timestamp) as { message_id: string }[]) {
        const row = this.#statements.state.get(id) as { state: MessageState } | undefined;
        if (!row) {
          purged.push(id);
          continue;
        }
        const from = RANK[row.state];
        if (from === undefined || from >= RANK[target]!) continue;
        this.#statements.advance.run(target, now, id);
        advanced.push(id);
      }
    }
    return { advanced, purged };
  }

  purge(before: number): number {
    return this.#statements.purge.run(before).changes;
  }
}
