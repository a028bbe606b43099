// Large request bodies (issue 14, DECISIONS.md §10), against baselines measured in the same run:
// - big-bodies-rss: peak MB of RSS over idle while 8 clients each post one ~100 MB body to
//   `POST /v1/messages` (a send with one attachment of ~75 MB, base64) and tetherd sends them to
//   the emulator. A client refused with 503 waits out Retry-After and posts again, as a real one
//   would, until all 8 are accepted and sent. Baseline: the peak over idle of one client posting
//   one such body, in a tetherd of its own.
// - big-bodies-stall-ms: the slowest `GET /healthz` answer while the 8 clients post (a probe every
//   10 ms from a worker thread, so the bench's own writing does not delay it), against the slowest
//   answer of the same probe to the idle daemon before the posts.
// The peak comes from the kernel (VmHWM, reset through /proc/PID/clear_refs once the daemon idles).
// The emulator runs as a process of its own.
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { figure } from '@tether/config/bench';
import { FRIEND, RawClient, report, startEmulatorProcess, startTetherd, type BenchTetherd } from './support.js';

const CLIENTS = 8;
const BODY_BYTES = Number(process.env['BENCH_BODY_MB'] ?? 100) * 1024 * 1024;
const IDLE_MS = 3_000;

/** A single send whose attachment makes the whole JSON body BODY_BYTES long. */
function bigBody(): Buffer {
  const frame = (data: string): string =>
    JSON.stringify({ recipients: [FRIEND], message: 'big body', attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data }] });
  const room = BODY_BYTES - Buffer.byteLength(frame(''));
  const data = randomBytes(Math.floor(room / 4) * 3).toString('base64');
  return Buffer.from(frame(data));
}

