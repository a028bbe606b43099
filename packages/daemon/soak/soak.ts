// `pnpm soak`: thousands of messages through the real tetherd, and incoming messages into it,
// while a seeded fault schedule kills, freezes, rate-limits and restarts the emulator (and the
// signal-cli behind it) and kills the daemon; then counts, from the emulator's own records, what
// was lost or duplicated, checks every incoming loss against the loss windows tetherd reported,
// and writes bench-results/soak.json. `--store postgres` runs three tetherds on one PostgreSQL
// database instead, kills and pauses their leader, and writes bench-results/soak-postgres.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPostgres, type TestPostgres } from '@tether/test-postgres';
import { Cluster } from './cluster.js';
import { DaemonProcess } from './daemon-process.js';
import { daemonMessages, sentCopies, waitForDrain } from './drain.js';
import { EmulatorProcess } from './emulator-process.js';
import { writeEventLedger } from './event-ledger.js';
import { EventWatch } from './event-watch.js';
import { settleIncoming } from './incoming-settle.js';
import { tallyIncoming } from './incoming-tally.js';
import { IncomingInjector } from './incoming.js';
import { leaderTakes } from './leader-changes.js';
import { reportedWindows } from './loss-windows.js';
import { runFaults, type RunnerProgress } from './fault-runner.js';
import { buildSchedule } from './fault-schedule.js';
import type { FaultTally } from './faults.js';
import { readOptions, seededRandom } from './options.js';
import { report } from './report.js';
import { Release, submitAll, type Submission } from './submitters.js';
import { tally, type SoakResult } from './tally.js';

const ACCOUNT = '+4915112345678';
const BASE_LATENCY_MS = 2;
/** The leader lease of the PostgreSQL run: short, so that a paused leader is replaced quickly. */
const LEASE_MS = 2_000;
const INSTANCES = ['a', 'b', 'c'] as const;

const options = readOptions(process.env, process.argv.slice(2));
const shared = options.store === 'postgres';
const RESULT_FILE = fileURLToPath(new URL(`../../../bench-results/${shared ? 'soak-postgres' : 'soak'}.json`, import.meta.url));
const random = seededRandom(options.seed);
const startedAt = Date.now();
const log = (line: string): void => void process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
log(
  `soak: ${options.messages} messages, ${options.incoming} incoming, ${options.faults} faults, ${options.backend} backend, ${shared ? `${INSTANCES.length} tetherds on PostgreSQL` : 'one tetherd on SQLite'}, seed ${options.seed} (replay: SOAK_SEED=${options.seed}${shared ? ' SOAK_STORE=postgres' : ''})`,
);

const dir = mkdtempSync(path.join(tmpdir(), 'tether-soak-'));
const emulator = new EmulatorProcess({ account: ACCOUNT, backend: options.backend, recordFile: path.join(dir, 'sent.ndjson'), logFile: path.join(dir, 'emulator.log'), baseLatencyMs: BASE_LATENCY_MS });
await emulator.start();
const postgres: TestPostgres | undefined = shared ? await startTestPostgres() : undefined;
const databaseUrl = postgres ? await postgres.createDatabase() : undefined;

function daemonProcess(instance: string | undefined): DaemonProcess {
  const suffix = instance === undefined ? '' : `-${instance}`;
  const socket = path.join(dir, `tether${suffix}.sock`);
  return new DaemonProcess({
    ...(instance === undefined ? {} : { name: instance }),
    socket,
    logFile: path.join(dir, `tetherd${suffix}.log`),
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      TETHER_ACCOUNT: ACCOUNT,
      TETHER_STATE_DIR: path.join(dir, `state${suffix}`),
      TETHER_SOCKET: socket,
      TETHER_SIGNAL_URL: emulator.signalUrl,
      ...(options.backend === 'jsonrpc' ? { TETHER_RECEIVE_MODE: 'manual' } : {}),
      ...(instance === undefined ? {} : { TETHER_DATABASE_URL: databaseUrl!, TETHER_INSTANCE_ID: instance, TETHER_LEASE_MS: String(LEASE_MS) }),
      TETHER_BACKOFF_INITIAL_MS: '20',
      TETHER_BACKOFF_MAX_MS: '200',
      TETHER_HEARTBEAT_INTERVAL_MS: '500',
      TETHER_HEARTBEAT_TIMEOUT_MS: '500',
      TETHER_CONNECT_TIMEOUT_MS: '1000',
      TETHER_SEND_TIMEOUT_MS: '1000',
      // Restart gaps of signal-cli last at least one REST redial interval: probes must see them.
      TETHER_PROBE_INTERVAL_MS: '250',
      TETHER_SHUTDOWN_TIMEOUT_MS: '2000',
      TETHER_LOG_LEVEL: 'info',
    },
  });
}

