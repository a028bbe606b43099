// The PostgreSQL schema, versioned as SQLite's is: each migration (migrations.ts) runs once, in
// order, in its own transaction, recorded in `tether_schema_versions`. Instances that start
// together migrate once: the migrator holds a session advisory lock, and the next one finds the
// work done. The database records its account at the first start and refuses any other.
import type { Logger } from '@tether/core';
import { maskPhoneNumber } from '@tether/signal-transport';
import { checkout, LOCKS, type Database } from './database.js';
import { DatabaseRefusedError } from './errors.js';
import { MIGRATIONS } from './migrations.js';

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Migrates the database to this tetherd's schema and checks that it serves `account` (recorded at
 * the first start). Refuses a newer schema and another account's database with a DatabaseRefusedError.
 */
export async function migrate(db: Database, options: { readonly account: string; readonly where: string; readonly now: number; readonly logger: Logger }): Promise<void> {
  const client = await checkout(db.pool);
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS tether_schema_versions (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number }>('SELECT COALESCE(MAX(version), 0)::int AS version FROM tether_schema_versions');
      const current = rows[0]!.version;
      if (current > SCHEMA_VERSION) {
        throw new DatabaseRefusedError(`the database ${options.where} has schema version ${current}, newer than this tetherd understands (${SCHEMA_VERSION}); upgrade tetherd`);
      }
      for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[version - 1]!);
          await client.query('INSERT INTO tether_schema_versions (version) VALUES ($1)', [version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        options.logger.info({ version, database: options.where }, 'database schema migrated');
      }
      await client.query('INSERT INTO tether_account (account, created_at) VALUES ($1, $2) ON CONFLICT (singleton) DO NOTHING', [options.account, options.now]);
      const owner = (await client.query<{ account: string }>('SELECT account FROM tether_account')).rows[0]!.account;
      if (owner !== options.account) {
        throw new DatabaseRefusedError(
          `the database ${options.where} belongs to account ${maskPhoneNumber(owner)}, not ${maskPhoneNumber(options.account)}; give each account its own database (TETHER_DATABASE_URL)`,
        );
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]).catch(() => (broken = true));
    }
  } catch (error) {
    broken ||= !(error instanceof DatabaseRefusedError);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Where a database is, for messages: host, port and name, never the password. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname || '/'}`;
  } catch {
    return 'the PostgreSQL database (TETHER_DATABASE_URL)';
  }
}
