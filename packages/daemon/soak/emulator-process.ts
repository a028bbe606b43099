// The signal emulator as a process of its own, so it can be SIGKILLed and restarted on the same
// ports; its --record file keeps what "Signal" accepted across those restarts, and the incoming
// messages it dropped are collected before each kill (that list lives in its memory). Faults are
// driven through its admin API on a separate port.
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Child } from './children.js';
import { delay, request } from './http.js';

const CLI = fileURLToPath(new URL('../../signal-emulator/dist/cli.js', import.meta.url));

export type Backend = 'rest' | 'jsonrpc';

/** An incoming message the emulator lost for good, as its `dropped()` reports it. */
export interface DroppedRecord {
  readonly timestamp: number;
  readonly at: number;
  readonly reason: 'no-client' | 'busy' | 'signal-cli-restart';
}

/** How often the REST server redials a restarted signal-cli (real: 2 s); short keeps the soak quick. */
export const REDIAL_INTERVAL_MS = 500;

interface Ready {
  readonly restUrl: string | null;
  readonly jsonRpcUrl: string | null;
  readonly adminUrl: string | null;
}

export class EmulatorProcess {
  readonly #account: string;
  readonly #backend: Backend;
  readonly #recordFile: string;
  readonly #logFile: string;
  #child: Child | undefined;
  #ports = { signal: 0, admin: 0 };
  #baseLatencyMs: number;
  readonly #dropped: DroppedRecord[] = [];
  #droppedInThisLife = 0;

  constructor(options: { account: string; backend: Backend; recordFile: string; logFile: string; baseLatencyMs: number }) {
    this.#account = options.account;
    this.#backend = options.backend;
    this.#recordFile = options.recordFile;
    this.#logFile = options.logFile;
    this.#baseLatencyMs = options.baseLatencyMs;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The URL tetherd connects to (fixed after the first start). */
  get signalUrl(): string {
    return this.#backend === 'rest' ? `http://127.0.0.1:${this.#ports.signal}` : `tcp://127.0.0.1:${this.#ports.signal}`;
  }

  /** Starts on the ports of the previous run (random ones the first time); retries a busy port. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const child = startChild(CLI, this.#args(), { PATH: process.env['PATH'] ?? '' }, this.#logFile);
      try {
        const ready = JSON.parse(await child.line(/^\{/)) as Ready;
        const signalUrl = this.#backend === 'rest' ? ready.restUrl : ready.jsonRpcUrl;
        this.#ports = { signal: Number(new URL(signalUrl!).port), admin: Number(new URL(ready.adminUrl!).port) };
        this.#child = child;
        this.#droppedInThisLife = 0;
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await delay(100);
      }
    }
    await this.latency(this.#baseLatencyMs);
  }

  /** SIGKILL: no goodbye, sockets reset by the kernel, queued faults and freezes gone. */
  async kill(): Promise<void> {
    // A failed collection must not stop the kill; the soak then under-counts drops and fails loudly.
    if (this.#child) await this.#collectDropped().catch(() => undefined);
    const child = this.#child;
    this.#child = undefined;
    if (child) await stopChild(child, 'SIGKILL');
  }

  /** Every incoming message dropped so far, across the emulator's lives. */
  async dropped(): Promise<DroppedRecord[]> {
    if (this.#child) await this.#collectDropped();
    return [...this.#dropped];
  }

  /** Appends what the running process dropped since the last collection (its list only grows). */
  async #collectDropped(): Promise<void> {
    const all = await this.admin<DroppedRecord[]>('GET', '/_emulator/dropped');
    const seen = this.#droppedInThisLife;
    this.#dropped.push(...all.slice(seen).map(({ timestamp, at, reason }) => ({ timestamp, at, reason })));
    this.#droppedInThisLife = all.length;
  }

  latency(ms: number): Promise<void> {
    return this.admin('POST', '/_emulator/faults/latency', { ms }).then(() => undefined);
  }

  /** A call to the admin API; anything but 200 is a bug in the soak and stops it. */
  async admin<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T> {
    const answer = await request<T>({ host: '127.0.0.1', port: this.#ports.admin }, method, pathname, body === undefined ? {} : { body });
    if (answer.status !== 200) throw new Error(`emulator admin ${method} ${pathname} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  #args(): string[] {
    const common = ['--account', this.#account, '--json', '--record', this.#recordFile, '--admin-port', String(this.#ports.admin), '--redial-interval-ms', String(REDIAL_INTERVAL_MS)];
    return this.#backend === 'rest'
      ? [...common, '--port', String(this.#ports.signal)]
      : [...common, '--no-rest', '--jsonrpc', `tcp://127.0.0.1:${this.#ports.signal}`, '--receive-mode', 'manual'];
  }
}