const cluster = new Cluster(shared ? INSTANCES.map(daemonProcess) : [daemonProcess(undefined)]);
// the first one started leads, the others stand by
await cluster.members[0]!.start();
await Promise.all(cluster.members.slice(1).map((member) => member.start()));
const watch = new EventWatch(cluster);
watch.start();
log(`emulator at ${emulator.signalUrl}, ${shared ? `tetherds ${INSTANCES.join(', ')} up (leader ${(await cluster.leader()).name})` : 'tetherd up'}; logs and record in ${dir}`);

const schedule = buildSchedule(options.faults, random, options.backend, options.store);
const incoming = new IncomingInjector(emulator);
const release = new Release(options.messages);
const submission: Submission = { accepted: new Map(), retried: 0, byInstance: new Map() };
const progress: RunnerProgress = { applied: 0 };
const faultTally: FaultTally = { daemonKills: 0, daemonTerms: 0, emulatorKills: 0, badTerms: [], leaderPauses: 0, badPauses: [] };
const status = () => `accepted ${submission.accepted.size}/${options.messages}, sent ${watch.sent}, retried POSTs ${submission.retried}`;

// Messages go out at the pace that spreads what is left over the faults still to come.
const TICK_MS = 50;
const ticker = setInterval(() => {
  const remainingMs = Math.max(1, options.faults - progress.applied) * options.faultSpacingMs;
  release.add(((options.messages - release.allowed) * TICK_MS) / remainingMs + 0.5);
}, TICK_MS);
const submitting = submitAll({ cluster, count: options.messages, concurrency: options.submitters, seed: options.seed, release, submission });
// Incoming messages spread over the planned length of the schedule.
incoming.start(options.incoming, Math.max(5, Math.floor((options.faults * options.faultSpacingMs) / Math.max(1, options.incoming))));

await runFaults({
  schedule,
  context: { cluster, leaseMs: LEASE_MS, emulator, random, baseLatencyMs: BASE_LATENCY_MS, rateLimitRetryAfter: options.backend === 'jsonrpc', tally: faultTally, backend: options.backend, incoming, watch },
  watch,
  spacingMs: options.faultSpacingMs,
  progress,
  log,
  status,
  noMoreSends: () => submission.accepted.size === options.messages && watch.sent >= options.messages,
});
clearInterval(ticker);
release.finish();
await submitting;
await incoming.finish(10);
log(`every fault applied and every message accepted | ${status()}`);
await emulator.admin('POST', '/_emulator/faults/clear');
const outbox = await waitForDrain(cluster, watch, options.drainDeadlineMs);
log(outbox.drained ? `outbox drained | ${status()}` : `DEADLINE: outbox still holds ${outbox.queued} queued, ${outbox.sending} sending`);

const unsettled = await settleIncoming(incoming, watch, emulator, 30_000);
if (unsettled > 0) log(`${unsettled} incoming messages neither spooled nor dropped after 30 s`);

const outgoing = tally({
  accepted: submission.accepted,
  records: await sentCopies(emulator),
  daemonMessages: await daemonMessages(cluster, submission.accepted.values()),
  faults: progress.applied,
  daemonKills: faultTally.daemonKills,
});
const windows = await reportedWindows(cluster);
const incomingTally = tallyIncoming({ injected: incoming.injected, uncertain: incoming.uncertain, received: watch.received, dropped: await emulator.dropped(), windows });
const { lostOutgoing, ...outgoingFigures } = outgoing.result;
const leaders = shared ? leaderTakes(cluster.members) : [];
const result: SoakResult & { failovers?: number } = {
  ...outgoingFigures,
  lost: incomingTally.lost,
  incoming: incomingTally.incoming,
  busyDrops: incomingTally.busyDrops,
  lostOutsideWindows: lostOutgoing + incomingTally.outside.length,
  // every take of the lead after the first is a leader change
  ...(shared ? { failovers: Math.max(0, leaders.length - 1) } : {}),
};
const diagnostics = outgoing.diagnostics;
watch.close();
for (const member of cluster.members) await member.stop('SIGTERM');
await emulator.kill();

mkdirSync(path.dirname(RESULT_FILE), { recursive: true });
writeFileSync(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
const passed = report({ result, diagnostics, incoming: { ...incomingTally, uncertain: incoming.uncertain.size, windows: windows.length }, faultTally, crashes: cluster.crashes, challenges: watch.challenges, retried: submission.retried, seconds: (Date.now() - startedAt) / 1000, drained: outbox.drained, resultFile: RESULT_FILE, ...(shared ? { shared: { leaders, byInstance: submission.byInstance, streamOpened: watch.opened } } : {}) });
const kept = !passed || options.keep;
if (kept && databaseUrl !== undefined) await writeEventLedger(databaseUrl, path.join(dir, 'events.tsv'));
await postgres?.close();
if (!kept) rmSync(dir, { recursive: true, force: true });
else log(`kept ${dir} (${shared ? 'tetherd-a.log … tetherd-c.log, events.tsv (the shared event log: ids, kinds, times)' : 'tetherd.log'}, emulator.log, sent.ndjson, state*/) for inspection`);
process.exitCode = passed ? 0 : 1;
