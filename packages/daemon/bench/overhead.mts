import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Channel, noopLogger, type TransportV2 } from '@tether/core';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { presentRecord } from '../src/app/present.js';
const N = 20000;
const transport: TransportV2<unknown, unknown> = {
  specificationVersion: 'v2', kind: 'fake',
  connect: async () => ({ closed: new Promise(() => undefined), close: () => undefined }),
  send: () => new Promise((resolve) => setImmediate(() => resolve({ kind: 'sent', backendId: String(Date.now()) }))),
};
// bare
let t = performance.now();
for (let i = 0; i < N; i++) await transport.send({ recipients: ['+4915187654321'], message: 'x' }, { signal: new AbortController().signal, idempotencyKey: 'k' });
const bare = (performance.now() - t) / N * 1000;
const store = openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'ovh-')), 'tether.db'), { maxQueued: 1_000_000, messageEvents: { present: (r) => presentRecord(r as never), announce: () => undefined } });
store.messages.submit([{ messages: Array.from({ length: N }, (_, i) => ({ message: { recipients: ['+4915187654321'], message: `m ${i} ` + 'x'.repeat(100) } })), requestHash: 'h' }], Date.now());
const channel = new Channel({ transport: transport as never, store: store.messages as never, logger: noopLogger });
let done!: () => void; const finished = new Promise<void>((r) => (done = r));
let sent = 0; channel.onMessageChange((r) => { if ((r as { state: string }).state === 'sent' && ++sent === N) done(); });
t = performance.now();
await channel.start();
await finished;
const daemon = (performance.now() - t) / N * 1000;
console.log(`bare ${bare.toFixed(1)} µs/msg, outbox+sqlite ${daemon.toFixed(1)} µs/msg, overhead ${(daemon - bare).toFixed(1)} µs/msg`);
await channel.close(); await store.close();
