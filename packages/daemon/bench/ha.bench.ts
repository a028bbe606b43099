// PostgreSQL store benchmarks (issue 13, DECISIONS.md §10), each against a baseline measured in
// the same run, on a throwaway local PostgreSQL server (@tether/test-postgres):
// - enqueue-16-clients-postgres: messages/s accepted by one tetherd on PostgreSQL from 16
//   concurrent clients (backend unreachable: only intake), against one-row INSERT transactions by
//   16 concurrent pg connections; p99 beside it (baseline: the inserts' p99).
// - failover-ms (p50) and failover-ms-max: three tetherds drain a backlog to the emulator; the
//   leader is SIGKILLed, and the time runs to the first send the new leader makes. Baseline: the
//   same with a clean stop (SIGTERM gives the lease up), measured in the same run. The lease is
//   the default 5 s: a failover faster than that is the dead holder being noticed.
// BENCH_ROUNDS sets the kills (and clean stops) per figure (default 5).
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { startTestPostgres, type TestPostgres } from '@tether/test-postgres';
import { figure, median } from '@tether/config/bench';
import { ACCOUNT, FRIEND, NOWHERE, RawClient, enqueue, postgresInserts, report, startTetherd, type BenchTetherd } from './support.js';

const TOTAL = Number(process.env['BENCH_MESSAGES'] ?? 8_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CLIENTS = 16;

async function intake(server: TestPostgres): Promise<{ rate: number; p99: number }> {
  const tetherd = await startTetherd({ TETHER_SIGNAL_URL: NOWHERE, TETHER_DATABASE_URL: await server.createDatabase() });
  const result = await enqueue(tetherd.socket, TOTAL, CLIENTS);
  tetherd.child.kill('SIGKILL');
  return result;
}

interface Cluster {
  readonly emulator: Emulator;
  readonly database: string;
  readonly members: BenchTetherd[];
}

async function role(member: BenchTetherd): Promise<string | undefined> {
  const client = new RawClient(member.socket);
  try {
    return (await client.json<{ role?: string }>('GET', '/v1/status')).role;
  } finally {
    client.close();
  }
}

async function join(cluster: Cluster): Promise<void> {
  cluster.members.push(await startTetherd({ TETHER_SIGNAL_URL: cluster.emulator.restUrl!, TETHER_DATABASE_URL: cluster.database }));
}

/** Resolves once the emulator has recorded more than `count` sends; polls it every millisecond. */
async function sendsPast(emulator: Emulator, count: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (emulator.sent().length <= count) {
    if (performance.now() > deadline) throw new Error('no send within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Stops the leader with `signal`; milliseconds to the new leader's first send. */
async function handover(cluster: Cluster, signal: NodeJS.Signals): Promise<number> {
  const roles = await Promise.all(cluster.members.map(role));
  const leader = cluster.members[roles.indexOf('leader')];
  if (leader === undefined) throw new Error(`no leader among ${roles.join(', ')}`);
  await sendsPast(cluster.emulator, cluster.emulator.sent().length); // it is draining
  const exited = new Promise((resolve) => leader.child.once('exit', resolve));
  const started = performance.now();
  leader.child.kill(signal);
  await exited;
  // the send in flight at the stop may land after it: the second send after the stop is the new leader's
  await sendsPast(cluster.emulator, cluster.emulator.sent().length + 1);
  const elapsed = performance.now() - started;
  cluster.members.splice(cluster.members.indexOf(leader), 1);
  await join(cluster);
  return elapsed;
}

async function failovers(server: TestPostgres): Promise<{ killed: number[]; stopped: number[] }> {
  const emulator = await startEmulator({ account: ACCOUNT });
  emulator.setLatency(2);
  const cluster: Cluster = { emulator, database: await server.createDatabase(), members: [] };
  for (let index = 0; index < 3; index++) await join(cluster);
  // a backlog that outlasts every round
  const filler = new RawClient(cluster.members[0]!.socket);
  for (let start = 0; start < 40_000; start += 1_000) {
    const messages = Array.from({ length: 1_000 }, (_, index) => ({ recipients: [FRIEND], message: `backlog ${start + index}` }));
    const answer = await filler.request('POST', '/v1/messages', JSON.stringify({ messages }));
    if (answer.status !== 202) throw new Error(`backlog answered ${answer.status}`);
  }
  filler.close();
  const killed: number[] = [];
  const stopped: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    stopped.push(await handover(cluster, 'SIGTERM'));
    killed.push(await handover(cluster, 'SIGKILL'));
  }
  for (const member of cluster.members) member.child.kill('SIGKILL');
  await emulator.close();
  return { killed, stopped };
}

const server = await startTestPostgres();
try {
  const daemon = [await intake(server), await intake(server), await intake(server)];
  const inserts = async () => postgresInserts(await server.createDatabase(), TOTAL, CLIENTS);
  const raw = [await inserts(), await inserts(), await inserts()];
  const { killed, stopped } = await failovers(server);
  console.log(`failover (SIGKILL) ms: ${killed.map(Math.round).join(', ')}; handover (SIGTERM) ms: ${stopped.map(Math.round).join(', ')}`);
  report({
    'enqueue-16-clients-postgres': figure(median(daemon.map((round) => round.rate)), median(raw.map((round) => round.rate)), 'messages/s', 'higher'),
    'enqueue-16-clients-postgres-p99': figure(median(daemon.map((round) => round.p99)), median(raw.map((round) => round.p99)), 'ms', 'lower', 3),
    'failover-ms': figure(median(killed), median(stopped), 'ms', 'lower'),
    'failover-ms-max': figure(Math.max(...killed), Math.max(...stopped), 'ms', 'lower'),
  });
} finally {
  await server.close();
}
