import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingBinariesError, startTestPostgres, type TestPostgres } from './index.js';

const query = async (url: string, text: string): Promise<unknown[]> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
};

describe('startTestPostgres', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server.close());

  it('serves on 127.0.0.1 with fsync off, as nobody when started by root', async () => {
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    expect(await query(server.url, 'SHOW fsync')).toEqual([{ fsync: 'off' }]);
    // the backend serving this connection, read while the connection (and so the backend) lives
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number };
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
    await client.end();
    expect(Number(uid)).toBe(process.getuid?.() === 0 ? 65534 : process.getuid?.());
  });

  it('keeps committed data across a stop, a restart and a SIGKILL, on the same port', async () => {
    await query(server.url, 'CREATE TABLE kept (value int); INSERT INTO kept VALUES (1)');
    await server.restart();
    expect(await query(server.url, 'SELECT value FROM kept')).toEqual([{ value: 1 }]);
    await query(server.url, 'INSERT INTO kept VALUES (2)');
    await server.kill();
    expect(server.running).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await query(server.url, 'SELECT value FROM kept ORDER BY value')).toEqual([{ value: 1 }, { value: 2 }]);
  });

  it('creates a fresh database per call', async () => {
    const first = await server.createDatabase();
    const second = await server.createDatabase();
    expect(first).not.toBe(second);
    await query(first, 'CREATE TABLE only_here (x int)');
    expect(await query(second, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_here'")).toEqual([{ n: 0 }]);
    await expect(server.createDatabase({ name: 'Robert"; DROP' })).rejects.toThrow(TypeError);
    const copy = await server.createDatabase({ template: new URL(first).pathname.slice(1) });
    expect(await query(copy, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_here'")).toEqual([{ n: 1 }]);
  });
});

it('names the fix when the binaries are missing', async () => {
  const start = startTestPostgres({ binDir: '/nonexistent/bin' });
  await expect(start).rejects.toBeInstanceOf(MissingBinariesError);
  await expect(start).rejects.toThrow(/onlyBuiltDependencies/);
});
