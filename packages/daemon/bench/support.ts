// What the daemon's benchmark scripts share: the real tetherd as a child process, a minimal
// keep-alive HTTP/1.1 client over its Unix socket (so that the client is not what is measured),
// the PostgreSQL baseline (one-row INSERT transactions), percentiles and the printout.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults, type BenchFigure } from '@tether/config/bench';
import pg from 'pg';

const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));
const EMULATOR = fileURLToPath(new URL('../../signal-emulator/dist/cli.js', import.meta.url));
export const ACCOUNT = '+4915112345678';
export const FRIEND = '+4915187654321';
/** A backend URL nothing listens on: the link stays down and only intake is measured. */
export const NOWHERE = 'http://127.0.0.1:9';

export interface BenchTetherd {
  readonly child: ChildProcess;
  readonly socket: string;
}

/** Starts tetherd in a fresh state directory; resolves once `/healthz` answers. */
export async function startTetherd(env: Record<string, string>, options: { readonly profile?: boolean } = {}): Promise<BenchTetherd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tetherd-bench-'));
  const socket = path.join(dir, 'tether.sock');
  const profile = options.profile && process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [];
  const child = spawn(process.execPath, [...profile, BIN], {
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, TETHER_ACCOUNT: ACCOUNT, TETHER_STATE_DIR: dir, TETHER_SOCKET: socket, TETHER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  // a bench that fails half-way must not leave its tetherds running
  const reap = (): void => void child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  await new Promise<void>((resolve, reject) => {
    const probe = (): void => void http.get({ socketPath: socket, path: '/healthz' }, (response) => (response.resume(), resolve())).on('error', () => setTimeout(probe, 50));
    child.once('exit', (code) => reject(new Error(`tetherd exited with ${code}`)));
    probe();
  });
  return { child, socket };
}

/** Resolves with the first line of the child's stdout that matches. */
function line(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      for (const text of buffered.split('\n')) {
        if (pattern.test(text)) {
          child.stdout!.off('data', onData);
          resolve(text);
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}`)));
  });
}

/** The emulator as a process of its own, so that its work is not the bench process's. */
export async function startEmulatorProcess(): Promise<{ child: ChildProcess; restUrl: string; adminUrl: string }> {
  const child = spawn(process.execPath, [EMULATOR, '--account', ACCOUNT, '--port', '0', '--admin-port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = JSON.parse(await line(child, /^\{/)) as { restUrl: string; adminUrl: string };
  return { child, restUrl: ready.restUrl, adminUrl: ready.adminUrl };
}

/** One request in flight on one keep-alive Unix socket connection. */
export class RawClient {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: ((answer: RawAnswer) => void) | undefined;

  constructor(socketPath: string) {
    this.#socket = net.connect({ path: socketPath });
    this.#socket.on('data', (chunk: Buffer) => this.#data(chunk));
    // a server that answers before it has read the body may close the connection under the writer
    this.#socket.on('error', () => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.({ status: 0, head: '', body: Buffer.alloc(0) });
    });
  }

  /** A Buffer body is written as it is, without a copy into the request's text. */
  request(method: string, target: string, body: string | Buffer = ''): Promise<RawAnswer> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      const head = `${method} ${target} HTTP/1.1\r\nhost: tetherd\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      if (typeof body === 'string') this.#socket.write(`${head}${body}`);
      else {
        this.#socket.write(head);
        this.#socket.write(body);
      }
    });
  }

  async json<T>(method: string, target: string, body = ''): Promise<T> {
    const answer = await this.request(method, target, body);
    return JSON.parse(answer.body.toString('utf8')) as T;
  }

  close(): void {
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < end + 4 + length) return;
    const answer = { status: Number(head.slice(9, 12)), head, body: this.#buffer.subarray(end + 4, end + 4 + length) };
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(answer);
  }
}

export interface RawAnswer {
  /** 0: the connection failed before an answer came. */
  readonly status: number;
  /** The status line and headers, as sent. */
  readonly head: string;
  readonly body: Buffer;
}

/**
 * `total` operations by `clients` concurrent workers, each taking the next index until none is
 * left: operations/s and per-operation latencies (ms). `operation` gets the index and its worker's number.
 */
export async function underLoad(total: number, clients: number, operation: (index: number, worker: number) => Promise<void>): Promise<{ rate: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      while (next < total) {
        const index = next++;
        const begin = performance.now();
        await operation(index, worker);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { rate: total / ((performance.now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Single-message enqueue by `clients` concurrent clients: messages/s and request latencies (ms). */
export async function enqueue(socket: string, count: number, clients = 16, text = (index: number) => `bench ${index}`): Promise<{ rate: number; p50: number; p99: number }> {
  const connections = Array.from({ length: clients }, () => new RawClient(socket));
  const measured = await underLoad(count, clients, async (index, worker) => {
    const answer = await connections[worker]!.request('POST', '/v1/messages', JSON.stringify({ recipients: [FRIEND], message: text(index) }));
    if (answer.status !== 202) throw new Error(`enqueue answered ${answer.status}: ${answer.body.toString()}`);
  });
  for (const client of connections) client.close();
  return measured;
}

export const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/** Writes the figures to bench-results/daemon.json and prints them. */
export function report(figures: Readonly<Record<string, BenchFigure>>): void {
  const file = writeResults('daemon', figures);
  for (const [name, result] of Object.entries(figures)) {
    console.log(`${name.padEnd(28)} ${String(result.value).padStart(10)} ${result.unit.padEnd(11)} baseline ${String(result.baseline).padStart(10)}  ratio ${result.ratio}`);
  }
  console.log(`written to ${file}`);
}

/** One-row INSERT transactions by `clients` concurrent pg connections into a fresh table of `url`: the PostgreSQL baseline. */
export async function postgresInserts(url: string, total: number, clients: number): Promise<{ rate: number; p50: number; p99: number }> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('CREATE TABLE rows (id text PRIMARY KEY, payload text NOT NULL, created_at bigint NOT NULL)');
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, max: clients });
  const measured = await underLoad(total, clients, async (index) => {
    await pool.query({ name: 'insert', text: 'INSERT INTO rows VALUES ($1, $2, $3)', values: [`r${index}`, JSON.stringify({ recipients: [FRIEND], message: `bench ${index}` }), Date.now()] });
  });
  await pool.end();
  return measured;
}
