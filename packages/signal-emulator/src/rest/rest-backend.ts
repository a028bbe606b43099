// The signal-cli-rest-api stand-in (MODE=json-rpc) on 127.0.0.1: HTTP endpoints, the receive
// WebSocket, and the backend's delivery rules: a frame that finds no WebSocket, a busy one, or a
// REST server still redialing a restarted signal-cli is dropped for good.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DropReason } from '../emulator-types.js';
import type { ReceiveFrame } from '../envelope-types.js';
import type { FreezeGate } from '../freeze-gate.js';
import type { RestAnswer } from '../signal-cli-error.js';
import type { SignalCli } from '../signal-cli.js';
import { boundPort, closeServer, listen, SocketSet } from '../sockets.js';
import { requestUrl, writeEmpty, writeJson, writeNotFound, writeText } from './http-io.js';
import { pathParameter } from './router.js';
import { restRoutes, type SendResponseShape } from './rest-routes.js';
import { SignalCliLink, type SignalCliLinkState } from './signal-cli-link.js';
import { handshakeFailure, handshakeHeaders, rawHandshakeResponse } from './websocket-handshake.js';
import { WebSocketHub } from './websocket-hub.js';

export interface RestBackendOptions {
  port: number;
  pingIntervalMs: number;
  redialIntervalMs: number;
  sendResponseShape: SendResponseShape;
}

export interface RestHooks {
  /** A frame the backend lost for good, and why. */
  dropped(frame: ReceiveFrame, reason: DropReason): void;
  counted(): void;
  /** Serves `/_emulator/…`; never frozen, never counted. */
  admin?: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}

export class RestBackend {
  readonly #hub: WebSocketHub;
  readonly #sockets = new SocketSet();
  readonly #routes = restRoutes();
  readonly #link: SignalCliLink;
  #server: Server | undefined;
  #port: number;
  /** Frames waiting at "Signal" while signal-cli is not pulling (stopped, down or starting). */
  #held: ReceiveFrame[] = [];

  constructor(
    private readonly signalCli: SignalCli,
    private readonly gate: FreezeGate,
    private readonly options: RestBackendOptions,
    private readonly hooks: RestHooks,
  ) {
    this.#hub = new WebSocketHub(gate, options.pingIntervalMs);
    this.#link = new SignalCliLink(options.redialIntervalMs);
    this.#port = options.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  get clients(): number {
    return this.#hub.size;
  }

  /** The slowSocketWrites fault: each frame takes this long to write; 0 turns it off. */
  set slowWritesMs(ms: number) {
    this.#hub.slowWritesMs = ms;
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer({ keepAliveTimeout: 0 }, (request, response) => void this.#onRequest(request, response));
    server.on('connection', (socket: Socket) => this.#sockets.track(socket));
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.#onUpgrade(request, socket, head));
    await listen(server, { port: this.#port });
    this.#port = boundPort(server);
    this.#server = server;
    this.pump();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.#link.reset();
    await closeServer(server, this.#sockets);
  }

  /**
   * signal-cli restarts behind the live REST server: the WebSockets stay open and silent, the REST
   * server redials, and if it never gets through it exits (stop). Resolves when that is settled.
   */
  async restartSignalCli(downMs: number): Promise<SignalCliLinkState> {
    if (this.#server === undefined) return 'exited';
    const state = await this.#link.lose(downMs);
    if (state === 'exited') await this.stop();
    return state;
  }

  /** Ends a signal-cli restart at once (clearFaults). */
  endSignalCliRestart(): void {
    this.#link.reset();
  }

  dropConnections(): void {
    this.#sockets.resetAll();
  }

  deliver(frame: ReceiveFrame): void {
    if (this.#server === undefined || this.signalCli.state !== 'up') {
      this.#held.push(frame);
      return;
    }
    // signal-cli (on-start) pulls and acknowledges it, but REST is not connected to hear it: it
    // only reaches signal-cli's stdout (R:src/scripts/jsonrpc2-helper.go runs it on-start).
    if (this.#link.state !== 'connected') {
      this.hooks.dropped(frame, 'signal-cli-restart');
      return;
    }
    const result = this.#hub.broadcast(frame.account, JSON.stringify(frame));
    for (let index = 0; index < result.busy; index += 1) this.hooks.dropped(frame, 'busy');
    if (result.delivered === 0 && result.busy === 0) this.hooks.dropped(frame, 'no-client');
  }

  /** signal-cli pulls what waited at Signal as soon as it runs again (on-start receive mode). */
  pump(): void {
    if (this.#server === undefined || this.signalCli.state !== 'up') return;
    for (const frame of this.#held.splice(0)) this.deliver(frame);
  }

  async #onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    if (url.pathname.startsWith('/_emulator/') && this.hooks.admin !== undefined) {
      await this.hooks.admin(request, response);
      return;
    }
    this.hooks.counted();
    await this.gate.whenOpen();
    try {
      if (request.method === 'GET' && /^\/v1\/receive\/[^/]+$/.test(url.pathname)) {
        const failure = handshakeFailure(request);
        if (failure !== undefined) writeText(response, failure.status, failure.body, handshakeHeaders);
        return;
      }
      const answer = await this.#routes.handle(request, url, {
        signalCli: this.signalCli,
        link: this.#link,
        shape: this.options.sendResponseShape,
      });
      if (answer === undefined) return;
      await this.gate.whenOpen();
      if (answer === 'not-found') writeNotFound(response);
      else writeAnswer(response, answer);
    } catch {
      writeEmpty(response, 500);
    }
  }

  async #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.hooks.counted();
    socket.on('error', () => undefined);
    await this.gate.whenOpen();
    if (socket.destroyed) return;
    const url = requestUrl(request);
    const match = /^\/v1\/receive\/([^/]+)$/.exec(url.pathname);
    const number = match?.[1] === undefined ? undefined : pathParameter(match[1]);
    if (number === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 18\r\nConnection: close\r\n\r\n404 page not found');
      return;
    }
    const failure = handshakeFailure(request);
    if (failure !== undefined) {
      socket.end(rawHandshakeResponse(failure));
      return;
    }
    this.#hub.upgrade(request, socket, head, number);
  }
}

function writeAnswer(response: ServerResponse, answer: RestAnswer): void {
  if (answer.body === undefined) writeEmpty(response, answer.status);
  else writeJson(response, answer.status, answer.body);
}
