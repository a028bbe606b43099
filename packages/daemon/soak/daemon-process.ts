// The real tetherd binary on temporary paths, started, SIGKILLed, SIGTERMed and started again on
// the same state directory. Callers that lost their answer wait here until it is back up.
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Child } from './children.js';
import { request, type Answer } from './http.js';

const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));

export class DaemonProcess {
  readonly socket: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #logFile: string;
  #child: Child | undefined;
  #up = false;
  #upWaiters: (() => void)[] = [];
  /** Exits nobody asked for: each one is a daemon bug. */
  readonly crashes: string[] = [];

  constructor(options: { socket: string; env: NodeJS.ProcessEnv; logFile: string }) {
    this.socket = options.socket;
    this.#env = options.env;
    this.#logFile = options.logFile;
  }

  get up(): boolean {
    return this.#up;
  }

  async start(): Promise<void> {
    const child = startChild(BIN, [], this.#env, this.#logFile);
    this.#child = child;
    void child.exited.then(({ code, signal }) => {
      if (this.#child !== child) return;
      this.crashes.push(`tetherd exited by itself (code ${code}, signal ${signal})`);
      this.#child = undefined;
      this.#up = false;
      // Keep the soak going (and counting) rather than stall on a daemon that is gone.
      void this.start();
    });
    await child.line(/control API listening/);
    this.#up = true;
    for (const resolve of this.#upWaiters.splice(0)) resolve();
  }

  /** Marks it down first, so that no caller mistakes the dying process for a live one. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const child = this.#child;
    this.#up = false;
    this.#child = undefined;
    if (!child) return undefined;
    await stopChild(child, signal);
    return child.exited;
  }

  whenUp(): Promise<void> {
    return this.#up ? Promise.resolve() : new Promise((resolve) => this.#upWaiters.push(resolve));
  }

  request<T = unknown>(method: string, pathname: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer<T>> {
    return request<T>({ socketPath: this.socket }, method, pathname, options);
  }
}
