// Scale benchmarks (issue 11, DECISIONS.md §10), each against a baseline measured in the same run:
// - scale-enqueue-1m: single-message enqueue rate (16 clients) with 1,000,000 queued ÷ with 10,000;
// - status-at-1m, list-at-1m: p50 of `GET /v1/status` and `GET /v1/messages?state=queued&limit=50`
//   with 1,000,000 queued (baseline: the same at 10,000);
// - enqueue-batch: messages/s in batches of 500 (baseline: raw SQLite inserts, 500 per transaction);
// - rss-at-1m: MB of RSS the 1,000,000 backlog adds (baseline: the idle daemon's RSS);
// - drain-100k-vs-bare: the daemon draining a 100,000 backlog to the emulator ÷ a bare sequential
//   sender (keep-alive POST /v2/send, one at a time) to the same emulator.
// The emulator runs as a process of its own; the load comes from minimal keep-alive HTTP/1.1
// clients over the Unix socket, so that the client is not what is measured. BENCH_SCALE scales
// the backlogs down for a quick look (e.g. 0.1).
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { figure, median, type BenchFigure } from '@tether/config/bench';
import Database from 'better-sqlite3';
import { ACCOUNT, FRIEND, RawClient, enqueue, percentile, report, startEmulatorProcess as startEmulator, startTetherd, type BenchTetherd } from './support.js';

const SCALE = Number(process.env['BENCH_SCALE'] ?? 1);
const BIG = Math.round(1_000_000 * SCALE);
const SMALL = Math.round(10_000 * SCALE);
const DRAIN = Math.round(100_000 * SCALE);
const TEXT = 'x'.repeat(100);

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const body = (index: number): string => JSON.stringify({ recipients: [FRIEND], message: `${index} ${TEXT}` });

/** Fills the outbox up to `total` in batches of 500 from four clients; returns messages/s. */
async function fill(socket: string, from: number, total: number): Promise<number> {
  const clients = Array.from({ length: 4 }, () => new RawClient(socket));
  let next = from;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < total) {
        const start = next;
        next = Math.min(total, next + 500);
        const messages = Array.from({ length: next - start }, (_, index) => ({ recipients: [FRIEND], message: `${start + index} ${TEXT}` }));
        const answer = await client.request('POST', '/v1/messages', JSON.stringify({ messages }));
        if (answer.status !== 202) throw new Error(`batch answered ${answer.status}: ${answer.body.toString()}`);
      }
    }),
  );
  for (const client of clients) client.close();
  return (total - from) / ((performance.now() - started) / 1000);
}

/** p50 of a read, one request at a time. */
async function readLatency(socket: string, target: string, count = 200): Promise<number> {
  const client = new RawClient(socket);
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const begin = performance.now();
    const answer = await client.request('GET', target);
    if (answer.status !== 200) throw new Error(`${target} answered ${answer.status}`);
    latencies.push(performance.now() - begin);
  }
  client.close();
  return percentile(latencies, 50);
}

