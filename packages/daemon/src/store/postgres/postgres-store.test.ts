import { createServer, connect, type Socket } from 'node:net';
import { noopLogger, type Logger } from '@tether/core';
import { startTestPostgres, type TestPostgres } from '@tether/test-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreChange, Submission } from '../../app/ports.js';
import { connectionConfig } from './database.js';
import { openPostgresStore, SCHEMA_VERSION, type PostgresStore, type PostgresStoreOptions } from './index.js';

const ACCOUNT = '+4915100000009';
const one = (text: string): Submission => ({ messages: [{ message: { recipients: ['+4915100000001'], message: text } }], requestHash: `h-${text}` });
let server: TestPostgres;
const opened: PostgresStore[] = [];

const open = async (url: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> => {
  const store = await openPostgresStore(url, { account: ACCOUNT, maxQueued: 100_000, messageEvents: { present: (record) => ({ id: record.id, state: record.state }) }, poolSize: 2, ...options });
  opened.push(store);
  return store;
};

const raw = async (url: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
};

/** Resolves once `condition` holds, asking the database again every few milliseconds (bounded). */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The next change of each kind `store` reports. */
function changes(store: PostgresStore, wanted: readonly StoreChange[]): Promise<void> {
  return new Promise((resolve) => {
    const missing = new Set(wanted);
    const stop = store.onChange((change) => {
      missing.delete(change);
      if (missing.size === 0) {
        stop();
        resolve();
      }
    });
  });
}


/** A TCP proxy to the server whose connections can be frozen: open, but never answering (half-open). */
async function freezableProxy(port: number): Promise<{ url: (database: string) => string; freeze: () => void; close: () => void }> {
  const pairs: { client: Socket; upstream: Socket; frozen: boolean }[] = [];
  const proxy = createServer((client) => {
    const pair = { client, upstream: connect(port, '127.0.0.1'), frozen: false };
    pairs.push(pair);
    client.on('data', (chunk) => pair.frozen || pair.upstream.write(chunk));
    pair.upstream.on('data', (chunk) => pair.frozen || client.write(chunk));
    for (const socket of [client, pair.upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (pair.frozen) return;
        client.destroy();
        pair.upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = (proxy.address() as { port: number }).port;
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${proxied}/${database}`,
    freeze: () => pairs.forEach((pair) => (pair.frozen = true)),
    close: () => {
      proxy.close();
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
  };
}

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close().catch(() => undefined)));
  await server.close();
});

describe('schema', () => {
  it('migrates once when two instances start together on an empty database', async () => {
    const url = await server.createDatabase();
    const logged: unknown[] = [];
    const logger: Logger = { ...noopLogger, info: (fields: unknown) => logged.push(fields), child: () => logger };
    const [a, b] = await Promise.all([open(url, { logger }), open(url, { logger })]);
    expect(a.kind).toBe('shared');
    expect(b.kind).toBe('shared');
    expect(logged).toHaveLength(SCHEMA_VERSION);
    const client = await raw(url);
    expect((await client.query('SELECT version FROM tether_schema_versions ORDER BY version')).rows.map((row: { version: number }) => row.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1),
    );
    await client.end();
  });

  it('refuses a database of another account, and a newer schema, with the fix', async () => {
    const url = await server.createDatabase();
    await open(url);
    await expect(open(url, { account: '+4915100001234' })).rejects.toThrow(/belongs to account \+49…0009, not \+49…1234; give each account its own database/);
    const client = await raw(url);
    await client.query('INSERT INTO tether_schema_versions (version) VALUES ($1)', [SCHEMA_VERSION + 1]);
    await client.end();
    await expect(open(url)).rejects.toMatchObject({ code: 'database-refused', message: expect.stringMatching(/newer than this tetherd understands/) });
  });
});

describe('shared use', () => {
  it('serialises appends from several instances: a reader paging after(id) sees every id, in order', async () => {
    const url = await server.createDatabase();
    const writers = await Promise.all([1, 2, 3].map(() => open(url)));
    const reader = await open(url);
    const seen: number[] = [];
    let writing = true;
    const read = (async () => {
      let last = 0;
      for (;;) {
        const done = !writing;
        const page = await reader.events.after(last, 50);
        seen.push(...page.map((event) => event.id));
        last = page.at(-1)?.id ?? last;
        if (done && page.length === 0) return;
      }
    })();
    await Promise.all(
      writers.map(async (writer, index) => {
        for (let round = 0; round < 40; round++) {
          if (round % 2 === 0) await writer.events.append([{ kind: 'state', at: round, data: { index, round } }]);
          else await writer.messages.submit([one(`${index}-${round}`)], round);
        }
      }),
    );
    writing = false;
    await read;
    const all = (await reader.events.after(0, 1_000)).map((event) => event.id);
    expect(all).toHaveLength(120);
    expect(seen).toEqual(all);
  });

  it('commits a group in one transaction, and a request the database refuses fails alone (savepoints)', async () => {
    const url = await server.createDatabase();
    const store = await open(url);
    const client = await raw(url);
    // a stand-in for any refusal a single request can meet (a constraint, a value out of range)
    await client.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.payload LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned' USING ERRCODE = '23514'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
    await client.end();
    const results = await store.messages.submit([one('fine'), { ...one('poison'), messages: [...one('x').messages, ...one('poison').messages] }, one('also fine')], 1);
    expect(results.map((result) => (result.ok ? result.records.length : result.error.code))).toEqual([1, 'storage-failed', 1]);
    expect((await store.messages.inState('queued')).map((record) => record.payload.message)).toEqual(['fine', 'also fine']);
    expect((await store.events.after(0, 10)).map((event) => (JSON.parse(event.data) as { state: string }).state)).toEqual(['queued', 'queued']);
  });

  it('tells every other instance what one committed, and not the one that committed it', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const heardByA: string[] = [];
    a.onChange((change, upTo) => heardByA.push(`${change} ${upTo ?? ''}`.trim()));
    const heard = changes(b, ['messages', 'events']);
    await a.messages.submit([one('x')], 1);
    await heard;
    // notifications arrive in commit order: once a hears b's later commit, its own would have come
    const fromB = changes(a, ['messages', 'events']);
    await b.messages.submit([one('y')], 2);
    await fromB;
    expect(heardByA.sort()).toEqual(['events 2', 'messages']);
    const events = changes(b, ['events']);
    await a.events.append([{ kind: 'state', at: 2, data: {} }]);
    await events;
  });

  it('survives a server restart: the pool reconnects, the listener comes back and reports both changes', async () => {
    const url = await server.createDatabase();
    const store = await open(url, { listenBackoff: { initialMs: 20, factor: 2, maxMs: 200, jitter: 'full' } });
    await store.messages.submit([one('before')], 1);
    const caughtUp = changes(store, ['events', 'messages']);
    await server.restart();
    await caughtUp;
    expect(await store.messages.counts()).toMatchObject({ queued: 1 });
    await store.messages.submit([one('after')], 2);
    expect((await store.messages.inState('queued')).map((record) => record.payload.message)).toEqual(['before', 'after']);
    // another instance's commit is heard again (an instance's own commits are not notified to it)
    const other = await open(url);
    const later = changes(store, ['messages']);
    await other.messages.submit([one('heard')], 3);
    await later;
    await other.close();
    await server.kill();
    expect(await store.writable(4)).toBe(false);
    await server.start();
    await until(async () => store.writable(5), 'the store takes writes again');
  });

  it('rejects a write whose connection dies inside its transaction, and works again once the server is back', async () => {
    const url = await server.createDatabase();
    const store = await open(url);
    const [submitted] = await store.messages.submit([one('x')], 1);
    const id = submitted!.ok ? submitted!.records[0]!.id : '';
    const blocker = await raw(url);
    blocker.on('error', () => undefined);
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [id]);
    // its rejection is awaited below; handled from the start, it can never count as unhandled
    const write = store.messages.update(id, { state: 'sending' }, 2);
    const failed = expect(write).rejects.toThrow();
    const monitor = await raw(url);
    monitor.on('error', () => undefined);
    await until(async () => (await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rows[0].n > 0, 'the write waits inside its transaction');
    await server.kill();
    await failed;
    await server.start();
    await until(async () => store.writable(3), 'the store takes writes again');
    expect(await store.messages.update(id, { state: 'sending' }, 4)).toMatchObject({ state: 'sending' });
  });

  it('notices a LISTEN connection that stopped answering (half-open) and listens again', async () => {
    const direct = await server.createDatabase();
    const proxy = await freezableProxy(server.port);
    const store = await open(proxy.url(new URL(direct).pathname.slice(1)), { listenHeartbeatMs: 200, listenBackoff: { initialMs: 10, factor: 2, maxMs: 100, jitter: 'full' } });
    const writer = await open(direct);
    const caughtUp = changes(store, ['events', 'messages']);
    proxy.freeze();
    await caughtUp;
    const heard = changes(store, ['messages']);
    await writer.messages.submit([one('after the freeze')], 1);
    await heard;
    proxy.close();
  });

  it('says it is not writable once closed', async () => {
    const store = await open(await server.createDatabase());
    expect(await store.writable(1)).toBe(true);
    await store.close();
    expect(await store.writable(2)).toBe(false);
  });
});

describe('lease and fencing', () => {
  const lease = (instance: string, leaseMs = 5_000) => ({ account: ACCOUNT, instance, host: `${instance}.local`, leaseMs });

  it('one holder at a time; a new term bumps the epoch; renew keeps it', async () => {
    const store = await open(await server.createDatabase());
    expect(await store.leases.current(ACCOUNT)).toBeUndefined();
    const first = await store.leases.acquire(lease('a'));
    expect(first).toMatchObject({ held: true, lease: { instance: 'a', host: 'a.local', epoch: 1 } });
    if (!first.held) return;
    expect(first.lease.expiresAt - first.lease.since).toBeGreaterThanOrEqual(4_990);
    expect(await store.leases.acquire(lease('b'))).toMatchObject({ held: false, holder: { instance: 'a', epoch: 1 } });
    expect(await store.leases.acquire(lease('a'))).toMatchObject({ held: true, lease: { instance: 'a', epoch: 1, since: first.lease.since } });
    expect(await store.leases.renew({ account: ACCOUNT, instance: 'a', epoch: 1, leaseMs: 5_000 })).toMatchObject({ held: true, lease: { epoch: 1 } });
    await store.leases.release({ account: ACCOUNT, instance: 'a', epoch: 1 });
    expect(await store.leases.acquire(lease('b'))).toMatchObject({ held: true, lease: { instance: 'b', epoch: 2 } });
    expect(await store.leases.renew({ account: ACCOUNT, instance: 'a', epoch: 1, leaseMs: 5_000 })).toMatchObject({ held: false, holder: { instance: 'b', epoch: 2 } });
    // a lease that lapsed (here at once: 0 ms) is another's to take, and a new term
    await store.leases.acquire({ ...lease('b'), leaseMs: 0 });
    expect(await store.leases.acquire(lease('c'))).toMatchObject({ held: true, lease: { instance: 'c', epoch: 3 } });
  });

  it("tells the taker the lease it replaced, with the previous holder's last renewal", async () => {
    const store = await open(await server.createDatabase());
    const first = await store.leases.acquire(lease('a'));
    expect(first).toMatchObject({ held: true });
    expect(first.held && first.previous).toBeUndefined();
    const renewed = await store.leases.renew({ account: ACCOUNT, instance: 'a', epoch: 1, leaseMs: 5_000 });
    if (!renewed.held || !first.held) throw new Error('a holds the lease');
    expect(renewed.lease.renewedAt).toBeGreaterThanOrEqual(first.lease.renewedAt);
    expect(renewed.lease.expiresAt - renewed.lease.renewedAt).toBe(5_000);
    await store.leases.release({ account: ACCOUNT, instance: 'a', epoch: 1 });
    const taken = await store.leases.acquire(lease('b'));
    expect(taken).toMatchObject({ held: true, lease: { instance: 'b', epoch: 2 }, previous: { instance: 'a', epoch: 1, renewedAt: renewed.lease.renewedAt } });
    if (taken.held) expect(taken.lease.renewedAt).toBeGreaterThanOrEqual(renewed.lease.renewedAt);
  });

  it('lets another take the lease at once when the holder connection is gone (a holder killed outright)', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(await a.leases.acquire(lease('a'))).toMatchObject({ held: true, lease: { epoch: 1 } });
    expect(await b.leases.acquire(lease('b'))).toMatchObject({ held: false, holder: { instance: 'a' } });
    await a.leases.close(); // the lease connection ends, the lease itself is neither released nor lapsed
    expect(await b.leases.acquire(lease('b'))).toMatchObject({ held: true, lease: { instance: 'b', epoch: 2 } });
    // a renewal over a new connection counts as alive again only while the term is still its own
    expect(await a.leases.renew({ account: ACCOUNT, instance: 'a', epoch: 1, leaseMs: 5_000 })).toMatchObject({ held: false, holder: { instance: 'b' } });
    await Promise.all([a.close(), b.close()]);
  });

  it('ends a stopped writer\'s transaction, so its locks cannot keep a standby from the lease (a SIGSTOP mid-write)', async () => {
    const url = await server.createDatabase();
    const b = await open(url);
    // a leader's connection, as tetherd configures it, stopped inside a fenced write
    const stopped = new pg.Client(connectionConfig(url));
    stopped.on('error', () => undefined);
    await stopped.connect();
    await stopped.query("INSERT INTO leases (account, instance, host, epoch, since, expires_at, renewed_at) VALUES ($1, 'a', 'a.local', 1, 0, 0, 0)", [ACCOUNT]);
    await stopped.query('BEGIN');
    await stopped.query('SELECT epoch FROM leases WHERE account = $1 FOR SHARE', [ACCOUNT]);
    const ended = new Promise((resolve) => stopped.once('error', resolve));
    // the lease lapsed long ago; the upsert waits for the row lock until the server ends that session
    expect(await b.leases.acquire(lease('b'))).toMatchObject({ held: true, lease: { instance: 'b', epoch: 2 } });
    expect(String(await ended)).toMatch(/idle-in-transaction timeout/);
    await b.close();
  });

  it('refuses a fenced write once another instance took the lease, changing nothing', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const [submitted] = await a.messages.submit([one('x')], 1);
    const id = submitted!.ok ? submitted!.records[0]!.id : '';
    const taken = await a.leases.acquire(lease('a', 0));
    const epoch = taken.held ? taken.lease.epoch : -1;
    expect(await b.leases.acquire(lease('b'))).toMatchObject({ held: true, lease: { epoch: epoch + 1 } });
    const lastEvent = await a.events.lastId();
    await expect(a.fenced(epoch).update(id, { state: 'sending', attempts: 1 }, 2)).rejects.toMatchObject({ code: 'fenced', epoch });
    const record = (await a.messages.get(id))!;
    await expect(a.fenced(epoch).updateMany([{ record, patch: { state: 'sending' }, expect: 'queued' }], 2)).rejects.toMatchObject({ code: 'fenced' });
    await expect(a.fenced(epoch).requeue(id, 2)).rejects.toMatchObject({ code: 'fenced' });
    expect(await a.messages.get(id)).toMatchObject({ state: 'queued', attempts: 0, updatedAt: 1 });
    expect(await a.events.lastId()).toBe(lastEvent);
    expect(await b.fenced(epoch + 1).update(id, { state: 'sending', attempts: 1 }, 3)).toMatchObject({ state: 'sending' });
    // intake and the plain view are never fenced
    expect((await a.fenced(epoch).submit([one('y')], 4))[0]).toMatchObject({ ok: true });
  });

  it('makes a takeover wait for a fenced write in progress', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const [submitted] = await a.messages.submit([one('x')], 1);
    const id = submitted!.ok ? submitted!.records[0]!.id : '';
    const taken = await a.leases.acquire(lease('a', 300));
    if (!taken.held) throw new Error('a should lead');
    // hold the message row, so that a's fenced write stops after its lease check, inside its transaction
    const blocker = await raw(url);
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [id]);
    const order: string[] = [];
    const write = a
      .fenced(taken.lease.epoch)
      .update(id, { state: 'sending', attempts: 1 }, 2)
      .then(() => order.push('fenced write committed'));
    // a connection outside any transaction: pg_stat_activity is read once per transaction
    const monitor = await raw(url);
    const waiting = async (pattern: string) => {
      const { rows } = await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", [pattern]);
      return (rows[0] as { n: number }).n > 0;
    };
    await until(() => waiting('UPDATE messages%'), "a's fenced write waits inside its transaction");
    await until(async () => (await monitor.query('SELECT tether_now_ms() > $1::bigint AS lapsed', [taken.lease.expiresAt])).rows[0].lapsed as boolean, "a's lease lapsed");
    const takeover = b.leases.acquire(lease('b')).then((result) => {
      order.push('takeover');
      return result;
    });
    await until(() => waiting('%INSERT INTO leases%'), 'the takeover waits for the lease row');
    expect(order).toEqual([]);
    await blocker.query('COMMIT');
    await blocker.end();
    await monitor.end();
    await write;
    expect(await takeover).toMatchObject({ held: true, lease: { instance: 'b', epoch: taken.lease.epoch + 1 } });
    // the write that began under a's lease committed (it was not refused), and the takeover waited
    // for it (nothing resolved while it held the row); which promise settles first in this process
    // after the COMMIT says nothing about the database's order, and varies on a busy machine
    expect(order.sort()).toEqual(['fenced write committed', 'takeover']);
    expect(await b.messages.get(id)).toMatchObject({ state: 'sending', attempts: 1 });
    await expect(a.fenced(taken.lease.epoch).update(id, { state: 'sent' }, 3)).rejects.toMatchObject({ code: 'fenced' });
  });
});

describe('query plans', () => {
  it('every read, update and delete the stores send uses an index (checked with sequential scans disabled)', async () => {
    const url = await server.createDatabase();
    const sent: { text: string; values: unknown[] }[] = [];
    const store = await open(url);
    const record = (payload: string) => ({ recipients: ['+4915100000001'], message: payload });
    const originalQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as { text?: string; values?: unknown[] };
      if (typeof config === 'object' && config !== null && config.text) sent.push({ text: config.text, values: config.values ?? [] });
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args) as never;
    } as typeof pg.Client.prototype.query;
    try {
      const a = await store.messages.add(record('a'), { now: 1, expiresAt: 9 });
      const [b] = await store.messages.submit([{ ...one('b'), idempotencyKey: 'k' }, { ...one('b'), idempotencyKey: 'k' }], 2);
      await store.messages.update(a.id, { state: 'sending', attempts: 1 }, 3);
      await store.fenced(1).updateMany([{ record: b!.ok ? b!.records[0]! : a, patch: { state: 'sent', backendId: '5' }, expect: 'queued' }], 4).catch(() => undefined);
      await store.messages.updateMany([{ record: a, patch: { state: 'sent', backendId: '5' }, expect: 'sending' }], 4);
      await store.messages.requeue(a.id, 5);
      await Promise.all([
        store.messages.head(),
        store.messages.get(a.id),
        store.messages.inState('queued'),
        store.messages.counts(),
        store.messages.list({ limit: 5 }),
        store.messages.list({ limit: 5, before: a.id }),
        store.messages.list({ limit: 5, state: 'queued', before: a.id }),
        store.messages.dueToExpire(10, 5),
        store.messages.nextExpiry(),
        store.messages.findByBackendId('5'),
        store.messages.idsForTimestamp(5),
        store.events.after(0, 5),
        store.events.after(0, 5, 'message'),
        store.events.lastId(),
        store.events.lastId('message'),
        store.events.lastAt(),
        store.events.countAfter(0, 'message'),
        store.lossWindows.recent(5),
        store.meta.get('x'),
        store.deadLetters.count(),
        store.leases.current(ACCOUNT),
      ]);
      await store.blobs.append('b', 0, Buffer.from('x'), 1);
      for await (const chunk of store.blobs.read('b')) expect(chunk.length).toBe(1);
      await store.blobs.discard('b');
      await store.blobs.purge(10, 5);
      await store.messages.purgeFinished(10, 5);
      await store.messages.purgeTimestamps(10, 5);
      await store.events.purge(10, 10, 5);
    } finally {
      pg.Client.prototype.query = originalQuery;
    }
    const statements = [...new Map(sent.filter((each) => /^\s*(SELECT|UPDATE|DELETE)/.test(each.text)).map((each) => [each.text, each])).values()];
    expect(statements.length).toBeGreaterThan(25);
    const client = await raw(url);
    // with a few rows the planner would rightly scan or sort; disabled, it still must when no index serves
    await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off');
    await client.query('BEGIN');
    try {
      for (const { text, values } of statements) {
        const { rows } = await client.query(`EXPLAIN ${text}`, values);
        const plan = rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
        expect(plan, `${text.replace(/\s+/g, ' ')}\n${plan}`).not.toMatch(/Seq Scan on (messages|events|signal_timestamps|idempotency_keys|loss_windows|webhook_dead_letters|blobs|blob_chunks)\b/);
        expect(plan, `${text.replace(/\s+/g, ' ')}\n${plan}`).not.toMatch(/Sort\b/);
      }
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});
