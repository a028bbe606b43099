// Receipts move sent messages forward: sent → delivered → read, never back, and never a message
// that was not sent (a receipt can only name a backend id that a `sent` outcome gave us).
import type { OutboxRecord, OutboxStore, RecordPatch } from './outbox-store.js';
import type { Receipt } from './transport.js';
import type { MessageState } from './vocabulary.js';

const RANK: Partial<Record<MessageState, number>> = { sent: 0, delivered: 1, read: 2 };

/** Applies `receipt` through `apply`; the store must have `findByBackendId`. */
export async function applyReceipt<M>(
  store: OutboxStore<M>,
  receipt: Receipt,
  apply: (id: string, patch: RecordPatch, event: string) => Promise<OutboxRecord<M>>,
): Promise<void> {
  const target = receipt.type;
  for (const backendId of new Set(receipt.backendIds)) {
    for (const record of await store.findByBackendId!(backendId)) {
      const from = RANK[record.state];
      if (from === undefined || from >= RANK[target]!) continue;
      await apply(record.id, { state: target }, `message ${target}`);
    }
  }
}
