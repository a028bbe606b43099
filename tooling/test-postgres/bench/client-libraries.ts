// Measures the two PostgreSQL clients for Node, node-postgres (`pg`) and `postgres`, against a
// throwaway local server, on what the daemon's store does: small parameterised statements one
// after another, a 500-row insert transaction, and LISTEN/NOTIFY delivery. Run:
//   pnpm --filter @tether/test-postgres exec tsx bench/client-libraries.ts
// The figures and the choice are in docs/decisions.md ("PostgreSQL store").
import pg from 'pg';
import postgres from 'postgres';
import { startTestPostgres } from '../src/index.js';

const ROUNDS = 3;
const ROUND_TRIPS = 2_000;
const ROWS = 500;
const NOTIFICATIONS = 500;
const TRANSACTIONS = 500;

const server = await startTestPostgres();
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const time = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

async function measurePg(): Promise<Record<string, number>> {
  const client = new pg.Client(server.url);
  const listener = new pg.Client(server.url);
  await client.connect();
  await listener.connect();
  await client.query('CREATE TABLE IF NOT EXISTS pg_rows (id bigint, body text)');
  const trips = await time(async () => {
    // a named statement is prepared once per connection, as `postgres` does by itself
    for (let i = 0; i < ROUND_TRIPS; i++) await client.query({ name: 'trip', text: 'SELECT $1::int AS n', values: [i] });
  });
  const transactions = await time(async () => {
    for (let i = 0; i < TRANSACTIONS; i++) {
      await client.query('BEGIN');
      await client.query({ name: 'lock', text: 'SELECT pg_advisory_xact_lock($1)', values: [7] });
      await client.query({ name: 'one', text: 'INSERT INTO pg_rows (id, body) VALUES ($1, $2)', values: [i, 'a'] });
      await client.query({ name: 'two', text: 'INSERT INTO pg_rows (id, body) VALUES ($1, $2)', values: [i, 'b'] });
      await client.query('COMMIT');
    }
  });
  const insertEach = await time(async () => {
    await client.query('BEGIN');
    for (let i = 0; i < ROWS; i++) await client.query('INSERT INTO pg_rows (id, body) VALUES ($1, $2)', [i, `body ${i}`]);
    await client.query('COMMIT');
  });
  const ids = Array.from({ length: ROWS }, (_, i) => i);
  const insertArray = await time(async () => {
    await client.query('BEGIN');
    await client.query('INSERT INTO pg_rows (id, body) SELECT * FROM unnest($1::bigint[], $2::text[])', [ids, ids.map((i) => `body ${i}`)]);
    await client.query('COMMIT');
  });
  await listener.query('LISTEN bench');
  let resolveAll: () => void = () => undefined;
  let seen = 0;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  listener.on('notification', () => {
    if (++seen === NOTIFICATIONS) resolveAll();
  });
  const notify = await time(async () => {
    for (let i = 0; i < NOTIFICATIONS; i++) await client.query("SELECT pg_notify('bench', $1)", [String(i)]);
    await all;
  });
  await client.end();
  await listener.end();
  return { trips, transactions, insertEach, insertArray, notify };
}

async function measurePostgres(): Promise<Record<string, number>> {
  const sql = postgres(server.url, { max: 1, onnotice: () => undefined });
  const listen = postgres(server.url, { max: 1 });
  await sql`CREATE TABLE IF NOT EXISTS js_rows (id bigint, body text)`;
  const trips = await time(async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) await sql`SELECT ${i}::int AS n`;
  });
  const transactions = await time(async () => {
    for (let i = 0; i < TRANSACTIONS; i++) {
      await sql.begin((tx) => [tx`SELECT pg_advisory_xact_lock(${7})`, tx`INSERT INTO js_rows (id, body) VALUES (${i}, ${'a'})`, tx`INSERT INTO js_rows (id, body) VALUES (${i}, ${'b'})`]);
    }
  });
  const insertEach = await time(() =>
    // statements issued together inside the transaction are pipelined by this client
    sql.begin((tx) => Array.from({ length: ROWS }, (_, i) => tx`INSERT INTO js_rows (id, body) VALUES (${i}, ${`body ${i}`})`)),
  );
  const ids = Array.from({ length: ROWS }, (_, i) => i);
  const insertArray = await time(() => sql.begin((tx) => tx`INSERT INTO js_rows (id, body) SELECT * FROM unnest(${ids}::bigint[], ${ids.map((i) => `body ${i}`)}::text[])`));
  let resolveAll: () => void = () => undefined;
  let seen = 0;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  await listen.listen('bench', () => {
    if (++seen === NOTIFICATIONS) resolveAll();
  });
  const notify = await time(async () => {
    for (let i = 0; i < NOTIFICATIONS; i++) await sql`SELECT pg_notify('bench', ${String(i)})`;
    await all;
  });
  await sql.end();
  await listen.end();
  return { trips, transactions, insertEach, insertArray, notify };
}

const results: Record<string, Record<string, number[]>> = { pg: {}, postgres: {} };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, measure] of [['pg', measurePg], ['postgres', measurePostgres]] as const) {
    for (const [key, value] of Object.entries(await measure())) (results[name]![key] ??= []).push(value);
  }
}
await server.close();
const rows = Object.entries(results).map(([name, figures]) => ({
  client: name,
  'round trip µs': Math.round((median(figures['trips']!) * 1000) / ROUND_TRIPS),
  'lock + 2 inserts transaction µs': Math.round((median(figures['transactions']!) * 1000) / TRANSACTIONS),
  '500 inserts, one each, ms': Math.round(median(figures['insertEach']!) * 10) / 10,
  '500 rows, one unnest insert, ms': Math.round(median(figures['insertArray']!) * 10) / 10,
  'NOTIFY → listener µs': Math.round((median(figures['notify']!) * 1000) / NOTIFICATIONS),
}));
console.table(rows);
