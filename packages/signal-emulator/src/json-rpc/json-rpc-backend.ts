// The signal-cli JSON-RPC daemon stand-in: NDJSON over TCP on 127.0.0.1 and/or a Unix socket,
// multi-account mode (one or more accounts), and the chosen receive mode.
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { DropReason } from '../emulator-types.js';
import type { ReceiveFrame } from '../envelope-types.js';
import type { FreezeGate } from '../freeze-gate.js';
import type { SignalCli } from '../signal-cli.js';
import { boundPort, closeServer, listen, SocketSet } from '../sockets.js';
import { JsonRpcConnection } from './connection.js';
import { ReceiveHub, type ReceiveMode } from './receive-hub.js';

export interface JsonRpcBackendOptions {
  /** TCP port on 127.0.0.1 (0 = any); undefined = no TCP listener. */
  tcpPort: number | undefined;
  unixPath: string | undefined;
  receiveMode: ReceiveMode;
}

export interface JsonRpcHooks {
  /** A frame lost because, in on-start mode, no connection was open. */
  dropped(frame: ReceiveFrame, reason: DropReason): void;
  counted(): void;
}

export class JsonRpcBackend {
  readonly #hub: ReceiveHub;
  readonly #sockets = new SocketSet();
  #servers: Server[] = [];
  #tcpPort: number | undefined;

  constructor(
    private readonly signalCli: SignalCli,
    private readonly gate: FreezeGate,
    private readonly options: JsonRpcBackendOptions,
    private readonly hooks: JsonRpcHooks,
  ) {
    this.#hub = new ReceiveHub(options.receiveMode, signalCli, (frame) => hooks.dropped(frame, 'no-client'));
    this.#tcpPort = options.tcpPort;
  }

  get urls(): string[] {
    return [
      ...(this.#tcpPort === undefined ? [] : [`tcp://127.0.0.1:${this.#tcpPort}`]),
      ...(this.options.unixPath === undefined ? [] : [`unix:${this.options.unixPath}`]),
    ];
  }

  get running(): boolean {
    return this.#servers.length > 0;
  }

  get clients(): number {
    return this.#sockets.size;
  }

  get subscriptions(): number {
    return this.#hub.subscriptions;
  }

  async start(): Promise<void> {
    if (this.#servers.length > 0) return;
    const servers: Server[] = [];
    try {
      if (this.#tcpPort !== undefined) {
        const server = this.#createServer();
        await listen(server, { port: this.#tcpPort });
        this.#tcpPort = boundPort(server);
        servers.push(server);
      }
      if (this.options.unixPath !== undefined) {
        removeStaleSocket(this.options.unixPath);
        const server = this.#createServer();
        await listen(server, { path: this.options.unixPath });
        servers.push(server);
      }
    } catch (error) {
      await Promise.all(servers.map((server) => closeServer(server, this.#sockets)));
      throw error;
    }
    this.#servers = servers;
    this.#hub.start();
  }

  async stop(): Promise<void> {
    if (this.#servers.length === 0) return;
    const servers = this.#servers;
    this.#servers = [];
    this.#hub.stop();
    await Promise.all(servers.map((server) => closeServer(server, this.#sockets)));
  }

  dropConnections(): void {
    this.#sockets.resetAll();
  }

  deliver(frame: ReceiveFrame): void {
    this.#hub.deliver(frame);
  }

  pump(): void {
    this.#hub.pump();
  }

  #createServer(): Server {
    return createServer((socket: Socket) => {
      this.#sockets.track(socket);
      new JsonRpcConnection(socket, {
        signalCli: this.signalCli,
        hub: this.#hub,
        gate: this.gate,
        counted: () => this.hooks.counted(),
      });
    });
  }
}

/** A socket file left by a killed process would make listen fail; anything else is not ours. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`refusing to replace ${path}: it exists and is not a socket`);
  unlinkSync(path);
}
