// Daemon benchmarks (DECISIONS.md §10), each against a baseline measured in the same run:
// - enqueue-16-clients: messages/s accepted through the control API by 16 concurrent clients
//   (backend unreachable, so only intake is measured), against raw SQLite inserts with the same
//   pragmas in this process; p50 and p99 request latencies are recorded beside it.
// - enqueue-16-clients-vs-bare-http: the same rate against a bare node:http server on a Unix socket
//   that parses each body and answers 202 with a message-sized JSON record, under the same load:
//   the most any Node HTTP service can accept on this machine, so the ratio is tetherd's share of it.
// - idle-cpu-60s: CPU seconds tetherd uses over 60 s idle and connected, against an idle
//   `node -e` timer loop measured over the same 60 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { figure, median } from '@tether/config/bench';
import { startEmulator } from '@tether/signal-emulator';
import Database from 'better-sqlite3';
import { ACCOUNT, NOWHERE, enqueue, percentile, report, startTetherd } from './support.js';

const TOTAL = Number(process.env['BENCH_MESSAGES'] ?? 8_000);
const CLIENTS = 16;
const IDLE_MS = Number(process.env['BENCH_IDLE_MS'] ?? 60_000);

async function enqueueRound(): Promise<{ rate: number; p50: number; p99: number }> {
  const { child, socket } = await startTetherd({ TETHER_SIGNAL_URL: NOWHERE });
  const result = await enqueue(socket, TOTAL, CLIENTS);
  child.kill('SIGKILL');
  return result;
}

/** A node:http server doing nothing but parse and answer, in a process of its own. */
const BARE_SERVER = `
const http = require('node:http');
http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const now = new Date().toISOString();
    const out = JSON.stringify({ id: 'm' + Date.now().toString(36) + Math.random().toString(16).slice(2, 10), state: 'queued', recipients: body.recipients, message: body.message, attempts: 0, ambiguous: false, createdAt: now, updatedAt: now });
    response.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    response.end(out);
  });
}).listen(process.argv[1], () => console.log('listening'));`;

async function bareHttpRound(): Promise<{ rate: number; p50: number; p99: number }> {
  const socket = path.join(mkdtempSync(path.join(tmpdir(), 'bare-http-')), 'bare.sock');
  const child = spawn(process.execPath, ['-e', BARE_SERVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  const result = await enqueue(socket, TOTAL, CLIENTS);
  child.kill('SIGKILL');
  return result;
}

function rawInserts(): { rate: number; p50: number; p99: number } {
  const db = new Database(path.join(mkdtempSync(path.join(tmpdir(), 'sqlite-bench-')), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE messages (id TEXT PRIMARY KEY, position INTEGER, state TEXT, payload TEXT, created_at INTEGER)');
  const insert = db.prepare("INSERT INTO messages VALUES (?, ?, 'queued', ?, ?)");
  const latencies: number[] = [];
  const started = performance.now();
  for (let index = 0; index < TOTAL; index++) {
    const begin = performance.now();
    insert.run(`m${index}`, index, JSON.stringify({ recipients: ['+4915187654321'], message: `bench ${index}` }), Date.now());
    latencies.push(performance.now() - begin);
  }
  const rate = TOTAL / ((performance.now() - started) / 1000);
  db.close();
  return { rate, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** CPU time of every thread of a process, in seconds, from /proc schedstat (nanoseconds: the 10 ms ticks of /proc stat are too coarse for an idle process). */
function cpuSeconds(pid: number): number {
  let nanoseconds = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return nanoseconds / 1e9;
}

async function idleCpu(): Promise<{ value: number; baseline: number }> {
  const emulator = await startEmulator({ account: ACCOUNT });
  const { child } = await startTetherd({ TETHER_SIGNAL_URL: emulator.restUrl! });
  const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  // V8 runs its memory reducer (GC on worker threads) several seconds after a start: let both
  // processes get past it, so that the window measures idling, not starting
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const before = [cpuSeconds(child.pid!), cpuSeconds(baseline.pid!)];
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const after = [cpuSeconds(child.pid!), cpuSeconds(baseline.pid!)];
  child.kill('SIGKILL');
  baseline.kill('SIGKILL');
  await emulator.close();
  return { value: after[0]! - before[0]!, baseline: after[1]! - before[1]! };
}

const rounds = [await enqueueRound(), await enqueueRound(), await enqueueRound()];
const raw = [rawInserts(), rawInserts(), rawInserts()];
const bareHttp = [await bareHttpRound(), await bareHttpRound(), await bareHttpRound()];
const idle = await idleCpu();
const figures = {
  'enqueue-16-clients': figure(median(rounds.map((round) => round.rate)), median(raw.map((round) => round.rate)), 'messages/s', 'higher'),
  'enqueue-16-clients-p50': figure(median(rounds.map((round) => round.p50)), median(raw.map((round) => round.p50)), 'ms', 'lower', 3),
  'enqueue-16-clients-p99': figure(median(rounds.map((round) => round.p99)), median(raw.map((round) => round.p99)), 'ms', 'lower', 3),
  'enqueue-16-clients-vs-bare-http': figure(median(rounds.map((round) => round.rate)), median(bareHttp.map((round) => round.rate)), 'messages/s', 'higher'),
  'idle-cpu-60s': figure(idle.value, idle.baseline, 'cpu-seconds', 'lower', 4),
};
report(figures);