function rawBatchInserts(total: number): number {
  const db = new Database(path.join(mkdtempSync(path.join(tmpdir(), 'sqlite-batch-')), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE messages (id TEXT PRIMARY KEY, position INTEGER, state TEXT, payload TEXT, created_at INTEGER)');
  const insert = db.prepare("INSERT INTO messages VALUES (?, ?, 'queued', ?, ?)");
  const batch = db.transaction((start: number) => {
    for (let index = start; index < start + 500; index++) insert.run(`m${index}`, index, body(index), Date.now());
  });
  const started = performance.now();
  for (let start = 0; start < total; start += 500) batch(start);
  const rate = total / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

async function scale(): Promise<Record<string, BenchFigure>> {
  const idle = await startTetherd({ TETHER_SIGNAL_URL: 'http://127.0.0.1:9', TETHER_OUTBOX_MAX: String(BIG * 2) }, { profile: true });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleRss = rssMb(idle.child.pid!);
  await fill(idle.socket, 0, SMALL);
  const atSmall = await enqueue(idle.socket, 8_000, 16, (index) => `${index} ${TEXT}`);
  const statusSmall = await readLatency(idle.socket, '/v1/status');
  const listSmall = await readLatency(idle.socket, '/v1/messages?state=queued&limit=50');
  const batchRate = await fill(idle.socket, SMALL + 8_000, BIG);
  const atBig = await enqueue(idle.socket, 8_000, 16, (index) => `${index} ${TEXT}`);
  const statusBig = await readLatency(idle.socket, '/v1/status');
  const listBig = await readLatency(idle.socket, '/v1/messages?state=queued&limit=50');
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const bigRss = rssMb(idle.child.pid!);
  idle.child.kill('SIGKILL');
  const raw = rawBatchInserts(200_000);
  return {
    'scale-enqueue-1m': figure(atBig.rate, atSmall.rate, 'messages/s', 'higher', 0),
    'status-at-1m': figure(statusBig, statusSmall, 'ms', 'lower', 3),
    'list-at-1m': figure(listBig, listSmall, 'ms', 'lower', 3),
    'enqueue-batch': figure(batchRate, raw, 'messages/s', 'higher'),
    'rss-at-1m': figure(bigRss - idleRss, idleRss, 'MB', 'lower', 1),
  };
}

/** A bare sequential sender: what the drain would be with no outbox around the request. */
async function bare(restUrl: string, count: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL('/v2/send', restUrl);
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const payload = JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: `bare ${index} ${TEXT}`, text_mode: 'normal', notify_self: false });
    await new Promise<void>((resolve, reject) => {
      const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (response.statusCode === 201) resolve();
          else reject(new Error(`bare send answered ${response.statusCode}`));
        });
      });
      request.on('error', reject);
      request.end(payload);
    });
  }
  agent.destroy();
  return count / ((performance.now() - started) / 1000);
}

async function drain(): Promise<{ daemon: number; bare: number }> {
  const emulator = await startEmulator();
  try {
    const bareRates: number[] = [];
    bareRates.push(await bare(emulator.restUrl, Math.min(DRAIN, 20_000)));
    // the backend is "down" while the backlog is written: tetherd points at a closed port first
    const tetherd: BenchTetherd = await startTetherd({ TETHER_SIGNAL_URL: emulator.restUrl, TETHER_LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info', TETHER_OUTBOX_MAX: String(BIG * 2) }, { profile: true });
    await post(emulator.adminUrl, '/_emulator/stop');
    await fill(tetherd.socket, 0, DRAIN);
    const client = new RawClient(tetherd.socket);
    await post(emulator.adminUrl, '/_emulator/start');
    // timed from the link's return (the reconnect backoff is not the drain's cost)
    let started = 0;
    for (;;) {
      const answer = await client.request('GET', '/v1/status');
      const status = JSON.parse(answer.body.toString('utf8')) as { state: string; outbox: { queued: number; sending: number } };
      if (started === 0 && (status.state === 'syncing' || status.state === 'connected')) started = performance.now();
      if (started > 0 && status.outbox.queued === 0 && status.outbox.sending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, started === 0 ? 1 : 20));
    }
    const daemonRate = DRAIN / ((performance.now() - started) / 1000);
    client.close();
    tetherd.child.kill(process.env['BENCH_PROFILE'] ? 'SIGTERM' : 'SIGKILL');
    bareRates.push(await bare(emulator.restUrl, Math.min(DRAIN, 20_000)));
    return { daemon: daemonRate, bare: median(bareRates) };
  } finally {
    emulator.child.kill('SIGKILL');
  }
}

function post(base: string, pathname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(pathname, base), { method: 'POST' }, (response) => {
      response.resume();
      response.on('end', () => ((response.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${pathname} answered ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end();
  });
}

const which = process.argv[2] ?? 'all';
const figures: Record<string, BenchFigure> = {};
if (which === 'all' || which === 'scale') Object.assign(figures, await scale());
if (which === 'all' || which === 'drain') {
  const rates = await drain();
  figures['drain-100k-vs-bare'] = figure(rates.daemon, rates.bare, 'messages/s', 'higher', 0);
}
report(figures);
