import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outboxStoreContract } from '@tether/core/testing';
import { startTestPostgres, type TestPostgres } from '@tether/test-postgres';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../app/ports.js';
import { CONTRACT_MAX_QUEUED, contractPresent, storeContract } from './contract.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';

const payload = (text: string) => ({ recipients: ['+4915100000001'], message: text });

/** Runs the daemon's store contract and core's outbox-store contract on stores `open` makes; closes them all at the end. */
function runContracts(open: () => Promise<Store>): void {
  const opened: Store[] = [];
  const tracked = async (): Promise<Store> => {
    const store = await open();
    opened.push(store);
    return store;
  };
  afterAll(async () => {
    // closing twice is harmless: the contract's checks close their own
    await Promise.all(opened.map((store) => Promise.resolve(store.close()).catch(() => undefined)));
  });
  describe('outbox store contract (core) on messages', () => {
    for (const check of outboxStoreContract(async () => (await tracked()).messages, payload)) it(check.name, check.run);
  });
  describe('daemon store contract', () => {
    for (const check of storeContract(tracked)) it(check.name, check.run);
  });
}

describe('SQLite store', () => {
  runContracts(async () =>
    openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'tether-contract-')), 'tether.db'), {
      maxQueued: CONTRACT_MAX_QUEUED,
      messageEvents: { present: contractPresent, announce: () => undefined },
      checkpointIntervalMs: 60_000,
    }),
  );
});

describe('PostgreSQL store', () => {
  let server: TestPostgres;
  /** A database migrated once; each store gets a copy (much faster than migrating each). */
  let template: string;
  const options = { account: '+4915100000009', maxQueued: CONTRACT_MAX_QUEUED, messageEvents: { present: contractPresent }, poolSize: 2 };
  beforeAll(async () => {
    server = await startTestPostgres();
    const url = await server.createDatabase();
    await (await openPostgresStore(url, options)).close();
    template = new URL(url).pathname.slice(1);
  });
  afterAll(() => server.close());
  runContracts(async () => openPostgresStore(await server.createDatabase({ template }), options));
});
