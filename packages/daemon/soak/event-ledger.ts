// For a PostgreSQL soak kept for inspection: the shared event log's ids, kinds and times (never
// its data, which names recipients) written to a file, so that a loss can be placed against the
// events every instance wrote around a takeover. The database itself goes with its server.
import { writeFileSync } from 'node:fs';
import pg from 'pg';

export async function writeEventLedger(databaseUrl: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; kind: string; at: string }>('SELECT id, kind, at FROM events ORDER BY id');
    writeFileSync(file, ['id\tkind\tat', ...rows.map((row) => `${row.id}\t${row.kind}\t${new Date(Number(row.at)).toISOString()}`)].join('\n') + '\n');
  } finally {
    await client.end();
  }
}
