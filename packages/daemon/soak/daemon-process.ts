// The real tetherd binary on temporary paths, started, SIGKILLed, SIGTERMed, paused (SIGSTOP) and
// started again on the same state directory. Callers that lost their answer wait here until it is
// back up.
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Child } from './children.js';
import { request, type Answer } from './http.js';

const BIN = fileURLToPath(new URL('../dist/tetherd.js', import.meta.url));

export class DaemonProcess {
  /** The instance id on a shared database (`TETHER_INSTANCE_ID`), else `tetherd`. */
  readonly name: string;
  readonly socket: string;
  readonly logFile: string;
  readonly #env: NodeJS.ProcessEnv;
  #child: Child | undefined;
  #up = false;
  #upWaiters: (() => void)[] = [];
  readonly #downListeners = new Set<() => void>();
  /** Exits nobody asked for: each one is a daemon bug. */
  readonly crashes: string[] = [];

  constructor(options: { name?: string; socket: string; env: NodeJS.ProcessEnv; logFile: string }) {
    this.name = options.name ?? 'tetherd';
    this.socket = options.socket;
    this.#env = options.env;
    this.logFile = options.logFile;
  }

  /** Running and not paused: it can answer. */
  get up(): boolean {
    return this.#up;
  }

  async start(): Promise<void> {
    const child = startChild(BIN, [], this.#env, this.logFile);
    this.#child = child;
    void child.exited.then(({ code, signal }) => {
      if (this.#child !== child) return;
      this.crashes.push(`tetherd ${this.name} exited by itself (code ${code}, signal ${signal})`);
      this.#child = undefined;
      this.#markDown();
      // Keep the soak going (and counting) rather than stall on a daemon that is gone.
      void this.start();
    });
    await child.line(/control API listening/);
    this.#markUp();
  }

  /** Marks it down first, so that no caller mistakes the dying process for a live one. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const child = this.#child;
    this.#child = undefined;
    this.#markDown();
    if (!child) return undefined;
    const stopped = stopChild(child, signal);
    // a paused process keeps a SIGTERM pending until it runs again (harmless to one that runs)
    if (signal === 'SIGTERM' && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGCONT');
    await stopped;
    return child.exited;
  }

  /** SIGSTOP: the process keeps its sockets and connections but does nothing until `resume`. */
  pause(): void {
    if (!this.#child) throw new Error(`tetherd ${this.name} is not running`);
    this.#markDown();
    this.#child.process.kill('SIGSTOP');
  }

  /** SIGCONT; resolves with the first line matching `expect` that it logs from then on. */
  resume(expect: RegExp): Promise<string> {
    const child = this.#child;
    if (!child) throw new Error(`tetherd ${this.name} is not running`);
    const line = child.line(expect);
    child.process.kill('SIGCONT');
    this.#markUp();
    return line;
  }

  whenUp(): Promise<void> {
    return this.#up ? Promise.resolve() : new Promise((resolve) => this.#upWaiters.push(resolve));
  }

  /** Called each time it goes down (stopped, killed or paused); returns the unsubscribe. */
  onDown(listener: () => void): () => void {
    this.#downListeners.add(listener);
    return () => this.#downListeners.delete(listener);
  }

  request<T = unknown>(method: string, pathname: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer<T>> {
    return request<T>({ socketPath: this.socket }, method, pathname, options);
  }

  #markUp(): void {
    this.#up = true;
    for (const resolve of this.#upWaiters.splice(0)) resolve();
  }

  #markDown(): void {
    this.#up = false;
    for (const listener of [...this.#downListeners]) listener();
  }
}