function kib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** Polls `/healthz` every 10 ms on a thread of its own until stopped; resolves with the slowest answer (ms). */
function probe(socket: string): { stop: () => Promise<number> } {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let worst = 0;
    let failures = 0;
    let stopping = false;
    parentPort.on('message', () => { stopping = true; });
    const once = () => new Promise((resolve, reject) => {
      const begin = performance.now();
      http.get({ socketPath: workerData, path: '/healthz', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(performance.now() - begin));
      }).on('error', reject);
    });
    (async () => {
      while (!stopping) {
        try {
          const took = await once();
          if (process.env.BENCH_TRACE && took > 50) console.error('slow /healthz: ' + took.toFixed(0) + ' ms at ' + new Date().toISOString());
          worst = Math.max(worst, took);
        } catch (error) {
          failures++;
          console.error('probe ' + (worst === 0 ? 'failed at its first request' : 'failed') + ': ' + error.message);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      agent.destroy();
      parentPort.postMessage({ worst, failures });
    })();
    `,
    { eval: true, workerData: socket },
  );
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', ({ worst, failures }: { worst: number; failures: number }) => {
          if (failures > 0) console.error(`${failures} /healthz probe(s) failed and were retried on a new connection`);
          void worker.terminate().then(() => resolve(worst));
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

/**
 * Posts the body until it is accepted, waiting out Retry-After on 503; a connection the daemon
 * closed under the upload (it may answer 503 before reading the body, then hang up) is retried
 * after a second on a new one. Returns the message id and the refusals.
 */
async function post(socket: string, body: Buffer): Promise<{ id: string; refusals: number; resets: number }> {
  let refusals = 0;
  let resets = 0;
  for (;;) {
    const client = new RawClient(socket);
    const answer = await client.request('POST', '/v1/messages', body);
    client.close();
    if (answer.status === 202) return { id: (JSON.parse(answer.body.toString('utf8')) as { id: string }).id, refusals, resets };
    if (answer.status !== 503 && answer.status !== 0) throw new Error(`POST answered ${answer.status}: ${answer.body.toString('utf8')}`);
    if (answer.status === 0) resets++;
    else refusals++;
    const seconds = Number(/retry-after: *(\d+)/i.exec(answer.head)?.[1] ?? 1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Waits until every message is sent, reading the list (summaries: `GET /v1/messages/:id` would read each body whole). */
async function sent(socket: string, ids: readonly string[]): Promise<void> {
  for (;;) {
    // a fresh connection each time: a stall longer than the keep-alive timeout closes an idle one
    const client = new RawClient(socket);
    const answer = await client.request('GET', `/v1/messages?limit=${ids.length + 10}`);
    client.close();
    if (answer.status !== 200) continue;
    const listed = JSON.parse(answer.body.toString('utf8')) as { id: string; state: string }[];
    const states = ids.map((id) => listed.find((each) => each.id === id)?.state);
    if (states.every((state) => state === 'sent')) break;
    const stuck = states.find((state) => state !== 'queued' && state !== 'sending' && state !== 'sent');
    if (stuck !== undefined) throw new Error(`a message ended ${stuck}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readyz(tetherd: BenchTetherd): Promise<void> {
  const client = new RawClient(tetherd.socket);
  while ((await client.request('GET', '/readyz')).status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  client.close();
}

interface Round {
  readonly idleMb: number;
  readonly peakOverIdleMb: number;
  readonly idleStallMs: number;
  readonly stallMs: number;
  readonly refusals: number;
  readonly resets: number;
  readonly seconds: number;
}

/** `clients` clients post one big body each to a fresh tetherd, which sends them to the emulator. */
async function round(restUrl: string, body: Buffer, clients: number): Promise<Round> {
  const tetherd = await startTetherd({ TETHER_SIGNAL_URL: restUrl });
  const pid = tetherd.child.pid!;
  const kill = (): void => void tetherd.child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    await readyz(tetherd);
    const idleProbe = probe(tetherd.socket);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleStallMs = await idleProbe.stop();
    const idleKib = kib(pid, 'VmRSS');
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // the peak starts again from the current RSS
    const loadProbe = probe(tetherd.socket);
    const started = performance.now();
    const posted = await Promise.all(Array.from({ length: clients }, () => post(tetherd.socket, body)));
    await sent(tetherd.socket, posted.map((each) => each.id));
    const seconds = (performance.now() - started) / 1000;
    const stallMs = await loadProbe.stop();
    const peakKib = kib(pid, 'VmHWM');
    return {
      idleMb: idleKib / 1024,
      peakOverIdleMb: (peakKib - idleKib) / 1024,
      idleStallMs,
      stallMs,
      refusals: posted.reduce((total, each) => total + each.refusals, 0),
      resets: posted.reduce((total, each) => total + each.resets, 0),
      seconds,
    };
  } finally {
    process.off('exit', kill);
    kill();
  }
}

const body = bigBody();
const emulator = await startEmulatorProcess();
process.once('exit', () => emulator.child.kill('SIGKILL'));
try {
  const one = await round(emulator.restUrl, body, 1);
  const many = await round(emulator.restUrl, body, CLIENTS);
  const mb = (value: number): string => value.toFixed(1);
  console.log(`body ${mb(body.length / 1024 / 1024)} MiB; idle RSS ${mb(one.idleMb)} / ${mb(many.idleMb)} MB`);
  console.log(`1 client: +${mb(one.peakOverIdleMb)} MB, slowest /healthz ${one.stallMs.toFixed(1)} ms, ${one.seconds.toFixed(1)} s`);
  console.log(`${CLIENTS} clients: +${mb(many.peakOverIdleMb)} MB, slowest /healthz ${many.stallMs.toFixed(1)} ms (idle ${many.idleStallMs.toFixed(1)} ms), ${many.refusals} refusals (503), ${many.resets} uploads cut off, ${many.seconds.toFixed(1)} s`);
  report({
    'big-bodies-rss': figure(many.peakOverIdleMb, one.peakOverIdleMb, 'MB', 'lower', 1),
    'big-bodies-stall-ms': figure(many.stallMs, many.idleStallMs, 'ms', 'lower', 1),
  });
} finally {
  emulator.child.kill('SIGTERM');
}
