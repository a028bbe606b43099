// Daemon benchmarks (DECISIONS.md §10), each against a baseline measured in the same run:
// - enqueue-16-clients: messages/s accepted through the control API by 16 concurrent clients
//   (backend unreachable, so only intake is measured), against raw SQLite inserts with the same
//   pragmas in this process; p50 and p99 request latencies are recorded beside it.
// - idle-cpu-60s: CPU seconds tetherd uses over 60 s idle and connected, against an idle
//   `node -e` timer loop measured over the same 60 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, median, writeResults } from '@tether/config/bench';
import { startEmulator } from '@tether/signal-emulator';
import Database from 'better-sqlite3';

const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));
const ACCOUNT = '+4915112345678';
const TOTAL = Number(process.env['BENCH_MESSAGES'] ?? 8_000);
const CLIENTS = 16;
const IDLE_MS = Number(process.env['BENCH_IDLE_MS'] ?? 60_000);

function startTetherd(env: Record<string, string>): Promise<{ child: ChildProcess; socket: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tetherd-bench-'));
  const socket = path.join(dir, 'tether.sock');
  const child = spawn(process.execPath, [BIN], { env: { PATH: process.env['PATH'] ?? '', HOME: dir, TETHER_ACCOUNT: ACCOUNT, TETHER_STATE_DIR: dir, TETHER_SOCKET: socket, TETHER_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const agent = () => http.get({ socketPath: socket, path: '/healthz' }, (response) => (response.resume(), resolve({ child, socket }))).on('error', () => setTimeout(agent, 50));
    child.once('exit', (code) => reject(new Error(`tetherd exited with ${code}`)));
    agent();
  });
}

function post(agent: http.Agent, socket: string, body: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: socket, agent, method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 202 ? resolve(performance.now() - started) : reject(new Error(`status ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

async function enqueue(): Promise<{ rate: number; p50: number; p99: number }> {
  const { child, socket } = await startTetherd({ TETHER_SIGNAL_URL: 'http://127.0.0.1:9' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < TOTAL) {
        const index = next++;
        latencies.push(await post(agent, socket, JSON.stringify({ recipients: ['+4915187654321'], message: `bench ${index}` })));
      }
    }),
  );
  const rate = TOTAL / ((performance.now() - started) / 1000);
  agent.destroy();
  child.kill('SIGKILL');
  return { rate, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
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

const rounds = [await enqueue(), await enqueue(), await enqueue()];
const raw = [rawInserts(), rawInserts(), rawInserts()];
const idle = await idleCpu();
const figures = {
  'enqueue-16-clients': figure(median(rounds.map((round) => round.rate)), median(raw.map((round) => round.rate)), 'messages/s', 'higher'),
  'enqueue-16-clients-p50': figure(median(rounds.map((round) => round.p50)), median(raw.map((round) => round.p50)), 'ms', 'lower', 3),
  'enqueue-16-clients-p99': figure(median(rounds.map((round) => round.p99)), median(raw.map((round) => round.p99)), 'ms', 'lower', 3),
  'idle-cpu-60s': figure(idle.value, idle.baseline, 'cpu-seconds', 'lower', 4),
};
const file = writeResults('daemon', figures);
for (const [name, result] of Object.entries(figures)) {
  console.log(`${name.padEnd(24)} ${String(result.value).padStart(10)} ${result.unit.padEnd(11)} baseline ${String(result.baseline).padStart(10)}  ratio ${result.ratio}`);
}
console.log(`written to ${file}`);
