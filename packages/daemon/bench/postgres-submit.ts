// A quick measurement of the PostgreSQL store's intake: 16 concurrent clients submitting one
// message each through the daemon's own group commit (app/intake.ts, one `submit` per event-loop
// turn, one transaction per group), against a throwaway local server, beside a baseline measured
// in the same run: one-row INSERT transactions by 16 concurrent pg connections. It prints the
// figures; the daemon's `enqueue-16-clients-postgres` benchmark (issue 13) measures the whole
// daemon over its control API. Run: pnpm --filter @tether/daemon exec tsx bench/postgres-submit.ts
import { startTestPostgres } from '@tether/test-postgres';
import { Intake } from '../src/app/intake.js';
import { presentRecord } from '../src/app/present.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { postgresInserts, underLoad } from './support.js';

const TOTAL = Number(process.env['BENCH_MESSAGES'] ?? 8_000);
const CLIENTS = 16;

const server = await startTestPostgres();

async function measure(): Promise<{ rate: number; p50: number; p99: number; groups: number }> {
  const store = await openPostgresStore(await server.createDatabase(), { account: '+4915100000009', maxQueued: 1_000_000, messageEvents: { present: presentRecord } });
  let groups = 0;
  const intake = new Intake({
    store: { submit: (submissions, now) => (groups++, store.messages.submit(submissions, now)) },
    now: () => Date.now(),
    committed: () => undefined,
  });
  const { rate, p50, p99 } = await underLoad(TOTAL, CLIENTS, async (n) => {
    await intake.submit({ messages: [{ message: { recipients: ['+4915100000001'], message: `m${n}` } }], requestHash: `h${n}` });
  });
  const counted = (await store.messages.counts()).queued;
  if (counted !== TOTAL) throw new Error(`${counted} queued, ${TOTAL} expected`);
  await store.close();
  return { rate, p50, p99, groups };
}

const raw = (await postgresInserts(await server.createDatabase(), TOTAL, CLIENTS)).rate;
const submit = await measure();
await server.close();
console.log(
  JSON.stringify(
    {
      messages: TOTAL,
      clients: CLIENTS,
      submitPerSecond: Math.round(submit.rate),
      meanGroup: Math.round((TOTAL / submit.groups) * 10) / 10,
      p50Ms: Math.round(submit.p50 * 10) / 10,
      p99Ms: Math.round(submit.p99 * 10) / 10,
      baselineRowInsertsPerSecond: Math.round(raw),
      ratio: Math.round((submit.rate / raw) * 100) / 100,
    },
    null,
    2,
  ),
);
